#!/bin/bash
# Same-run comparison of authenticating proxies in front of one nginx upstream (1 worker, `return 200`):
#   direct (no proxy), tollgate (Basic and Bearer), nginx (auth_basic, {SHA} user file, upstream keep-alive),
#   HAProxy (userlist, http-request auth, per-path ACL, http-reuse always).
# Keep-alive GETs (or POSTs) with wrk, interleaved per round (direct tollgate-basic tollgate-bearer nginx haproxy,
# repeated ROUNDS times), medians across rounds. Cases: c64 (64 connections, 3-byte response), c256 (256
# connections), 64k (64 KiB response), post1m (1 MiB POST bodies), invalid10 (every 10th request has a wrong
# credential: ~10% 401s expected), tokens100k (100,000 tokens / users in every proxy's credential store).
# Modes: pinned (the proxy under test alone on CPU 0 with 1 worker/thread; wrk and the upstream on CPU 1) and
# unpinned (no taskset, tollgate workers: auto, nginx worker_processes auto, HAProxy default threads).
# Key figure: proxy CPU µs per request = (utime+stime of the proxy's processes from /proc/PID/stat over the run)
# / requests completed.
#
# Usage: [BIN=path/to/tollgate] [DURATION=5s] [ROUNDS=3] [CASES="c64 c256 64k post1m invalid10 tokens100k"]
#        [UNPINNED="c64 c256" | UNPINNED=all | UNPINNED=none] [WARMUP=1s] bash bench/compare.sh [duration]
# BIN unset: builds .build/release/tollgate with `swift build -c release --product tollgate`.
# Output: printed and written to bench/results/YYYY-MM-DD-HHMM.md (with the machine's description).
# Binds 127.0.0.1:19501-19504 only. Needs 2+ CPUs for the pinned mode.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
CMDLINE="$0 $*"
T_START=$(date +%s)
. bench/lib.sh
bench_setup
D=${1:-${DURATION:-5s}}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1s}
CASES=${CASES:-"c64 c256 64k post1m invalid10 tokens100k"}
UNPINNED=${UNPINNED:-"c64 c256"}
[ "$UNPINNED" = all ] && UNPINNED=$CASES
[ "$UNPINNED" = none ] && UNPINNED=""
[ "$(nproc)" -ge 2 ] || { echo "needs at least 2 CPUs" >&2; exit 1; }
TCK=$(getconf CLK_TCK)
UP=19501 TG=19502 NG=19503 HA=19504
TARGETS="direct tollgate-basic tollgate-bearer nginx haproxy"

mkdir -p bench/results
OUT=bench/results/$(date +%Y-%m-%d-%H%M).md
[ -e "$OUT" ] && OUT=bench/results/$(date +%Y-%m-%d-%H%M%S).md
: > "$OUT"
out() { printf '%s\n' "$*" | tee -a "$OUT"; }
log() { printf '%s\n' "$*" >&2; }

