"""Python oslo.messaging call rate: oslo_bench.py URL TOPIC CALLS THREADS.

Makes CALLS calls of add(x=, y=) split over THREADS threads sharing one RPCClient, after a
warm-up call, and prints {"calls": n, "secs": s, "rate": calls per second}.
"""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as om

url, topic, calls, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cfg.CONF([], project="harp-bench")
transport = om.get_rpc_transport(cfg.CONF, url=url)
client = om.RPCClient(transport, om.Target(topic=topic), timeout=30)
client.call({}, "add", x=1, y=1)
per = calls // threads
errors = []


def worker():
    try:
        for i in range(per):
            client.call({}, "add", x=i, y=1)
    except Exception as e:
        errors.append(repr(e))


ts = [threading.Thread(target=worker) for _ in range(threads)]
start = time.time()
for t in ts:
    t.start()
for t in ts:
    t.join()
secs = time.time() - start
print(json.dumps({"calls": per * threads, "secs": secs, "rate": per * threads / secs, "errors": errors[:3]}))
transport.cleanup()
