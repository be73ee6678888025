"""Opens N kept-alive connections to HOST:PORT, one after the other, makes one XML-RPC call on
each (waiting for its answer), and holds them
idle until stdin closes. Prints "HELD <n>" once every connection has its answer.

Usage: pyidle.py HOST PORT N
"""
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = b'<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>'
req = b"POST /RPC2 HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
conns = []
ok = 0
for i in range(n):
    s = socket.create_connection((host, port))
    s.sendall(req)
    conns.append(s)
    data = b""
    while b"</methodResponse>" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    if b"<int>5</int>" in data:
        ok += 1
print("HELD", ok, flush=True)
sys.stdin.read()
