#!/bin/sh
# Instruction profile of one authenticated request path (callgrind counts instructions, so the result does not
# depend on what else the machine is doing). Release build, 1 worker, Bearer auth, an nginx upstream
# returning 3 bytes, wrk -c16 for $1 seconds (default 20) under valgrind, access log off as in bench/compare.sh
# (ACCESS_LOG=true to include it). Prints instructions per request and the top functions (self and inclusive).
# Usage: [ACCESS_LOG=true] [KEEP=file] sh bench/profile.sh [seconds]. Binds 127.0.0.1:19590-19591.
set -e
cd "$(dirname "$0")/.."
WITH_BENCH=1 sh scripts/deps.sh
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
S=${1:-20}
swift build -c release --product tollgate >/dev/null
W=$(mktemp -d)
trap 'kill $(cat $W/*.pid 2>/dev/null) 2>/dev/null; nginx -c $W/nginx.conf -p $W -s stop 2>/dev/null; rm -rf $W' EXIT
# valgrind 3.19 cannot read the DWARF 5 that Swift 6.3 emits: profile a copy without debug info (symbols stay).
cp .build/release/tollgate $W/tollgate && strip --strip-debug $W/tollgate
cat > $W/nginx.conf <<NGX
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:19591; location / { return 200 "ok\n"; } } }
NGX
nginx -c $W/nginx.conf -p $W
TOKEN=tg_profile_token_0123456789
cat > $W/accounts.yaml <<ACC
accounts:
  - name: bench
    roles: [reader]
    tokens:
      - id: b1
        hash: "$(printf %s $TOKEN | $W/tollgate hash)"
        expires: never
ACC
cat > $W/tollgate.yaml <<CFG
listen: "127.0.0.1:19590"
upstream: "http://127.0.0.1:19591"
workers: 1
accounts_file: accounts.yaml
log: { access: ${ACCESS_LOG:-false} }
routes:
  - path: /api
    roles: [reader]
CFG
valgrind --tool=callgrind --callgrind-out-file=$W/cg.out $W/tollgate serve --config $W/tollgate.yaml \
    >$W/access.log 2>$W/err.log &
echo $! > $W/tg.pid
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:19590/ 2>/dev/null && break; sleep 0.2; done
wrk -t1 -c16 -d${S}s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:19590/api/x > $W/wrk.out
grep -E 'requests in|Non-2xx' $W/wrk.out
kill -TERM $(cat $W/tg.pid); rm $W/tg.pid
while kill -0 $(pgrep -f "callgrind-out-file=$W" | head -1) 2>/dev/null; do sleep 0.5; done
# wrk counts the requests it saw answered; the 1-2 readiness probes are left out (noise at this count).
REQ=$(awk '/requests in/ {print $1}' $W/wrk.out)
if [ -n "$KEEP" ]; then cp $W/cg.out "$KEEP"; fi
TOTAL=$(callgrind_annotate $W/cg.out 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
LOOP=$(callgrind_annotate --inclusive=yes $W/cg.out 2>/dev/null | awk '/TollgateEventLoop0bC0C3runyyF/ {gsub(",","",$1); print $1; exit}')
echo "requests: $REQ   instructions: $TOTAL   per request: $((TOTAL / REQ))"
# Without start-up and shutdown (config load, dynamic linking), which the total spreads over the requests.
echo "in the worker's loop per request: $((LOOP / REQ))"
echo "--- self"
callgrind_annotate --inclusive=no $W/cg.out 2>/dev/null | sed -n '/file:function/,$p' | sed -n 3,30p | cut -c1-160
echo "--- inclusive (tollgate's own functions)"
callgrind_annotate --inclusive=yes $W/cg.out 2>/dev/null | grep -E 'Tollgate|http_parser' | sed -n 1,60p | cut -c1-160