W=$(mktemp -d)
chmod 755 "$W"          # nginx workers run as nobody and read the user file and the 64 KiB file per request
mkdir -p "$W/tmp" "$W/www/api/big" "$W/raw"
stop_pid() {            # TERM, then KILL after 5 s; works for non-children (daemonised nginx / HAProxy)
    [ -n "${1:-}" ] || return 0
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    kill -9 "$1" 2>/dev/null || true
}
stop_all() {
    for f in tollgate nginx-proxy haproxy upstream; do
        [ -f "$W/$f.pid" ] && stop_pid "$(cat "$W/$f.pid")"
        rm -f "$W/$f.pid"
    done
}
cleanup() { stop_all; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------- credentials
T=$(openssl rand -hex 24)
BAD=$(openssl rand -hex 24)
BASIC="Basic $(printf 'bench:%s' "$T" | base64 -w0)"
BASIC_BAD="Basic $(printf 'bench:%s' "$BAD" | base64 -w0)"
BEARER="Bearer $T"
BEARER_BAD="Bearer $BAD"
TG_HASH=$(printf %s "$T" | "$BIN" hash)
SHA="{SHA}$(printf %s "$T" | openssl dgst -sha1 -binary | base64 -w0)"
cat > "$W/accounts-small.yaml" <<ACC
groups:
  readers: { roles: [reader] }
accounts:
  - name: bench
    groups: [readers]
    tokens:
      - id: b1
        hash: "$TG_HASH"
        expires: never
ACC
printf 'bench:%s\n' "$SHA" > "$W/htpasswd-small"
printf '  user bench insecure-password %s groups readers\n' "$T" > "$W/userlist-small"
case " $CASES " in *" tokens100k "*)
    log "generating 100,000-token files"
    # tollgate: 10,000 accounts x 10 tokens, the benchmarked account `bench` (token b5) in the middle of the file.
    # nginx / HAProxy: 100,000 users, `bench` the 50,000th (their lookups are linear scans: the middle is the
    # average case; tollgate's is a hash-table lookup, where the position does not matter).
    python3 bench/gen-100k.py "$W" "$TG_HASH" "$SHA" "$T"
    [ "$(grep -c 'hash:' "$W/accounts-100k.yaml")" = 100000 ] && [ "$(wc -l < "$W/htpasswd-100k")" = 100000 ] \
        || { echo "100k files are wrong" >&2; exit 1; }
esac
chmod 644 "$W"/htpasswd-*

# ---------------------------------------------------------------------------------------------------- bodies, wrk scripts
head -c 65536 /dev/urandom > "$W/www/api/big/64k"
chmod -R go+rX "$W/www"
head -c 1048576 /dev/zero | tr '\0' x > "$W/body-1m"
cat > "$W/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
cat > "$W/mixed.lua" <<'LUA'
-- every 10th request carries a wrong credential (args: good Authorization, bad Authorization)
local good, bad, n = nil, nil, 0
function init(args) good = args[1]; bad = args[2] end
function request()
  n = n + 1
  if n % 10 == 0 then return wrk.format("GET", nil, { ["Authorization"] = bad }) end
  return wrk.format("GET", nil, { ["Authorization"] = good })
end
LUA

# ---------------------------------------------------------------------------------------------------- servers
# start_all CASE MODE: (re)starts the upstream and the three proxies, configured for the case and mode.
start_all() {
    local case=$1 mode=$2 size=small nw tw nbt
    [ "$case" = tokens100k ] && size=100k
    if [ "$mode" = pinned ]; then
        PIN0="taskset -c 0" PIN1="taskset -c 1" nw=1 tw=1 nbt="nbthread 1"
    else
        PIN0="" PIN1="" nw=auto tw=auto nbt="# nbthread: default (one per CPU)"
    fi
    stop_all
    # keepalive_requests: nginx closes a keep-alive connection after 1000 requests by default (client side and,
    # in upstream{}, pooled upstream connections): raised so that no proxy reconnects during a run.
    cat > "$W/upstream.conf" <<NGX
worker_processes 1;
pid $W/upstream.pid;
error_log $W/upstream.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/tmp/up-body;
  proxy_temp_path $W/tmp/up-proxy;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$UP;
    location / { return 200 "ok\n"; }
    location /api/big/ { root $W/www; }
    location /api/post { client_max_body_size 2m; return 200 "ok\n"; }
  }
}
NGX
    $PIN1 nginx -c "$W/upstream.conf" -p "$W" -q
    wait_ok "http://127.0.0.1:$UP/api/x" "" >/dev/null

    cat > "$W/tollgate.yaml" <<TGC
listen: "127.0.0.1:$TG"
upstream: "http://127.0.0.1:$UP"
workers: $tw
accounts_file: accounts-$size.yaml
log: { access: false, level: notice }
limits: { drain_timeout: 1s }
# the brute-force brake would turn the invalid10 case into 429s: raised out of the way (still counted per request)
failed_auth: { limit: 1000000000, window: 60s }
routes:
  - path: /api
    roles: [reader]
