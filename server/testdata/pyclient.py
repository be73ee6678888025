"""CPython's xmlrpc.client against a harp server started by interop_test.go.

Usage: pyclient.py URL. Exits 0 after every check passed; any failure raises (exit 1, traceback).
The server registers the methods of helpers_test.go's testRegistry, with application error code 500.
"""
import datetime
import sys
import threading
import xmlrpc.client as xc

URL = sys.argv[1]


def proxy(**kw):
    return xc.ServerProxy(URL, allow_none=True, use_builtin_types=True, **kw)


def expect_fault(code, fn, *args, contains=""):
    try:
        fn(*args)
    except xc.Fault as f:
        assert f.faultCode == code, (f.faultCode, f.faultString, code)
        assert contains in f.faultString, (f.faultString, contains)
        assert ".go" not in f.faultString and "goroutine" not in f.faultString, f.faultString
        return
    raise AssertionError("no fault from %r%r" % (fn, args))


p = proxy()
assert p.add(2, 3) == 5

# Every type, round-tripped through echo.
when = datetime.datetime(1998, 7, 17, 14, 8, 55)
values = [
    0, -1, 2**31 - 1, -2**31,
    1.5, -0.0, 1e300,
    True, False,
    "", "plain", "unicode ☃ \U0001F600 é <&> ]]>", "  spaces kept  ", "tab\tnewline\n",
    None,
    b"", b"bin\x00ary\xff",
    when,
    [], [1, "two", [3.0, [None]]],
    {}, {"k": {"nested": [1, 2]}, "ünï": "x"},
]
for v in values:
    got = p.echo(v)
    assert got == v and type(got) == type(v), (v, got)

rec = p.record({"name": "n", "count": 41, "when": when, "blob": b"\x01", "tags": ["a", "b"]})
assert rec == {"name": "n", "count": 42, "when": when, "blob": b"\x01", "tags": ["a", "b"]}, rec
assert p.div(1.0, 4.0) == 0.25

# Faults.
expect_fault(-32601, p.nope, contains="nope")
expect_fault(-32602, p.add, 1, contains="got 1")
expect_fault(-32602, p.add, 1, "x", contains="params[1]")
expect_fault(500, p.div, 1.0, 0.0, contains="division by zero")
expect_fault(4711, p.fault, 4711, "custom", contains="custom")
expect_fault(-32603, getattr(p, "panic"), contains="internal error")
# CPython sends only 32-bit ints, but reads i8: the server writes results beyond 32 bits as <i8>.
assert p.add(2**30, 2**30) == 2**31
assert p.add(-2**31, -2**31) == -2**32

# Introspection.
methods = p.system.listMethods()
for m in ["add", "echo", "record", "system.multicall", "system.methodSignature"]:
    assert m in methods, methods
assert methods == sorted(methods)
assert p.system.methodHelp("add") == "Adds two integers."
assert p.system.methodSignature("div") == [["double", "double", "double"]]
assert p.system.methodExist("add") is True
caps = p.system.getCapabilities()
assert caps["faults_interop"]["specVersion"] == 20010516, caps

# Multicall.
mc = xc.MultiCall(p)
mc.add(2, 3)
mc.echo("x")
mc.div(1.0, 0.0)
mc.nope()
res = mc()
assert res[0] == 5 and res[1] == "x"
for i, code in [(2, 500), (3, -32601)]:
    try:
        res[i]
    except xc.Fault as f:
        assert f.faultCode == code, f
    else:
        raise AssertionError("multicall entry %d did not fault" % i)


# gzip: requests compressed above a threshold, responses compressed by the server.
class GzipTransport(xc.Transport):
    encode_threshold = 100


class SeenTransport(xc.Transport):
    """Records whether a response arrived gzip-compressed."""
    gzipped = False

    def parse_response(self, response):
        SeenTransport.gzipped = response.getheader("Content-Encoding", "") == "gzip"
        return super().parse_response(response)


gz = proxy(transport=GzipTransport(use_builtin_types=True))
big = "y" * 5000
assert gz.echo(big) == big
seen = proxy(transport=SeenTransport(use_builtin_types=True))
assert seen.big(5000) == "x" * 5000
assert SeenTransport.gzipped, "large response not gzip-compressed"

# 64 client threads at once, each with its own proxy (a ServerProxy is not thread-safe).
errors = []


def worker(n):
    try:
        tp = proxy()
        for i in range(20):
            assert tp.add(n, i) == n + i
            assert tp.echo(["t", n, i]) == ["t", n, i]
    except Exception as e:  # noqa: BLE001 - reported below
        errors.append(repr(e))


threads = [threading.Thread(target=worker, args=(n,)) for n in range(64)]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
assert not errors, errors[:3]
assert not any(t.is_alive() for t in threads), "threads still running"
print("ok")
