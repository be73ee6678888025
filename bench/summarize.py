"""Summarises Go benchmark output (plus cpython.py's lines) as a markdown table of medians and
ratios against harp, read from standard input."""
import collections
import re
import statistics
import sys

runs = collections.defaultdict(lambda: collections.defaultdict(list))
pat = re.compile(r"^Benchmark(\w+)/lib=(\w+)(?:/into=(\w+))?-\d+\s+\d+\s+([\d.]+) ns/op(?:.*?(\d+) B/op\s+(\d+) allocs/op)?")
for line in sys.stdin:
    m = pat.match(line.strip())
    if not m:
        continue
    bench, lib, into, ns, _, allocs = m.groups()
    key = lib + ("/" + into if into else "")
    runs[bench][key].append((float(ns), int(allocs) if allocs else None))

print("| benchmark | implementation | median ns/op | allocs/op | harp is N x faster |")
print("| --- | --- | ---: | ---: | ---: |")
for bench, libs in runs.items():
    harp = [k for k in libs if k.startswith("harp")]
    base = statistics.median(x[0] for x in libs[harp[0]]) if harp else None
    for lib, xs in libs.items():
        ns = statistics.median(x[0] for x in xs)
        allocs = xs[0][1]
        ratio = "" if lib.startswith("harp") or base is None else f"{ns / base:.1f}x"
        print(f"| {bench} | {lib} | {ns:,.0f} | {'' if allocs is None else allocs} | {ratio} |")
