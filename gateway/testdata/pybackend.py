"""A CPython SimpleXMLRPCServer backend for the gateway's tests.

Usage: pybackend.py NAME threaded|single [RUNLOG]

Prints "PORT <n>" once listening on 127.0.0.1, serves until stdin closes. Methods: whoami(),
add(a, b), slow(seconds), fail() (raises), run(key) (appends "key" to RUNLOG, one line per
run, so a test counts how often each non-idempotent call ran, across processes), die(key)
(runs key, then the process exits without answering).
"""
import os
import socketserver
import sys
import threading
import time
from xmlrpc.server import SimpleXMLRPCServer

name, mode = sys.argv[1], sys.argv[2]
runlog = sys.argv[3] if len(sys.argv) > 3 else None


class Threaded(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of 64 callers reconnecting at once
    # (each costs a 1 s retransmission); a threaded server under load needs more.
    request_queue_size = 128


cls = Threaded if mode == "threaded" else SimpleXMLRPCServer
srv = cls(("127.0.0.1", 0), logRequests=False, allow_none=True)
srv.register_introspection_functions()
srv.register_multicall_functions()
srv.register_function(lambda: name, "whoami")
srv.register_function(lambda: name, "user.whoami")
srv.register_function(lambda a, b: a + b, "add")


def slow(seconds):
    time.sleep(seconds)
    return name


def fail():
    raise ValueError("no")


def run(key):
    if runlog:
        fd = os.open(runlog, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, (key + "\n").encode())
        os.close(fd)
    return name


def die(key):
    run(key)
    os._exit(1)  # the process dies in the middle of the call: no answer


srv.register_function(die, "die")
srv.register_function(slow, "slow")
srv.register_function(fail, "fail")
srv.register_function(run, "run")
print("PORT", srv.server_address[1], flush=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
sys.stdin.read()