TGC
    local t0
    t0=$(date +%s%N)
    # setsid: a session (and so a scheduler autogroup) of its own, as nginx and HAProxy have once they daemonise;
    # sharing the script's autogroup with wrk would halve the CPU share of both when the machine is busy.
    $PIN0 setsid "$BIN" serve --config "$W/tollgate.yaml" > "$W/tollgate.out" 2> "$W/tollgate.err" &
    echo $! > "$W/tollgate.pid"
    wait_ok "http://127.0.0.1:$TG/api/x" "$BEARER" || { cat "$W/tollgate.err" >&2; exit 1; }
    READY_tollgate=$(( ($(date +%s%N) - t0) / 1000000 ))

    # nginx: keepalive 256 idle upstream connections per worker = tollgate's pool (256 idle per worker) and
    # >= the largest client count, so c256 does not churn upstream connections. proxy_request_buffering off:
    # stream request bodies like tollgate and HAProxy (the default buffers 1 MiB POSTs to a temp file).
    # proxy_buffers 8 16k: a 64 KiB response fits in memory (the default 8 x 4k spills to a temp file).
    cat > "$W/nginx-proxy.conf" <<NGX
worker_processes $nw;
pid $W/nginx-proxy.pid;
error_log $W/nginx-proxy.err warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $W/tmp/np-body;
  proxy_temp_path $W/tmp/np-proxy;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  upstream up { server 127.0.0.1:$UP; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NG;
    client_max_body_size 2m;
    location /api {
      auth_basic "bench";
      auth_basic_user_file $W/htpasswd-$size;
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffer_size 16k;
      proxy_buffers 8 16k;
    }
    location / { return 403; }
  }
}
NGX
    t0=$(date +%s%N)
    $PIN0 nginx -c "$W/nginx-proxy.conf" -p "$W" -q
    wait_ok "http://127.0.0.1:$NG/api/x" "$BASIC" || { cat "$W/nginx-proxy.err" >&2; exit 1; }
    READY_nginx=$(( ($(date +%s%N) - t0) / 1000000 ))

    { cat <<HAP
global
  maxconn 4096
  $nbt
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 120s
  option http-keep-alive
  http-reuse always
userlist users
  group readers
HAP
      cat "$W/userlist-$size"
      cat <<HAP
frontend f
  bind 127.0.0.1:$HA
  acl api path_beg /api
  acl reader http_auth_group(users) readers
  http-request deny unless api
  http-request auth realm bench unless reader
  default_backend b
backend b
  http-reuse always
  server up 127.0.0.1:$UP
HAP
    } > "$W/haproxy.cfg"
    t0=$(date +%s%N)
    $PIN0 haproxy -f "$W/haproxy.cfg" -D -p "$W/haproxy.pid" 2> "$W/haproxy.err" \
        || { cat "$W/haproxy.err" >&2; exit 1; }
    wait_ok "http://127.0.0.1:$HA/api/x" "$BASIC" || { cat "$W/haproxy.err" >&2; exit 1; }
    READY_haproxy=$(( ($(date +%s%N) - t0) / 1000000 ))
    RSS0_tollgate=$(rss tollgate-basic) RSS0_nginx=$(rss nginx) RSS0_haproxy=$(rss haproxy)
}
wait_ok() {             # URL AUTH: polls until an authenticated GET gets 200 (up to 60 s)
    local i=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' ${2:+-H "Authorization: $2"} "$1")" = 200 ]; do
        i=$((i + 1)); [ $i -gt 6000 ] && { echo "not ready: $1" >&2; return 1; }
        sleep 0.01
    done
}
pids() {                # TARGET -> the processes whose CPU time counts (nginx: master and workers)
    local p
    case $1 in
        direct) ;;
        tollgate-*) cat "$W/tollgate.pid" ;;
        nginx) p=$(cat "$W/nginx-proxy.pid"); echo "$p"; pgrep -P "$p" || true ;;
        haproxy) p=$(cat "$W/haproxy.pid"); echo "$p"; pgrep -P "$p" || true ;;
        upstream) p=$(cat "$W/upstream.pid"); echo "$p"; pgrep -P "$p" || true ;;
    esac
}
ticks() {               # sum of utime+stime (clock ticks) of the given PIDs
    local t=0 p
    for p in "$@"; do
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo $t
}
uticks() {              # sum of utime alone (clock ticks) of the given PIDs
    local t=0 p
    for p in "$@"; do
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12}')))
    done
    echo $t
}
rss() {                 # TARGET -> VmRSS KiB summed over its processes
    local p r=0
    for p in $(pids "$1"); do r=$((r + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status"))); done
    echo $r
}
port() { case $1 in direct) echo $UP ;; tollgate-*) echo $TG ;; nginx) echo $NG ;; haproxy) echo $HA ;; esac; }
auth() { case $1 in tollgate-bearer) echo "$BEARER" ;; *) echo "$BASIC" ;; esac; }
bad() { case $1 in tollgate-bearer) echo "$BEARER_BAD" ;; *) echo "$BASIC_BAD" ;; esac; }
conns() { case $1 in c256) echo 256 ;; *) echo 64 ;; esac; }
path() { case $1 in 64k) echo /api/big/64k ;; post1m) echo /api/post ;; *) echo /api/x ;; esac; }

