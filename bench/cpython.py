"""Times CPython's xmlrpc.client on the payload files cmd/payloads writes.

usage: python3 cpython.py DIR [COUNT]

Prints lines in Go benchmark format (BenchmarkX/lib=cpython N ns/op), median of COUNT runs, so
run.sh summarises them beside the Go results.
"""
import statistics
import sys
import time
import xmlrpc.client as xc

d = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def bench(name, fn, budget=0.5):
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.1:
        fn()
        n += 1
    iters = max(1, int(n * budget / 0.1))
    results = []
    for _ in range(count):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        results.append((time.perf_counter() - t0) / iters * 1e9)
    print(f"Benchmark{name}/lib=cpython-1 {iters} {statistics.median(results):.1f} ns/op", flush=True)


def load(name):
    with open(f"{d}/{name}.xml", "rb") as f:
        return f.read()


add_call, add_resp = load("add_call"), load("add_response")
structs, blob, nested = load("structs"), load("base64"), load("nested")
rows = xc.loads(structs, use_builtin_types=True)[0][0]
data = xc.loads(blob, use_builtin_types=True)[0][0]
deep = xc.loads(nested, use_builtin_types=True)[0][0]

bench("AddCallEncode", lambda: xc.dumps((2, 3), methodname="add"))
bench("AddResponseDecode", lambda: xc.loads(add_resp, use_builtin_types=True))
bench("AddCallDecode", lambda: xc.loads(add_call, use_builtin_types=True))
bench("StructsDecode", lambda: xc.loads(structs, use_builtin_types=True))
bench("StructsEncode", lambda: xc.dumps((rows,), methodresponse=True))
bench("Base64Decode", lambda: xc.loads(blob, use_builtin_types=True))
bench("Base64Encode", lambda: xc.dumps((data,), methodresponse=True))
bench("NestedDecode", lambda: xc.loads(nested, use_builtin_types=True))
bench("NestedEncode", lambda: xc.dumps((deep,), methodresponse=True))
