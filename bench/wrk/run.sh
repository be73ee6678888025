#!/usr/bin/env bash
# run.sh: the server load benchmark of BENCHMARKS.md, side by side in one run. The harp server
# answering XML-RPC add(2,3) and a raw net/http handler returning a fixed 150-byte body (the
# ceiling) each run pinned to core 0, loaded by `wrk -t1 -c16` pinned to core 1, alternating
# ROUNDS times for DURATION each; prints req/s and p99 per run and the harp/raw ratios of the
# medians. Usage: bench/wrk/run.sh [ROUNDS] [DURATION]   (defaults 3 and 5s)
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
dur=${2:-5s}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/srv" .
port=$((20000 + RANDOM % 20000))

run() { # mode -> "reqs p99_us"
  taskset -c 0 "$dir/srv" -mode "$1" -addr "127.0.0.1:$port" >/dev/null &
  pid=$!
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" add.lua)
  curl -sf -H 'Content-Type: text/xml' --data-binary "$body" "http://127.0.0.1:$port/RPC2" | grep -q '<int>5</int>' ||
    { echo "$1 server does not answer add(2,3) with 5" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c16 -d2s -s add.lua "http://127.0.0.1:$port/RPC2" >/dev/null # warm-up
  taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s add.lua "http://127.0.0.1:$port/RPC2" >"$dir/$1.out"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  grep -q 'Non-2xx' "$dir/$1.out" && { echo "non-2xx answers in $1 run" >&2; cat "$dir/$1.out" >&2; exit 1; }
  python3 - "$dir/$1.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
v, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", t).groups()
print(rps, float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit])
PY
}

printf '%-6s %-5s %12s %10s\n' round side req/s p99_us
for i in $(seq "$rounds"); do
  for mode in raw harp; do
    read -r rps p99 < <(run "$mode")
    printf '%-6s %-5s %12.0f %10.0f\n' "$i" "$mode" "$rps" "$p99"
    echo "$mode $rps $p99" >>"$dir/all"
  done
done
python3 - "$dir/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda m, i: statistics.median(float(r[i]) for r in rows if r[0] == m)
rr, hr = med("raw", 1), med("harp", 1)
rp, hp = med("raw", 2), med("harp", 2)
print(f"median raw  {rr:10.0f} req/s  p99 {rp:8.0f} us")
print(f"median harp {hr:10.0f} req/s  p99 {hp:8.0f} us")
print(f"harp/raw throughput {hr/rr:6.1%}   (target >= 85%)")
print(f"harp/raw p99        {hp/rp:6.2f}x  (target <= 1.20x)")
PY
