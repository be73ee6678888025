"""Calls die(key) through a gateway with CPython's xmlrpc.client, which sends a call a second
time when its kept-alive connection closes without an answer; prints what it got.

Usage: pydie.py URL
"""
import sys
import xmlrpc.client

p = xmlrpc.client.ServerProxy(sys.argv[1])
print("add", p.add(1, 1))  # the connection is now kept alive
try:
    print("answered", p.die("k1"))
except xmlrpc.client.ProtocolError as e:
    print("protocol-error", e.errcode)
except xmlrpc.client.Fault as f:
    print("fault", f.faultCode)
except Exception as e:
    print("other", type(e).__name__, e)
