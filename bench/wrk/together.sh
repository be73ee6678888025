#!/usr/bin/env bash
# together.sh: the same comparison as run.sh, but with both servers loaded at the same time, both
# pinned to core 0 and both wrk processes to core 1. The scheduler shares each core evenly between
# the two sides, so the throughput ratio is the ratio of their CPU cost per request, and load from
# anything else on the machine hits both sides alike. Usage: bench/wrk/together.sh [DURATION] (10s)
set -euo pipefail
cd "$(dirname "$0")"
dur=${1:-10s}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
go build -o "$dir/srv" .
base=$((10000 + RANDOM % 20000)) # below the ephemeral ports wrk connects from
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" add.lua)
for mode in raw harp; do
  port=$base; [ "$mode" = harp ] && port=$((base + 1))
  taskset -c 0 "$dir/srv" -mode "$mode" -addr "127.0.0.1:$port" >/dev/null &
  pids+=($!)
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  curl -sf -H 'Content-Type: text/xml' --data-binary "$body" "http://127.0.0.1:$port/RPC2" | grep -q '<int>5</int>' ||
    { echo "$mode server does not answer add(2,3) with 5" >&2; exit 1; }
done
taskset -c 1 wrk -t1 -c16 -d2s -s add.lua "http://127.0.0.1:$base/RPC2" >/dev/null &
taskset -c 1 wrk -t1 -c16 -d2s -s add.lua "http://127.0.0.1:$((base + 1))/RPC2" >/dev/null
wait %3 2>/dev/null || true
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
r0=$(cpu "${pids[0]}"); h0=$(cpu "${pids[1]}")
taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s add.lua "http://127.0.0.1:$base/RPC2" >"$dir/raw.out" &
w1=$!
taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s add.lua "http://127.0.0.1:$((base + 1))/RPC2" >"$dir/harp.out"
wait "$w1"
echo "cpu_ticks $(($(cpu "${pids[0]}") - r0)) $(getconf CLK_TCK)" >>"$dir/raw.out"
echo "cpu_ticks $(($(cpu "${pids[1]}") - h0)) $(getconf CLK_TCK)" >>"$dir/harp.out"
python3 - "$dir/raw.out" "$dir/harp.out" <<'PY'
import re, sys
def parse(path):
    t = open(path).read()
    if "Non-2xx" in t:
        sys.exit("non-2xx answers in " + path)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    n = int(re.search(r"(\d+) requests in", t).group(1))
    v, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", t).groups()
    ticks, hz = map(int, re.search(r"cpu_ticks (\d+) (\d+)", t).groups())
    return rps, float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit], ticks / hz * 1e6 / n
(rr, rp, rc), (hr, hp, hc) = parse(sys.argv[1]), parse(sys.argv[2])
print(f"raw  {rr:10.0f} req/s  p99 {rp:8.0f} us  server CPU {rc:6.1f} us/req")
print(f"harp {hr:10.0f} req/s  p99 {hp:8.0f} us  server CPU {hc:6.1f} us/req")
print(f"harp/raw throughput {hr/rr:6.1%}   (target >= 85%)")
print(f"harp/raw p99        {hp/rp:6.2f}x  (target <= 1.20x)")
print(f"raw/harp CPU per request {rc/hc:6.1%}")
PY
