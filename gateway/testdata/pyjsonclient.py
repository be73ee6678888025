"""A JSON-RPC 2.0 client of CPython's standard library only (urllib, json): calls a gateway
route that bridges to an XML-RPC backend and prints each answer as JSON, one per line.

Usage: pyjsonclient.py URL
"""
import json
import sys
import urllib.request

url = sys.argv[1]


def call(method, params, id=1):
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": id}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


print(json.dumps(call("add", [2, 3]), sort_keys=True))
print(json.dumps(call("whoami", [], id="s"), sort_keys=True))
print(json.dumps(call("fail", [], id=7), sort_keys=True))
