#!/bin/sh
# Token-table scale and authentication cost, same run:
#  1. a 100,000-token accounts file (10,000 accounts x 10 tokens): `check` time, serve start-up time and RSS;
#  2. wrk req/s on a public route vs a Bearer-authenticated route vs Basic, through 1 worker, echo upstream.
# Usage: [BIN=path/to/tollgate] sh bench/auth.sh [duration, default 10s]. Binds 127.0.0.1:19180-19181 only.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup
D=${1:-10s}
W=$(mktemp -d)
trap 'kill $(cat $W/*.pid 2>/dev/null) 2>/dev/null; rm -rf $W' EXIT
python3 - "$W/accounts.yaml" <<'PY'
import hashlib, sys
out = ["groups:", "  bots: { roles: [reader] }", "accounts:"]
for a in range(10000):
    out += [f"  - name: bot-{a}", "    groups: [bots]", "    tokens:"]
    for t in range(10):
        h = hashlib.sha256(f"tg_bench_{a}_{t}".encode()).hexdigest()
        out += [f"      - id: t{t}", f'        hash: "sha256:{h}"', "        expires: never"]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
cat > $W/t.yaml <<TG
listen: "127.0.0.1:19180"
upstream: "http://127.0.0.1:19181"
workers: 1
accounts_file: accounts.yaml
log: { access: false }
routes:
  - path: /public
    public: true
  - path: /api
    roles: [reader]
TG
echo "accounts file: $(du -h $W/accounts.yaml | cut -f1), $(grep -c 'hash:' $W/accounts.yaml) tokens"
/usr/bin/time -f "check: %e s, max RSS %M KiB" $BIN check --config $W/t.yaml >/dev/null
$BIN echo --listen 127.0.0.1:19181 2>/dev/null & echo $! > $W/echo.pid
start=$(date +%s.%N)
setsid $BIN serve --config $W/t.yaml 2>$W/serve.err & echo $! > $W/serve.pid  # own autogroup (compare.sh)
until grep -q "listening on" $W/serve.err; do sleep 0.02; done
ready=$(date +%s.%N)
echo "serve: ready in $(echo "$ready - $start" | bc) s, RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$(cat $W/serve.pid)/status) with the table loaded"
basic=$(printf 'bot-9999:tg_bench_9999_9' | base64 -w0)
run() {
  rps=$(wrk -t1 -c64 -d$D "$@" 2>&1 | awk '/Requests\/sec/ {print $2}')
  echo "$rps"
}
pub=$(run http://127.0.0.1:19180/public)
bearer=$(run -H "Authorization: Bearer tg_bench_5000_5" http://127.0.0.1:19180/api)
basicr=$(run -H "Authorization: Basic $basic" http://127.0.0.1:19180/api)
echo "req/s public route:  $pub"
echo "req/s Bearer:        $bearer ($(awk -v a=$bearer -v b=$pub 'BEGIN{printf "%.2f", a/b}') of public)"
echo "req/s Basic:         $basicr ($(awk -v a=$basicr -v b=$pub 'BEGIN{printf "%.2f", a/b}') of public)"
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$(cat $W/serve.pid)/status)"