# check CASE TARGET: two requests on one connection (curl --next) must both succeed and reuse the connection;
# for the proxies a wrong credential must get 401. Prints a note; exits on failure.
check() {
    local case=$1 t=$2 url a extra=() r want
    url="http://127.0.0.1:$(port "$t")$(path "$case")"
    a=$(auth "$t")
    [ "$case" = post1m ] && extra=(-H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary "@$W/body-1m")
    # --next resets every option: -s -o -w are repeated for the second request
    local w=(-s -o /dev/null -w '%{http_code}/%{num_connects}/%{size_download} ')
    r=$(curl "${w[@]}" "${extra[@]}" -H "Authorization: $a" "$url" --next "${w[@]}" "${extra[@]}" -H "Authorization: $a" "$url")
    want="200/1/3 200/0/3 "
    [ "$case" = 64k ] && want="200/1/65536 200/0/65536 "
    if [ "$case" = post1m ] && [ "$r" = "200/1/3 200/1/3 " ]; then
        # nginx may close a connection whose upstream answered before the whole body was sent.
        out "- note: $t closed the connection after a 1 MiB POST in the check"
    elif [ "$r" != "$want" ]; then
        echo "check $case $t: got '$r', want '$want'" >&2
        exit 1
    fi
    if [ "$t" != direct ]; then
        # wrong credential, then the right one on the same connection: does the 401 keep the connection?
        w=(-s -o /dev/null -w '%{http_code}/%{num_connects} ')
        r=$(curl "${w[@]}" "${extra[@]}" -H "Authorization: $(bad "$t")" \
            "$url" --next "${w[@]}" "${extra[@]}" -H "Authorization: $a" "$url")
        case $r in
            "401/1 200/0 ") ;;
            # A 401 to a request whose body was not read must close (the stream position is unknown).
            "401/1 200/1 ") if [ "$case" != post1m ]; then out "- note: $t closes the connection after a 401"; fi ;;
            *) echo "check $case $t (wrong credential): got '$r'" >&2; exit 1 ;;
        esac
    fi
}

