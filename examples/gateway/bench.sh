#!/usr/bin/env bash
# bench.sh: the gateway against direct calls, HAProxy, nginx and Go's httputil.ReverseProxy,
# side by side in one run. Two harp backends (bench/wrk -mode harp, add(2,3) as a typed
# rpc.Func) pinned to core 0; each proxy pinned to core 1 with one thread/worker; wrk -t1 -c16
# pinned to core 1 loads one target at a time, ROUNDS rounds of DURATION each, targets
# interleaved. Each proxy's own CPU per request comes from /proc/PID/stat over its runs.
# Needs wrk, haproxy and nginx (apt-get install -y wrk haproxy nginx); those missing are left out.
# FHPROXY=path adds a fasthttp proxy (see the gateway package doc). Direct calls go to both
# backends at once (two wrk -c8, their req/s summed, the p99 of the first).
# Usage: examples/gateway/bench.sh [DURATION] [ROUNDS]   (5s 4)
set -euo pipefail
cd "$(dirname "$0")/../.."
dur=${1:-5s}
rounds=${2:-4}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -n "${KEEP:-}" ]] || rm -rf "$dir"' EXIT
(cd bench && go build -o "$dir/backend" ./wrk)
go build -o "$dir/harp" ./cmd/harp
go build -o "$dir/revproxy" ./examples/gateway/revproxy
base=$((10000 + RANDOM % 20000))
b1=$base b2=$((base + 1))
declare -A port=([direct]=$b1 [gateway]=$((base + 2)) [haproxy]=$((base + 3)) [nginx]=$((base + 4)) [revproxy]=$((base + 5)) [fasthttp]=$((base + 6)))
waitport() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.1; done; echo "port $1 not up" >&2; exit 1; }
for p in $b1 $b2; do taskset -c 0 "$dir/backend" -mode harp -addr 127.0.0.1:$p >/dev/null & pids+=($!); waitport $p; done
declare -A pid
targets=(direct)

cat >"$dir/gw.yaml" <<YAML
listeners: [{address: "127.0.0.1:${port[gateway]}"}]
pools:
  add:
    backends: [{url: "http://127.0.0.1:$b1/RPC2"}, {url: "http://127.0.0.1:$b2/RPC2"}]
    idempotent: [add]
routes:
  - {methods: [add], pool: add}
YAML
GOMAXPROCS=1 taskset -c 1 "$dir/harp" gateway --config "$dir/gw.yaml" --watch 0 2>"$dir/gw.log" & pids+=($!); pid[gateway]=$!
waitport ${port[gateway]}; targets+=(gateway)

if command -v haproxy >/dev/null; then
  cat >"$dir/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:${port[haproxy]}
  default_backend be
backend be
  balance roundrobin
  server b1 127.0.0.1:$b1
  server b2 127.0.0.1:$b2
CFG
  taskset -c 1 haproxy -f "$dir/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!); pid[haproxy]=$!
  waitport ${port[haproxy]}; targets+=(haproxy)
fi
if command -v nginx >/dev/null; then
  mkdir -p "$dir/nginx"
  cat >"$dir/nginx.conf" <<CFG
worker_processes 1;
daemon off;
master_process off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx;
  upstream be { server 127.0.0.1:$b1; server 127.0.0.1:$b2; keepalive 64; }
  server {
    listen 127.0.0.1:${port[nginx]};
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CFG
  taskset -c 1 nginx -c "$dir/nginx.conf" -p "$dir/nginx" >/dev/null 2>&1 & pids+=($!); pid[nginx]=$!
  waitport ${port[nginx]}; targets+=(nginx)
fi
GOMAXPROCS=1 taskset -c 1 "$dir/revproxy" -addr 127.0.0.1:${port[revproxy]} http://127.0.0.1:$b1 http://127.0.0.1:$b2 2>/dev/null & pids+=($!); pid[revproxy]=$!
waitport ${port[revproxy]}; targets+=(revproxy)
# FHPROXY: a fasthttp round-robin proxy binary (-addr ADDR HOST:PORT...), built outside the module.
if [[ -x "${FHPROXY:-}" ]]; then
  GOMAXPROCS=1 taskset -c 1 "$FHPROXY" -addr 127.0.0.1:${port[fasthttp]} 127.0.0.1:$b1 127.0.0.1:$b2 2>/dev/null & pids+=($!); pid[fasthttp]=$!
  waitport ${port[fasthttp]}; targets+=(fasthttp)
fi

body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/wrk/add.lua)
for t in "${targets[@]}"; do
  curl -sf -H "Content-Type: text/xml" --data-binary "$body" "http://127.0.0.1:${port[$t]}/RPC2" | grep -qF '<int>5</int>' ||
    { echo "$t does not answer add(2,3) with 5" >&2; exit 1; }
done
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
for t in "${targets[@]}"; do taskset -c 1 wrk -t1 -c16 -d1s -s bench/wrk/add.lua "http://127.0.0.1:${port[$t]}/RPC2" >/dev/null; done # warm-up
for r in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    c0=0; [[ -n "${pid[$t]:-}" ]] && c0=$(cpu "${pid[$t]}")
    if [[ $t == direct ]]; then # both backends, 8 connections each, as the proxies spread 16
      taskset -c 1 wrk -t1 -c8 -d"$dur" --latency -s bench/wrk/add.lua "http://127.0.0.1:$b2/RPC2" >"$dir/direct2.$r.out" &
      w=$!
      taskset -c 1 wrk -t1 -c8 -d"$dur" --latency -s bench/wrk/add.lua "http://127.0.0.1:$b1/RPC2" >"$dir/$t.$r.out"
      wait "$w"
    else
      taskset -c 1 wrk -t1 -c16 -d"$dur" --latency -s bench/wrk/add.lua "http://127.0.0.1:${port[$t]}/RPC2" >"$dir/$t.$r.out"
    fi
    c1=0; [[ -n "${pid[$t]:-}" ]] && c1=$(cpu "${pid[$t]}")
    echo "cpu_ticks $((c1 - c0)) $(getconf CLK_TCK)" >>"$dir/$t.$r.out"
  done
done
python3 - "$dir" "$rounds" "${targets[@]}" <<'PY'
import re, statistics, sys
d, rounds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
res = {}
for t in targets:
    rps, p99, cpu = [], [], []
    for r in range(1, rounds + 1):
        s = open(f"{d}/{t}.{r}.out").read()
        if "Non-2xx" in s:
            sys.exit(f"non-2xx answers from {t}")
        n = int(re.search(r"(\d+) requests in", s).group(1))
        r1 = float(re.search(r"Requests/sec:\s+([\d.]+)", s).group(1))
        if t == "direct":  # the second backend's share
            s2 = open(f"{d}/direct2.{r}.out").read()
            r1 += float(re.search(r"Requests/sec:\s+([\d.]+)", s2).group(1))
        rps.append(r1)
        v, u = re.search(r"99%\s+([\d.]+)(us|ms|s)", s).groups()
        p99.append(float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[u])
        ticks, hz = map(int, re.search(r"cpu_ticks (\d+) (\d+)", s).groups())
        cpu.append(ticks / hz * 1e6 / n)
    res[t] = (statistics.median(rps), statistics.median(p99), statistics.median(cpu))
direct = res["direct"][0]
print(f"{'target':10} {'req/s':>9} {'vs direct':>9} {'p99 us':>8} {'proxy CPU us/req':>17}")
for t in targets:
    r, p, c = res[t]
    cs = "" if t == "direct" else f"{c:17.1f}"
    print(f"{t:10} {r:9.0f} {r / direct:9.2f} {p:8.0f} {cs}")
PY
