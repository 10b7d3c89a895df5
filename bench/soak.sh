#!/bin/bash
# Soak: 5,000,000 mixed requests through the release build (issue 7), RSS sampled every second, fds counted.
#   mix per 10 requests: 5 allowed GETs (200), 1 bad token (401), 1 forbidden route (403), 1 GET of a 256 KiB
#   response (200), 1 POST of a 256 KiB body (200), 1 Basic-auth GET (200); keep-alive, wrk -t2 -c64.
# Phases: warm-up of 100,000 requests, then the remaining 4,900,000. Pass criteria (exit 1 otherwise):
#   - RSS after the run within 10% of RSS after the first 100,000 requests;
#   - no fd leak: with the upstream stopped (pooled upstream links closed) the proxy holds exactly the fds it
#     held at start, before any request;
#   - every response has the status its request expects (no 5xx, no 429, no socket errors).
# Usage: [BIN=path/to/tollgate] [TOTAL=5000000] [WARM=100000] [CONNS=64] bash bench/soak.sh
# Output: printed and written to bench/results/YYYY-MM-DD-HHMM-soak.md (+ the per-second RSS series as .csv).
# Binds 127.0.0.1:19601-19602 only. Takes about 3-4 minutes on 2 cores (plus a release build when BIN is unset).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
TOTAL=${TOTAL:-5000000}
WARM=${WARM:-100000}
CONNS=${CONNS:-64}
. bench/lib.sh
bench_setup
UP=19601 TG=19602

mkdir -p bench/results
STAMP=$(date +%Y-%m-%d-%H%M)
OUT=bench/results/$STAMP-soak.md
CSV=bench/results/$STAMP-soak.csv
: > "$OUT"
out() { printf '%s\n' "$*" | tee -a "$OUT"; }

W=$(mktemp -d)
chmod 755 "$W"
mkdir -p "$W/tmp" "$W/www/api/big"
SAMPLER=""
cleanup() {
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
    [ -f "$W/tollgate.pid" ] && kill "$(cat "$W/tollgate.pid")" 2>/dev/null || true
    [ -f "$W/upstream.pid" ] && kill "$(cat "$W/upstream.pid")" 2>/dev/null || true
    sleep 0.5
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T=$(openssl rand -hex 24)
BAD=$(openssl rand -hex 24)
head -c 262144 /dev/urandom > "$W/www/api/big/256k"
head -c 262144 /dev/urandom > "$W/body"
cat > "$W/accounts.yaml" <<ACC
groups:
  readers: { roles: [reader] }
accounts:
  - name: soak
    groups: [readers]
    tokens:
      - id: soak-1
        hash: "$(printf %s "$T" | "$BIN" hash)"
        expires: never
ACC
cat > "$W/upstream.conf" <<NGX
worker_processes 1;
pid $W/upstream.pid;
error_log $W/upstream.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/tmp/up-body;
  keepalive_timeout 3600s;
  server {
    listen 127.0.0.1:$UP;
    location / { return 200 "ok\n"; }
    location /api/big/ { root $W/www; }
    location /api/post { client_max_body_size 1m; return 200 "ok\n"; }
  }
}
NGX
nginx -c "$W/upstream.conf" -p "$W" -q
# nginx's default keepalive_requests (1000) is kept on purpose: it closes pooled upstream links every 1,000
# requests, so the run also churns upstream connections.
cat > "$W/tollgate.yaml" <<TGC
listen: "127.0.0.1:$TG"
upstream: "http://127.0.0.1:$UP"
workers: auto
accounts_file: accounts.yaml
log: { access: true, level: info }
limits: { max_body_bytes: 1048576, drain_timeout: 1s }
# 10% bad tokens from one address would trip the brake (429s); raised out of the way, still counted per request.
failed_auth: { limit: 1000000000, window: 60s }
routes:
  - path: /admin
    roles: [admin]
  - path: /api
    roles: [reader]
