#!/bin/bash
# Reload of a 100,000-token accounts file under load: does it fail a request, and what does it cost?
# tollgate in front of an nginx upstream (1 worker, `return 200`), wrk -t1 -c64 Bearer GETs in 1-second slices.
# After BEFORE slices the accounts file is rewritten (one token added, so it is a real change) and SIGHUP sent;
# slices go on until the reload is logged, then AFTER more. Reports every slice's req/s against the median of
# the slices before the reload, the reload's duration, and failed requests (non-2xx + socket errors) in all.
#
# Modes: pinned (tollgate alone on CPU 0, workers: 1; wrk and the upstream on CPU 1) and unpinned (workers: auto).
# Repeated RELOADS times in one process (one slice is noisy on a shared VM: the mean over reloads is the figure).
# Usage: [BIN=path/to/tollgate] [MODES="pinned unpinned"] [RELOADS=3] [BEFORE=5] [AFTER=2] bash bench/reload.sh
# Output: printed and appended to bench/results/YYYY-MM-DD-HHMM-reload.md. Binds 127.0.0.1:19511-19512 only.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
MODES=${MODES:-"pinned unpinned"}
BEFORE=${BEFORE:-5}
AFTER=${AFTER:-2}
RELOADS=${RELOADS:-3}
UP=19511 TG=19512
mkdir -p bench/results
OUT=bench/results/$(date +%Y-%m-%d-%H%M)-reload.md
out() { printf '%s\n' "$*" | tee -a "$OUT"; }
W=$(mktemp -d)
# What tollgate logs once the new table is in force: a SIGHUP reload names both files ("reloaded <config> and
# <accounts>: …"), an accounts-file sync says "accounts reloaded: …".
RELOADED='\(accounts reloaded\|reloaded [^"]* and [^"]*\): '
chmod 755 "$W"
cleanup() {
    [ -f "$W/tg.pid" ] && kill "$(cat "$W/tg.pid")" 2>/dev/null
    [ -f "$W/up.pid" ] && kill "$(cat "$W/up.pid")" 2>/dev/null
    sleep 0.3
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T=$(openssl rand -hex 24)
TG_HASH=$(printf %s "$T" | "$BIN" hash)
python3 bench/gen-100k.py "$W" "$TG_HASH" "{SHA}unused" "$T"
cat > "$W/up.conf" <<NGX
worker_processes 1;
pid $W/up.pid;
error_log $W/up.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP; location / { return 200 "ok\n"; } } }
NGX
taskset -c 1 nginx -c "$W/up.conf" -p "$W" -q

{
    echo "# Reload of 100,000 tokens under load, $(date '+%Y-%m-%d %H:%M %Z')"
    echo ""
    echo "- machine: \`$(uname -srm)\`, $(nproc) CPUs ($(lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2}'))"
    echo "- tollgate: commit $(git rev-parse --short HEAD), binary $BIN"
    echo "- wrk -t1 -c64 Bearer GETs in 1 s slices; the accounts file (10,000 accounts, 100,000 tokens,"
    echo "  $(($(wc -c < "$W/accounts-100k.yaml") / 1048576)) MiB) rewritten with one more token and SIGHUP sent after $BEFORE slices;"
    echo "  $RELOADS reloads per mode in one tollgate process, each judged against the $BEFORE slices just before it"
} | tee -a "$OUT"

for mode in $MODES; do
    if [ "$mode" = pinned ]; then PIN0="taskset -c 0" PIN1="taskset -c 1" workers=1; else PIN0="" PIN1="" workers=auto; fi
    cp "$W/accounts-100k.yaml" "$W/accounts.yaml"
    cat > "$W/tg.yaml" <<TGC
listen: "127.0.0.1:$TG"
upstream: "http://127.0.0.1:$UP"
workers: $workers
accounts_file: accounts.yaml
log: { access: false, level: info }
routes:
  - path: /api
    roles: [reader]
