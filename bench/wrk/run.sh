#!/usr/bin/env bash
# run.sh: the server load benchmark of BENCHMARKS.md, side by side in one run. The harp server
# answering XML-RPC add(2,3) and a raw net/http handler returning a fixed 150-byte body (the
# ceiling) each run pinned to core 0, loaded by `wrk -t1 -c16` pinned to core 1, alternating
# ROUNDS times for DURATION each; prints req/s, p99 and the server's CPU time per request (from
# /proc, robust against other load on the machine) per run, and the harp/raw ratios of the medians.
# Further arguments name other modes of main.go to run in each round after raw, instead of harp
# (bench/wrk/run.sh 3 5s stage-timeouts stage-read stage-decode stage-call stage-encode harp
# splits the harp server's cost under load into its steps).
# Usage: bench/wrk/run.sh [ROUNDS] [DURATION] [MODE...]   (defaults 3, 5s and harp)
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
dur=${2:-5s}
shift $(($# < 2 ? $# : 2))
modes=(raw "${@:-harp}")
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/srv" .
port=$((10000 + RANDOM % 20000)) # below the ephemeral ports wrk connects from

run() { # mode -> "reqs p99_us"
  taskset -c 0 "$dir/srv" -mode "$1" -addr "127.0.0.1:$port" >/dev/null &
  pid=$!
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" add.lua)
  curl -sf -H 'Content-Type: text/xml' --data-binary "$body" "http://127.0.0.1:$port/RPC2" | grep -q '<int>5</int>' ||
    { echo "$1 server does not answer add(2,3) with 5" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c16 -d2s -s add.lua "http://127.0.0.1:$port/RPC2" >/dev/null # warm-up
  cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s add.lua "http://127.0.0.1:$port/RPC2" >"$dir/$1.out"
  cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  echo "cpu_ticks $((cpu1 - cpu0)) $(getconf CLK_TCK)" >>"$dir/$1.out"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  grep -q 'Non-2xx' "$dir/$1.out" && { echo "non-2xx answers in $1 run" >&2; cat "$dir/$1.out" >&2; exit 1; }
  python3 - "$dir/$1.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
n = int(re.search(r"(\d+) requests in", t).group(1))
v, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", t).groups()
ticks, hz = map(int, re.search(r"cpu_ticks (\d+) (\d+)", t).groups())
print(rps, float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit], ticks / hz * 1e6 / n)
PY
}

printf '%-6s %-14s %12s %10s %16s\n' round side req/s p99_us server_cpu_us/req
for i in $(seq "$rounds"); do
  for mode in "${modes[@]}"; do
    read -r rps p99 cpu < <(run "$mode")
    printf '%-6s %-14s %12.0f %10.0f %16.1f\n' "$i" "$mode" "$rps" "$p99" "$cpu"
    echo "$mode $rps $p99 $cpu" >>"$dir/all"
  done
done
python3 - "$dir/all" "${modes[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda m, i: statistics.median(float(r[i]) for r in rows if r[0] == m)
rr, rp, rc = med("raw", 1), med("raw", 2), med("raw", 3)
for m in sys.argv[2:]:
    r, p, c = med(m, 1), med(m, 2), med(m, 3)
    line = f"median {m:14s} {r:10.0f} req/s  p99 {p:8.0f} us  server CPU {c:6.1f} us/req"
    if m != "raw":
        line += f"  {m}/raw throughput {r/rr:6.1%}  p99 {p/rp:5.2f}x  CPU +{c-rc:5.1f} us"
    print(line)
if "harp" in sys.argv[2:]:
    hr, hp, hc = med("harp", 1), med("harp", 2), med("harp", 3)
    print(f"harp/raw throughput {hr/rr:6.1%}   (target >= 85%)")
    print(f"harp/raw p99        {hp/rp:6.2f}x  (target <= 1.20x)")
    print(f"raw/harp CPU per request {rc/hc:6.1%}   (the throughput ratio when the core is not shared)")
PY