TGC
# Access log on, to /dev/null: its writer thread and buffers are part of what must not grow.
setsid "$BIN" serve --config "$W/tollgate.yaml" > /dev/null 2> "$W/tollgate.err" &  # own autogroup (compare.sh)
echo $! > "$W/tollgate.pid"
PID=$(cat "$W/tollgate.pid")
# The fd baseline is taken before any request: no client or upstream connection is open yet.
for _ in $(seq 100); do grep -q '"msg":"listening on ' "$W/tollgate.err" && break; sleep 0.1; done
sleep 1
fds() { ls "/proc/$PID/fd" | wc -l; }
sockets() { find "/proc/$PID/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }

BASIC=$(printf 'soak:%s' "$T" | base64 -w0)
cat > "$W/mix.lua" <<LUA
-- One request kind per slot in a cycle of 10; counts statuses by code.
local kinds = {
  {"GET", "/api/x", "Bearer $T", nil, 200}, {"GET", "/api/y", "Bearer $T", nil, 200},
  {"GET", "/api/x", "Bearer $BAD", nil, 401}, {"GET", "/api/z", "Bearer $T", nil, 200},
  {"GET", "/admin/x", "Bearer $T", nil, 403}, {"GET", "/api/big/256k", "Bearer $T", nil, 200},
  {"GET", "/api/x", "Basic $BASIC", nil, 200}, {"POST", "/api/post", "Bearer $T", "body", 200},
  {"GET", "/api/w", "Bearer $T", nil, 200}, {"GET", "/api/v", "Bearer $T", nil, 200},
}
local f = io.open("$W/body", "rb"); local body = f:read("*all"); f:close()
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  sent = 0; got = 0; s200 = 0; s401 = 0; s403 = 0; other = 0
  reqs = {}
  for i, k in ipairs(kinds) do
    reqs[i] = wrk.format(k[1], k[2], {["Host"] = "soak", ["Authorization"] = k[3]}, k[4] and body or nil)
  end
end
function request()
  sent = sent + 1
  return reqs[(sent - 1) % 10 + 1]
end
-- Responses on a thread's connections do not come back in the order requests were made, so statuses are
-- counted by code and compared with the mix (8 x 200, 1 x 401, 1 x 403 per 10) at the end.
function response(status, headers, body)
  got = got + 1
  if status == 200 then s200 = s200 + 1 elseif status == 401 then s401 = s401 + 1
  elseif status == 403 then s403 = s403 + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local g, a, b, c, o = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("got"); a = a + t:get("s200"); b = b + t:get("s401"); c = c + t:get("s403"); o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("SOAK got=%d s200=%d s401=%d s403=%d other=%d errors=%d\n", g, a, b, c, o,
    e.connect + e.read + e.write + e.timeout))
end
LUA

# RSS every second, with the time since start, into the CSV.
echo "second,rss_kib,fds" > "$CSV"
( s=0; while kill -0 "$PID" 2>/dev/null; do echo "$s,$(rss),$(fds)" >> "$CSV"; s=$((s + 1)); sleep 1; done ) &
SAMPLER=$!

