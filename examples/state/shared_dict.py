#!/usr/bin/python3
"""Use harp's shared-state service from Python with nothing but the standard library.

    python3 shared_dict.py http://127.0.0.1:8700/RPC2

The service is the seed's shared-dict server (Python's SyncManager dict, or a small XML-RPC
service with get and increment), kept in NATS JetStream so that it survives its instances.
"""
import sys
import threading
import uuid
import xmlrpc.client

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8700/RPC2"
s = xmlrpc.client.ServerProxy(url, allow_none=True, use_builtin_types=True)

# A plain dictionary: any XML-RPC value.
s.set("config.colour", "blue")
s.set("config.limits", {"max": 10, "ratio": 0.5, "tags": ["a", "b"]})
print("colour:", s.get("config.colour"))
print("limits:", s.get("config.limits"))
print("missing with a default:", s.get("config.size", 42))
try:
    s.get("config.size")
except xmlrpc.client.Fault as f:
    print("missing:", f.faultCode)

# A counter. Each increment carries its own idempotency key, so a retry after a lost answer
# (same key) is not applied twice.
key = str(uuid.uuid4())
print("incr:", s.incr("hits", 1, {"id": key}))
print("incr retried with the same id:", s.incr("hits", 1, {"id": key}))
print("incr by 5:", s.incr("hits", 5, {"id": str(uuid.uuid4())}))

# Compare-and-set on a revision: read, change, write back only if nobody wrote meanwhile.
e = s.entry("config.colour")
s.cas("config.colour", e["revision"], "green")
try:
    s.cas("config.colour", e["revision"], "red")
except xmlrpc.client.Fault as f:
    print("stale cas refused:", f.faultCode)
print("colour now:", s.get("config.colour"))

# Keys by prefix, a key with a TTL, a delete.
print("keys:", s.keys("config."))
s.set("session.abc", "token", {"ttl": 60})
print("deleted:", s.delete("session.abc"), s.delete("session.abc"))

# Many threads, each with its own proxy (a ServerProxy is not thread-safe), one counter.
def worker(n):
    p = xmlrpc.client.ServerProxy(url)
    for _ in range(n):
        p.incr("shared", 1, {"id": str(uuid.uuid4())})

threads = [threading.Thread(target=worker, args=(25,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("shared:", s.get("shared"))
