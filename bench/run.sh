#!/bin/sh
# Same-run comparison: wrk against an nginx upstream directly, through tollgate (1 and 2 workers), and through
# nginx and HAProxy configured as plain reverse proxies. Prints req/s, p50/p99 and the ratio to direct.
# Usage: [BIN=path/to/tollgate] sh bench/run.sh [duration, default 10s]. Binds 127.0.0.1:19080-19090 only.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
D=${1:-10s}
W=$(mktemp -d)
trap 'kill $(cat $W/*.pid 2>/dev/null) 2>/dev/null; nginx -c $W/nginx.conf -p $W -s stop 2>/dev/null; rm -rf $W' EXIT
cat > $W/nginx.conf <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  upstream up { server 127.0.0.1:19081; keepalive 64; }
  server { listen 127.0.0.1:19081; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:19084; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGX
nginx -c $W/nginx.conf -p $W
cat > $W/haproxy.cfg <<HAP
global
  maxconn 4096
  nbthread 1
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend f
  bind 127.0.0.1:19085
  default_backend b
backend b
  server s 127.0.0.1:19081
HAP
haproxy -f $W/haproxy.cfg -D -p $W/haproxy.pid
for n in 1 2; do
  cat > $W/t$n.yaml <<TG
listen: "127.0.0.1:1908$((n+1))"
upstream: "http://127.0.0.1:19081"
workers: $n
log: { access: false }
routes:
  - path: /
    public: true
TG
  setsid $BIN serve --config $W/t$n.yaml 2>$W/t$n.err & echo $! > $W/t$n.pid  # own autogroup (compare.sh)
done
sleep 1
bench() {
  out=$(wrk -t1 -c64 -d$D --latency "http://127.0.0.1:$2/" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Socket errors|Non-2xx/ {print}' | tr '\n' ' ')
  echo "$1|$rps|$p50|$p99|$errs"
}
{
  bench direct-nginx 19081
  bench tollgate-1w 19082
  bench tollgate-2w 19083
  bench nginx-proxy 19084
  bench haproxy-1t 19085
} > $W/results
direct=$(head -1 $W/results | cut -d'|' -f2)
printf '%-14s %10s %8s %8s %7s  %s\n' target req/s p50 p99 ratio errors
while IFS='|' read name rps p50 p99 errs; do
  ratio=$(awk -v a="$rps" -v b="$direct" 'BEGIN{printf "%.2f", a/b}')
  printf '%-14s %10s %8s %8s %7s  %s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$errs"
done < $W/results
