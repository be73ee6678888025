"""Calls a gateway with CPython's xmlrpc.client and prints what it got, one line per check.

Usage: pyclient.py URL
"""
import sys
import xmlrpc.client

url = sys.argv[1]
p = xmlrpc.client.ServerProxy(url, allow_none=True)
print("add", p.add(2, 3))
print("whoami", p.whoami())
print("user.whoami", p.user.whoami())
try:
    p.fail()
except xmlrpc.client.Fault as f:
    print("fault", f.faultCode, f.faultString)
m = xmlrpc.client.MultiCall(p)
m.whoami()
m.user.whoami()
m.add(40, 2)
print("multicall", list(m()))
print("listMethods", " ".join(sorted(p.system.listMethods())))
