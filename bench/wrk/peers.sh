#!/usr/bin/env bash
# peers.sh: the server load benchmark of BENCHMARKS.md against the existing XML-RPC servers, side by
# side in one run. Each server answers add(2,3) pinned to core 0 while `wrk -t1 -c16` pinned to
# core 1 loads it for DURATION, in ROUNDS rounds that alternate the servers:
#   raw      a raw net/http handler returning a fixed 150-byte body (the ceiling)
#   rawread  the same handler reading the request body first, as every real server must: the
#            share of the gap to the ceiling that is net/http's cost of reading a body
#   harp     the harp server (bench/wrk/main.go), add registered as a typed rpc.Func2
#   harpreflect  the same with add registered as a plain function, bound by reflection
#   xmlrpc-c xmlrpc-c's Abyss server in C (client/testdata/cserver.c; needs libxmlrpc-core-c3-dev)
#   cpython  CPython's SimpleXMLRPCServer (what most XML-RPC services run on), as it comes:
#            single-threaded, HTTP/1.0
# It prints req/s, p99 and server CPU per request per run, then the medians and harp's ratios.
# Usage: bench/wrk/peers.sh [ROUNDS] [DURATION]   (defaults 3 and 5s)
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-3}
dur=${2:-5s}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
go build -o "$dir/srv" .
# shellcheck disable=SC2046
cc -O2 -o "$dir/cserver" ../../client/testdata/cserver.c $(xmlrpc-c-config abyss-server --cflags --libs)
cat >"$dir/pyserver.py" <<'PY'
import sys
from xmlrpc.server import SimpleXMLRPCServer, SimpleXMLRPCRequestHandler
class Handler(SimpleXMLRPCRequestHandler):
    # HTTP/1.0, the module's default: one connection per call. With HTTP/1.1 keep-alive this
    # single-threaded server would serve one of wrk's connections until it closed and starve the
    # others, which makes its figures meaningless.
    rpc_paths = ("/RPC2",)
    def log_message(self, *a): pass
s = SimpleXMLRPCServer(("127.0.0.1", int(sys.argv[1])), requestHandler=Handler, logRequests=False)
s.register_function(lambda a, b: a + b, "add")
s.serve_forever()
PY
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" add.lua)

start() { # side port
  case $1 in
  raw | rawread | harp | harpreflect) taskset -c 0 "$dir/srv" -mode "$1" -addr "127.0.0.1:$2" >/dev/null & pid=$! ;;
  cpython) taskset -c 0 python3 "$dir/pyserver.py" "$2" 2>/dev/null & pid=$! ;; # quiet about clients closing
  xmlrpc-c)
    # cserver binds a free port of its own and prints it; it exits when its stdin closes.
    coproc CS { exec taskset -c 0 "$dir/cserver"; }
    pid=$CS_PID
    read -r _ cport <&"${CS[0]}"
    echo "$cport" >"$dir/cport"
    ;;
  esac
}

run() { # side -> "reqs p99_us cpu_us errors"
  local port=$((10000 + RANDOM % 20000)) # below the ephemeral ports wrk connects from
  start "$1" "$port"
  [ "$1" = xmlrpc-c ] && port=$(cat "$dir/cport")
  local ok=
  for _ in $(seq 50); do # until it listens and answers add(2,3) with 5
    if curl -sf -m 2 -H 'Content-Type: text/xml' --data-binary "$body" "http://127.0.0.1:$port/RPC2" 2>/dev/null |
      grep -q '<int>5</int>\|<i4>5</i4>'; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "$1 server does not answer add(2,3) with 5" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c16 -d2s -s add.lua "http://127.0.0.1:$port/RPC2" >/dev/null # warm-up
  cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s add.lua "http://127.0.0.1:$port/RPC2" >"$dir/$1.out"
  cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  echo "cpu_ticks $((cpu1 - cpu0)) $(getconf CLK_TCK)" >>"$dir/$1.out"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=
  python3 - "$dir/$1.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
n = max(int(re.search(r"(\d+) requests in", t).group(1)), 1)
v, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", t).groups()
ticks, hz = map(int, re.search(r"cpu_ticks (\d+) (\d+)", t).groups())
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errs = sum(map(int, m.groups())) if m else 0
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
errs += int(m.group(1)) if m else 0
print(rps, float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit], ticks / hz * 1e6 / n, errs)
PY
}

sides=(raw rawread harp harpreflect xmlrpc-c cpython)
printf '%-6s %-11s %10s %10s %14s %7s\n' round side req/s p99_us cpu_us/req errors
for i in $(seq "$rounds"); do
  for side in "${sides[@]}"; do
    read -r rps p99 cpu errs < <(run "$side")
    printf '%-6s %-11s %10.0f %10.0f %14.1f %7d\n' "$i" "$side" "$rps" "$p99" "$cpu" "$errs"
    echo "$side $rps $p99 $cpu" >>"$dir/all"
  done
done
python3 - "$dir/all" "${sides[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {s: [statistics.median(float(r[i]) for r in rows if r[0] == s) for i in (1, 2, 3)] for s in sys.argv[2:]}
for s, (rps, p99, cpu) in med.items():
    print(f"median {s:11s} {rps:9.0f} req/s  p99 {p99:8.0f} us  server CPU {cpu:6.1f} us/req")
h = med["harp"]
print(f"harp/raw throughput {h[0] / med['raw'][0]:6.1%}   p99 {h[1] / med['raw'][1]:5.2f}x   raw/harp CPU per request {med['raw'][2] / h[2]:6.1%}   (target >= 85%, p99 <= 1.20x)")
x = med["harpreflect"]
print(f"harpreflect/raw throughput {x[0] / med['raw'][0]:6.1%}   p99 {x[1] / med['raw'][1]:5.2f}x   raw/harpreflect CPU per request {med['raw'][2] / x[2]:6.1%}")
r = med["rawread"]
print(f"rawread/raw throughput {r[0] / med['raw'][0]:6.1%}   harp/rawread throughput {h[0] / r[0]:6.1%}")
for s in sys.argv[2:]:
    if s not in ("raw", "rawread", "harp", "harpreflect"):
        print(f"harp/{s:9s} throughput {h[0] / med[s][0]:5.1f}x   CPU per request {med[s][2] / h[2]:5.1f}x less")
PY