# measure CASE MODE TARGET ROUND DURATION: one wrk run; appends a line to $W/raw/CASE.MODE unless ROUND=0
measure() {
    local case=$1 mode=$2 t=$3 round=$4 dur=$5 url a args=() pp up p0 u0 w0 p1 u1 w1 o q0 q1
    url="http://127.0.0.1:$(port "$t")$(path "$case")"
    a=$(auth "$t")
    case $case in
        post1m) args=(-s "$W/post.lua" -H "Authorization: $a" "$url") ;;
        invalid10) args=(-s "$W/mixed.lua" "$url" -- "$a" "$(bad "$t")") ;;
        *) args=(-H "Authorization: $a" "$url") ;;
    esac
    pp=$(pids "$t"); up=$(pids upstream)
    p0=$(ticks $pp); q0=$(uticks $pp); u0=$(ticks $up); w0=$(date +%s%N)
    o=$($PIN1 wrk -t1 -c"$(conns "$case")" -d"$dur" --latency "${args[@]}" 2>&1) || { echo "$o" >&2; exit 1; }
    p1=$(ticks $pp); q1=$(uticks $pp); u1=$(ticks $up); w1=$(date +%s%N)
    [ "$round" = 0 ] && return 0
    echo "$o" > "$W/raw/$case.$mode.$t.$round.wrk"
    echo "$o" | awk -v t="$t" -v r="$round" -v pt=$((p1 - p0)) -v ut=$((u1 - u0)) -v wall=$((w1 - w0)) -v qt=$((q1 - q0)) '
        function ms(v,  n) { n = v + 0
            if (v ~ /us$/) return n / 1000; if (v ~ /ms$/) return n; if (v ~ /m$/) return n * 60000
            if (v ~ /s$/) return n * 1000; return n }
        / requests in / { reqs = $1 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Requests\/sec/ { rps = $2 }
        /Non-2xx/ { non2xx = $NF }
        /Socket errors/ { gsub(/,/, ""); ec = $4; er = $6; ew = $8; et = $10 }
        END { printf "%s %s %s %s %s %d %d %d %d %d %d %d %d %.3f %d\n", t, r, rps, p50, p99, reqs, non2xx + 0,
              ec + 0, er + 0, ew + 0, et + 0, pt, ut, wall / 1e9, qt }' >> "$W/raw/$case.$mode"
    log "  [$case $mode] round $round $t: $(tail -1 "$W/raw/$case.$mode" | awk '{print $3 " req/s, non-2xx " $7}')"
}

