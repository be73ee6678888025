"""CPython's SimpleXMLRPCServer with ThreadingMixIn, as harp's client tests run it.

Listens on 127.0.0.1 (port 0: any free port), prints "PORT <n>" on stdout once listening, and
serves until stdin closes. allow_none and use_builtin_types are on; responses over the
handler's encode_threshold (1400 bytes) are gzip-compressed for clients that accept gzip.
"""
import socketserver
import sys
import threading
import time
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class ThreadingServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 resets connections under 64 concurrent
    # clients (HTTP/1.0: one connection per call); any concurrent deployment raises it.
    request_queue_size = 128


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")
    last_headers = {}

    def do_POST(self):
        Handler.last_headers = dict(self.headers.items())
        super().do_POST()


def main():
    server = ThreadingServer(("127.0.0.1", 0), requestHandler=Handler, allow_none=True,
                             use_builtin_types=True, logRequests=False)
    server.register_introspection_functions()
    server.register_multicall_functions()
    server.register_function(pow)
    server.register_function(lambda x, y: x + y, "add")

    class Funcs:
        def div(self, x, y):
            return x // y

    server.register_instance(Funcs())
    server.register_function(lambda v: v, "echo")
    server.register_function(lambda v: type(v).__name__, "typeof")
    server.register_function(lambda n: "x" * n, "big")
    # header(name, padding...) returns a header of this very request; padding makes it large.
    server.register_function(lambda name, *padding: Handler.last_headers.get(name, ""), "header")

    def slow(seconds):
        time.sleep(seconds)
        return seconds

    server.register_function(slow, "slow")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORT", server.server_address[1], flush=True)
    sys.stdin.read()  # serve until the test closes stdin
    server.shutdown()


if __name__ == "__main__":
    main()
