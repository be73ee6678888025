"""CPython's standard json module as a JSON-RPC peer for the jsonrpc tests.

  pyjson.py requests   prints requests made with json.dumps, one per line
  pyjson.py read       reads one JSON document per line and prints it again with json.dumps
                       (sort_keys, ensure_ascii=False), so the test sees how Python read it
"""
import json
import sys

mode = sys.argv[1]
if mode == "requests":
    reqs = [
        {"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 1},
        {"jsonrpc": "2.0", "method": "user.login", "params": {"user": "Admin", "password": "zabbix"}, "id": 2},
        {"jsonrpc": "2.0", "method": "sum", "params": [2**62, 2**62 - 1, -1], "id": "big"},
        {"jsonrpc": "2.0", "method": "echo", "params": [{"s": "\u00e9\U0001F600\u2028\x00\"\\", "f": 0.1, "l": [1, 2.5, None, True]}], "id": 3},
        [{"jsonrpc": "2.0", "method": "add", "params": [1, 1], "id": 4}, {"jsonrpc": "2.0", "method": "add", "params": [1, 1]}],
        {"method": "add", "params": [20, 22], "id": 5},
    ]
    for r in reqs:
        print(json.dumps(r))
    print(json.dumps(reqs[3], ensure_ascii=False, indent=2).replace("\n", " "))
elif mode == "read":
    for line in sys.stdin:
        print(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False))
else:
    sys.exit("unknown mode " + mode)
