#!/bin/sh
# Builds tollgate and runs it with conf/tollgate.yaml in front of `tollgate echo` (127.0.0.1:8081).
# Try it:  curl -i http://127.0.0.1:8080/healthz
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build -c release --product tollgate
bin=.build/release/tollgate
$bin echo --listen 127.0.0.1:8081 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null' EXIT INT TERM
$bin serve --config conf/tollgate.yaml
