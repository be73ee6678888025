"""An oslo.messaging RPC client for harp's tests: oslo_client.py URL TOPIC OPS_JSON.

OPS_JSON is a list of operations {"op": "call"|"cast"|"fanout", "method": m, "args": {...},
"server": s, "version": v, "timeout": t, "monitor": t, "context": {...}}; for each it prints one
JSON line: {"ok": result} or {"error": {"type", "exc_type", "value", "args"}, "secs": elapsed}.
"""
import json
import sys
import time

from oslo_config import cfg
import oslo_messaging as om

url, topic, ops = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
cfg.CONF([], project="harp-test")
transport = om.get_rpc_transport(cfg.CONF, url=url)
client = om.RPCClient(transport, om.Target(topic=topic))

for op in ops:
    kw = {}
    if op.get("server"):
        kw["server"] = op["server"]
    if op.get("version"):
        kw["version"] = op["version"]
    if op.get("timeout"):
        kw["timeout"] = op["timeout"]
    if op.get("monitor"):
        kw["call_monitor_timeout"] = op["monitor"]
    if op["op"] == "fanout":
        kw["fanout"] = True
    c = client.prepare(**kw) if kw else client
    ctxt = op.get("context", {})
    start = time.time()
    try:
        if op["op"] == "call":
            res = c.call(ctxt, op["method"], **op.get("args", {}))
        else:
            res = c.cast(ctxt, op["method"], **op.get("args", {}))
        out = {"ok": res}
    except Exception as e:
        out = {"error": {"type": type(e).__name__, "module": type(e).__module__,
                         "exc_type": getattr(e, "exc_type", None),
                         "value": getattr(e, "value", None), "args": [str(a) for a in e.args]}}
    out["secs"] = round(time.time() - start, 3)
    print(json.dumps(out), flush=True)

transport.cleanup()