TGC
    # setsid: its own session and scheduler autogroup (see compare.sh); in wrk's autogroup the reload thread's
    # nice value only counted against wrk and the workers, not against the upstream's group.
    $PIN0 setsid "$BIN" serve --config "$W/tg.yaml" > /dev/null 2> "$W/tg.err" &
    echo $! > "$W/tg.pid"
    P=$(cat "$W/tg.pid")
    for _ in $(seq 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T" "http://127.0.0.1:$TG/api/x")" = 200 ] && break
        sleep 0.05
    done
    $PIN1 wrk -t1 -c64 -d1s -H "Authorization: Bearer $T" "http://127.0.0.1:$TG/api/x" > /dev/null  # warm-up
    : > "$W/slices"
    n=0 durations=""
    for r in $(seq "$RELOADS"); do
        reload_at=0 done_at=0 t0=0 i=0
        while :; do
            n=$((n + 1)) i=$((i + 1))
            if [ $i = $((BEFORE + 1)) ]; then
                # One more token for account bot-0, named after the reload: a real change each time, parsed and
                # swapped in whole.
                sed '0,/^    tokens:$/s//    tokens:\n      - id: extra-'"$r"'\n        hash: "sha256:'"$(printf extra-$r | sha256sum | cut -c1-64)"'"\n        expires: never/' \
                    "$W/accounts-100k.yaml" > "$W/accounts.new"
                mv "$W/accounts.new" "$W/accounts.yaml"
                t0=$(date +%s%N)
                kill -HUP "$P"
                reload_at=$n
            fi
            o=$($PIN1 wrk -t1 -c64 -d1s -H "Authorization: Bearer $T" "http://127.0.0.1:$TG/api/x")
            phase=before
            [ $reload_at -gt 0 ] && phase=reloading
            [ $done_at -gt 0 ] && phase=after
            echo "$o" | awk -v n=$n -v r=$r -v ph=$phase '/Requests\/sec/ {q = $2} /Non-2xx/ {x = $NF}
                /Socket errors/ {gsub(/,/, ""); e = $4 + $6 + $8 + $10} END {print n, r, ph, q, x + 0, e + 0}' >> "$W/slices"
            if [ $reload_at -gt 0 ] && [ $done_at = 0 ] \
                && [ "$(grep -c "$RELOADED" "$W/tg.err")" -ge "$r" ]; then
                done_at=$n
                durations="$durations $(( ($(date +%s%N) - t0) / 1000000 ))"
            fi
            [ $done_at -gt 0 ] && [ $n -ge $((done_at + AFTER)) ] && break
            [ $i -ge 90 ] && break
        done
    done
    gens=$(grep -o 'generation [0-9]*' "$W/tg.err" | tail -1)
    tokens=$(grep -o "$RELOADED"'[^"]*' "$W/tg.err" | tail -1 | sed 's/.*: //; s/ (generation.*//')
    kill "$P"; wait "$P" 2>/dev/null || true
    rm -f "$W/tg.pid"
    out ""
    out "## $mode (tollgate workers: $workers)"
    out ""
    out "$RELOADS reloads; the last: ${tokens:-NOT LOGGED} (${gens:-?}); SIGHUP to the slice that saw it logged:${durations:- ?} ms"
    out ""
    # Each reload is judged against the median of the BEFORE slices just before it; "reload second" is the slice
    # that began with the SIGHUP.
    awk -v b=$BEFORE '
        function median(a, k,   i, j, t) {
          for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
          return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        { n[NR] = $1; rl[NR] = $2; ph[NR] = $3; q[NR] = $4; f[NR] = $5 + $6; fail += $5 + $6 }
        END {
          for (i = 1; i <= NR; i++) if (ph[i] == "before") { k[rl[i]]++; s[rl[i], k[rl[i]]] = q[i] }
          print "| slice | reload | phase | req/s | vs before | failed |"; print "|--:|--:|---|--:|--:|--:|"
          worst = 1; sum1 = 0; sumall = 0; nall = 0; nr = 0
          for (i = 1; i <= NR; i++) {
            r = rl[i]
            if (!(r in med)) { delete a; for (j = 1; j <= k[r]; j++) a[j] = s[r, j]; med[r] = median(a, k[r]) }
            v = q[i] / med[r]
            printf "| %d | %d | %s | %.0f | %.3f | %d |\n", n[i], r, ph[i], q[i], v, f[i]
            if (ph[i] == "reloading") {
              if (!(r in first)) { first[r] = v; sum1 += v; nr++ }
              sumall += v; nall++; if (v < worst) worst = v }
          }
          printf "\nfailed requests in all slices: %d; reload second (the slice the SIGHUP began): mean %.1f%% below the median before it over %d reloads",
            fail, (1 - sum1 / nr) * 100, nr
          printf " (each:"; for (r = 1; r <= nr; r++) printf " %+.1f%%", (first[r] - 1) * 100
          printf "); all reloading slices: mean %.1f%% below, worst %.1f%% below\n", (1 - sumall / nall) * 100, (1 - worst) * 100 }' \
        "$W/slices" | tee -a "$OUT"
done
echo "written: $OUT" >&2
