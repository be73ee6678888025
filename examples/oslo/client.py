"""Call the harp example server from Python's oslo.messaging: client.py rabbit://guest:guest@HOST:PORT/"""
import sys

from oslo_config import cfg
import oslo_messaging as om

cfg.CONF([], project="harp-example")
transport = om.get_rpc_transport(cfg.CONF, url=sys.argv[1])
client = om.RPCClient(transport, om.Target(topic="harp_example"))
print("add:", client.call({}, "add", x=2, y=3))
print("order:", client.call({}, "order", item="apples", qty=2))
try:
    client.call({}, "order", item="pears", qty=9)
except om.RemoteError as e:
    print("fault:", e.exc_type, e.value)
print("server worker1:", client.prepare(server="worker1").call({}, "add", x=1, y=1))
client.prepare(fanout=True).cast({"user_id": "bob"}, "notify", msg="from Python")
transport.cleanup()
