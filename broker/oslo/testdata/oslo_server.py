"""An oslo.messaging RPC server for harp's tests: oslo_server.py URL TOPIC SERVER.

Prints "ready" once it serves, one JSON line per cast it runs ({"cast": ..., "server": ...}),
and stops cleanly when its standard input closes.
"""
import json
import sys
import time

from oslo_config import cfg
import oslo_messaging as om

url, topic, server = sys.argv[1:4]


class HarpError(Exception):
    pass


class Endpoint(object):
    def add(self, ctxt, x, y):
        return x + y

    def echo(self, ctxt, **kwargs):
        return {"args": kwargs, "server": server}

    def context(self, ctxt):
        return ctxt

    def whoami(self, ctxt):
        return server

    def fail(self, ctxt):
        raise HarpError("boom from fail()")

    def value_error(self, ctxt):
        raise ValueError("bad value", 42)

    def slow(self, ctxt, secs):
        time.sleep(secs)
        return secs

    def record(self, ctxt, n):
        print(json.dumps({"cast": n, "server": server, "user": ctxt.get("user_id")}), flush=True)


cfg.CONF([], project="harp-test")
transport = om.get_rpc_transport(cfg.CONF, url=url)
target = om.Target(topic=topic, server=server)
srv = om.get_rpc_server(transport, target, [Endpoint()], executor="threading",
                        access_policy=om.rpc.dispatcher.DefaultRPCAccessPolicy)
srv.start()
print("ready", flush=True)
sys.stdin.read()
srv.stop()
srv.wait()
transport.cleanup()