FD0=$(fds)
SOCK0=$(sockets)
RSS0=$(rss)
# wrk runs for a time, not a count: segments are run until the counts are reached (each segment reconnects its
# 64 connections, which churns client connections too).
GOT_SO_FAR=0
SEGMENTS=""
run_until() {   # run_until N SECONDS: wrk segments of SECONDS until N requests in all have completed
    while [ "$GOT_SO_FAR" -lt "$1" ]; do
        wrk -t2 -c"$CONNS" -d"$2" --timeout 10s -s "$W/mix.lua" "http://127.0.0.1:$TG" > "$W/wrk.out" 2>&1
        local line
        line=$(grep '^SOAK' "$W/wrk.out" | sed 's/SOAK //')
        [ -n "$line" ] || { cat "$W/wrk.out" >&2; exit 1; }
        SEGMENTS="$SEGMENTS $line;"
        GOT_SO_FAR=$(( GOT_SO_FAR + $(num "$line" got) ))
        echo "  $GOT_SO_FAR requests, RSS $(rss) KiB" >&2
    done
}
num() { printf '%s\n' "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
sum() { printf '%s' "$SEGMENTS" | tr ';' '\n' | sed -n "s/.*$1=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
T0=$(date +%s.%N)
C0=$(cpu)
run_until "$WARM" 1s
WARMGOT=$GOT_SO_FAR
RSSW=$(rss)
run_until "$TOTAL" 20s
T1=$(date +%s.%N)
C1=$(cpu)
RSS1=$(rss)
RSSMAX=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m }' "$CSV")
sleep 2
FD1=$(fds)
# Stop the upstream: tollgate sees its pooled links close and must be back at the fds it started with.
kill "$(cat "$W/upstream.pid")"; rm -f "$W/upstream.pid"
sleep 2
FD2=$(fds)
SOCK2=$(sockets)

GOT=$(sum got)
S200=$(sum s200)
S401=$(sum s401)
S403=$(sum s403)
OTHER=$(sum other)
ERRS=$(sum errors)
SECS=$(echo "$T1 - $T0" | bc)
TCK=$(getconf CLK_TCK)
CPUUS=$(echo "scale=2; ($C1 - $C0) * 1000000 / $TCK / $GOT" | bc)
LIMIT=$(( RSSW * 110 / 100 ))

out "# Soak: $GOT requests through tollgate ($(date -u +%Y-%m-%dT%H:%MZ))"
out ""
out "Machine: $(nproc) CPUs, $(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/ { print $2 }') GiB; tollgate $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?") release build; workers auto; access log on (to /dev/null); wrk -t2 -c$CONNS keep-alive."
out "Mix per 10 requests: 6 allowed GETs (one of them Basic), 1 GET of 256 KiB, 1 POST of 256 KiB, 1 bad token (401), 1 forbidden route (403). Upstream: nginx 1 worker, keepalive_requests 1000 (pooled links churn)."
out ""
out "| measure | value |"
out "|---|---|"
out "| requests completed | $GOT in ${SECS%.*} s ($(echo "$GOT / $SECS" | bc) req/s) |"
out "| statuses 200 / 401 / 403 / other; socket errors | $S200 / $S401 / $S403 / $OTHER; $ERRS |"
out "| proxy CPU per request | $CPUUS µs |"
out "| RSS at start / after $WARMGOT requests / after the run / max | $RSS0 / $RSSW / $RSS1 / $RSSMAX KiB |"
out "| RSS after the run vs after $WARMGOT | $(echo "scale=1; ($RSS1 - $RSSW) * 100 / $RSSW" | bc)% (limit +10%: $LIMIT KiB) |"
out "| fds at start / after the run / after the upstream stopped | $FD0 / $FD1 / $FD2 (sockets $SOCK0 → $SOCK2) |"
out ""
out "RSS series (KiB, every 10 s): $(awk -F, 'NR > 1 && ($1 % 10) == 0 { printf "%s ", $2 }' "$CSV")"
out ""
FAIL=0
[ "$GOT" -ge "$TOTAL" ] || { out "FAIL: only $GOT of $TOTAL requests completed"; FAIL=1; }
[ "$OTHER" -eq 0 ] && [ "$ERRS" -eq 0 ] || { out "FAIL: $OTHER unexpected statuses, $ERRS socket errors"; FAIL=1; }
# Each kind is 1 in 10 of the requests made; completions stop mid-cycle, so allow 1 point either way.
for n in "$S401" "$S403"; do
    [ $(( n * 100 )) -ge $(( GOT * 9 )) ] && [ $(( n * 100 )) -le $(( GOT * 11 )) ] \
        || { out "FAIL: $n of $GOT is not 10% (401 and 403 are one request in ten each)"; FAIL=1; }
done
[ "$RSS1" -le "$LIMIT" ] || { out "FAIL: RSS grew more than 10% after the warm-up"; FAIL=1; }
[ "$FD2" -eq "$FD0" ] || { out "FAIL: fd leak: $FD0 at start, $FD2 after the run with the upstream stopped"; FAIL=1; }
[ "$FAIL" -eq 0 ] && out "PASS: RSS within 10% of the post-warm-up figure, no fd leak, every status as expected."
echo "written: $OUT, $CSV" >&2
exit $FAIL