# table CASE MODE: the medians table from $W/raw/CASE.MODE
table() {
    out ""
    out "### $1, $2 ($(conns "$1") connections, $(path "$1"), medians of $ROUNDS rounds of $D)"
    out ""
    awk -v tck="$TCK" -v order="$TARGETS" '
        function median(s,  a, n, i, j, x) { n = split(s, a, " ")
            for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        function spread(s,  a, n, i, lo, hi) { n = split(s, a, " "); lo = hi = a[1] + 0
            for (i = 2; i <= n; i++) { if (a[i] + 0 < lo) lo = a[i] + 0; if (a[i] + 0 > hi) hi = a[i] + 0 }
            return (hi - lo) / 2 }
        { t = $1; rps[t] = rps[t] " " $3; p50[t] = p50[t] " " $4; p99[t] = p99[t] " " $5; rr[t, $2] = $3; rounds[$2] = 1
          reqs[t] += $6; non[t] += $7; ec[t] += $8; er[t] += $9; ew[t] += $10; et[t] += $11
          cpu[t] = cpu[t] " " ($6 ? $12 * 1e6 / tck / $6 : 0); usr[t] = usr[t] " " ($6 ? $15 * 1e6 / tck / $6 : 0); pct[t] = pct[t] " " ($12 / tck / $14 * 100)
          upc[t] = upc[t] " " ($6 ? $13 * 1e6 / tck / $6 : 0) }
        END {
          print "| target | req/s | ± | p50 ms | p99 ms | CPU µs/req | user µs/req | CPU % | upstream µs/req | req/s ×direct | req/s ×haproxy | ×haproxy paired | CPU ×haproxy | non-2xx | socket errors |"
          print "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
          n = split(order, ts, " "); d = median(rps["direct"]); h = median(rps["haproxy"]); hc = median(cpu["haproxy"])
          for (i = 1; i <= n; i++) { t = ts[i]; if (!(t in rps)) continue
            r = median(rps[t]); c = median(cpu[t])
            # The median of the ratios within each round: load from a neighbour that slows a whole round cancels.
            pr = ""; for (k in rounds) if ((t, k) in rr && ("haproxy", k) in rr && rr["haproxy", k] > 0) pr = pr " " rr[t, k] / rr["haproxy", k]
            e = (ec[t] ? " connect " ec[t] : "") (er[t] ? " read " er[t] : "") (ew[t] ? " write " ew[t] : "") (et[t] ? " timeout " et[t] : "")
            printf "| %s | %.0f | %.1f%% | %.2f | %.2f | %s | %s | %s | %.1f | %.2f | %s | %s | %s | %s | %s |\n", t, r,
              r ? spread(rps[t]) / r * 100 : 0, median(p50[t]), median(p99[t]),
              t == "direct" ? "-" : sprintf("%.1f", c), t == "direct" ? "-" : sprintf("%.1f", median(usr[t])),
              t == "direct" ? "-" : sprintf("%.0f", median(pct[t])),
              median(upc[t]), d ? r / d : 0, h ? sprintf("%.2f", r / h) : "-", pr == "" ? "-" : sprintf("%.2f", median(substr(pr, 2))),
              t == "direct" || !hc ? "-" : sprintf("%.2f", c / hc),
              non[t] ? sprintf("%d (%.1f%%)", non[t], non[t] * 100 / reqs[t]) : "0", e == "" ? "0" : substr(e, 2) }
        }' "$W/raw/$1.$2" | tee -a "$OUT"
    out ""
    out "start-up to first authenticated 200 / RSS idle / RSS after the runs: tollgate ${READY_tollgate} ms," \
        "$((RSS0_tollgate / 1024)) / $(($(rss tollgate-basic) / 1024)) MiB; nginx ${READY_nginx} ms," \
        "$((RSS0_nginx / 1024)) / $(($(rss nginx) / 1024)) MiB; haproxy ${READY_haproxy} ms," \
        "$((RSS0_haproxy / 1024)) / $(($(rss haproxy) / 1024)) MiB"
    awk '/temporary file/ {n++} END {if (n) print "- note: nginx buffered to temporary files " n " times"}' \
        "$W/nginx-proxy.err" | tee -a "$OUT"
    # the per-case CPU figures for the summary
    awk -v tck="$TCK" -v c="$1 $2" '{ print c, $1, ($6 ? $12 * 1e6 / tck / $6 : 0), $3, $2 }' "$W/raw/$1.$2" >> "$W/summary"
}

# ---------------------------------------------------------------------------------------------------- report header
commit=$(git rev-parse --short HEAD)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (working tree has uncommitted changes)"
{
    echo "# tollgate vs nginx vs HAProxy: authenticated keep-alive proxying, $(date '+%Y-%m-%d %H:%M %Z')"
    echo ""
    echo "- command: \`DURATION=$D ROUNDS=$ROUNDS CASES=\"$CASES\" UNPINNED=\"$UNPINNED\" WARMUP=$WARMUP BIN=$BIN bash $CMDLINE\`"
    echo "- machine: \`$(uname -a)\`"
    echo "- CPU: $(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) CPUs," \
         "$(lscpu | awk -F: '/^Thread\(s\) per core/ {gsub(/^ +/, "", $2); print $2}') thread(s) per core," \
         "hypervisor: $(lscpu | awk -F: '/^Hypervisor vendor/ {gsub(/^ +/, "", $2); print $2}')"
    echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- versions: $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(haproxy -v | head -1 | awk '{print "HAProxy " $3}')," \
         "$(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}'), $(curl --version | head -1 | awk '{print "curl " $2}')"
    echo "- tollgate: commit $commit, binary $BIN ($(sha256sum "$BIN" | cut -c1-12), built $(date -r "$BIN" '+%Y-%m-%d %H:%M'))"
    echo ""
    echo "Setup: upstream nginx (1 worker, \`return 200 \"ok\\n\"\`; a 65,536-byte file; POST: body read and discarded)."
    echo "Proxies: tollgate (route /api roles [reader], sha256 token table, access log off), nginx (auth_basic with a"
    echo "{SHA} user file, upstream keepalive 256, HTTP/1.1), HAProxy (userlist with insecure-password,"
    echo "\`http-request auth\` unless \`http_auth_group(users) readers\`, \`path_beg /api\` ACL, http-reuse always)."
    echo "wrk -t1 with keep-alive; targets interleaved in every round ($TARGETS)."
    echo "Pinned: proxy under test on CPU 0 (tollgate workers: 1, nginx worker_processes 1, HAProxy nbthread 1);"
    echo "wrk and the upstream on CPU 1. Unpinned: no taskset, workers auto / worker_processes auto / default threads."
    echo "Each server runs in a session (scheduler autogroup) of its own: nginx and HAProxy daemonise, tollgate is"
    echo "started with setsid; wrk runs in the script's."
    echo "CPU µs/req: utime+stime of the proxy's processes (/proc/PID/stat, ${TCK} ticks/s) over the wrk run ÷ requests"
    echo "completed; user µs/req: utime alone (the rest is kernel time: the socket calls); CPU %: the same over wall time (100% = one CPU saturated). upstream µs/req: the same for the"
    echo "upstream nginx. ±: half the range of req/s across rounds, relative to the median. ×haproxy paired: the"
    echo "median of each round's own ratio to HAProxy (a neighbour's load that slows a whole round cancels out)."
} | tee -a "$OUT"

# ---------------------------------------------------------------------------------------------------- runs
start=$(date +%s)
: > "$W/summary"
for case in $CASES; do
    for mode in pinned unpinned; do
        if [ "$mode" = unpinned ]; then case " $UNPINNED " in *" $case "*) ;; *) continue ;; esac; fi
        log "== $case $mode"
        start_all "$case" "$mode"
        for t in $TARGETS; do check "$case" "$t"; done
        for t in $TARGETS; do measure "$case" "$mode" "$t" 0 "$WARMUP"; done
        for round in $(seq "$ROUNDS"); do
            for t in $TARGETS; do measure "$case" "$mode" "$t" "$round" "$D"; done
        done
        table "$case" "$mode"
        if [ "$case" = tokens100k ] && [ "$mode" = pinned ]; then
            out ""
            out "- tokens100k: 10,000 accounts with 100,000 tokens (13 MB of YAML);" \
                "tollgate ready in ${READY_tollgate} ms with RSS $((RSS0_tollgate / 1024)) MiB" \
                "(the small file: ${SMALL_READY:-?} ms, RSS ${SMALL_RSS:-?} MiB); the benchmarked Basic user is the" \
                "50,000th of 100,000 in the nginx and HAProxy files (both scan linearly)"
        fi
        if [ "$case" != tokens100k ] && [ "$mode" = pinned ] && [ -z "${SMALL_RSS:-}" ]; then
            SMALL_READY=$READY_tollgate SMALL_RSS=$((RSS0_tollgate / 1024))
        fi
    done
