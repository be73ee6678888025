#!/usr/bin/env bash
# json.sh: XML-RPC against JSON-RPC on the harp server, side by side in one run, as together.sh
# compares harp with raw: two harp servers (modes harp and harpjson), both pinned to core 0, loaded
# at the same time by `wrk -t1 -c16` pinned to core 1, one with XML-RPC add(2,3) (add.lua), the
# other with JSON-RPC add(2,3) (json.lua). The scheduler shares the core evenly, so the throughput
# ratio is the ratio of their CPU cost per request. Usage: bench/wrk/json.sh [DURATION] (10s)
set -euo pipefail
cd "$(dirname "$0")"
dur=${1:-10s}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
go build -o "$dir/srv" .
base=$((10000 + RANDOM % 20000)) # below the ephemeral ports wrk connects from
sides=(xml json)
declare -A mode=([xml]=harp [json]=harpjson) script=([xml]=add.lua [json]=json.lua) port=([xml]=$base [json]=$((base + 1)))
declare -A ctype=([xml]=text/xml [json]=application/json) want=([xml]='<int>5</int>' [json]='"result":5')
for s in "${sides[@]}"; do
  taskset -c 0 "$dir/srv" -mode "${mode[$s]}" -addr "127.0.0.1:${port[$s]}" >/dev/null &
  pids+=($!)
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/${port[$s]}) 2>/dev/null && break; sleep 0.1; done
  body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "${script[$s]}")
  curl -sf -H "Content-Type: ${ctype[$s]}" --data-binary "$body" "http://127.0.0.1:${port[$s]}/RPC2" | grep -qF "${want[$s]}" ||
    { echo "$s side does not answer add(2,3) with 5" >&2; exit 1; }
done
load() { # duration extra-args... : both sides at once, outputs in $dir/SIDE.out
  local d=$1; shift
  taskset -c 1 wrk -t1 -c16 -d"$d" "$@" -s add.lua "http://127.0.0.1:${port[xml]}/RPC2" >"$dir/xml.out" &
  local w=$!
  taskset -c 1 wrk -t1 -c16 -d"$d" "$@" -s json.lua "http://127.0.0.1:${port[json]}/RPC2" >"$dir/json.out"
  wait "$w"
}
load 2s # warm-up
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
x0=$(cpu "${pids[0]}"); j0=$(cpu "${pids[1]}")
load "$dur" --latency
echo "cpu_ticks $(($(cpu "${pids[0]}") - x0)) $(getconf CLK_TCK)" >>"$dir/xml.out"
echo "cpu_ticks $(($(cpu "${pids[1]}") - j0)) $(getconf CLK_TCK)" >>"$dir/json.out"
python3 - "$dir/xml.out" "$dir/json.out" <<'PY'
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
(xr, xp, xc), (jr, jp, jc) = parse(sys.argv[1]), parse(sys.argv[2])
print(f"xml  {xr:10.0f} req/s  p99 {xp:8.0f} us  server CPU {xc:6.1f} us/req")
print(f"json {jr:10.0f} req/s  p99 {jp:8.0f} us  server CPU {jc:6.1f} us/req")
print(f"json/xml throughput {jr/xr:6.1%}   (target >= 100%)")
print(f"json/xml p99        {jp/xp:6.2f}x")
print(f"xml/json CPU per request {xc/jc:6.1%}")
PY