done
stop_all

# ---------------------------------------------------------------------------------------------------- summary
{
    echo ""
    echo "## Summary: proxy CPU µs per request (median; lower is better), and req/s ×haproxy (median of the rounds' own ratios)"
    echo ""
    awk -v order="$TARGETS" '
        function median(s,  a, n, i, j, x) { n = split(s, a, " ")
            for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { k = $1 " " $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
          cpu[k, $3] = cpu[k, $3] " " $4; rr[k, $3, $6] = $5; rounds[$6] = 1 }
        END {
          n = split(order, ts, " ")
          printf "| case | mode |"; for (i = 2; i <= n; i++) printf " %s µs/req |", ts[i]
          for (i = 2; i <= n; i++) if (ts[i] != "haproxy") printf " %s req/s ×haproxy |", ts[i]; print ""
          printf "|---|---|"; for (i = 2; i <= 2 * n - 2; i++) printf "--:|"; print ""
          for (q = 1; q <= nk; q++) { k = keys[q]; split(k, kk, " "); printf "| %s | %s |", kk[1], kk[2]
            for (i = 2; i <= n; i++) printf " %.1f |", median(cpu[k, ts[i]])
            for (i = 2; i <= n; i++) if (ts[i] != "haproxy") { pr = ""
                for (r in rounds) if ((k, ts[i], r) in rr && (k, "haproxy", r) in rr && rr[k, "haproxy", r] > 0)
                    pr = pr " " rr[k, ts[i], r] / rr[k, "haproxy", r]
                printf " %s |", pr == "" ? "-" : sprintf("%.2f", median(pr)) }
            print "" } }' "$W/summary"
    echo ""
    echo "Run time: $(( $(date +%s) - T_START )) s in all, $(( $(date +%s) - start )) s from the first start-up to the end."
} | tee -a "$OUT"
log "written: $OUT"
