#!/bin/sh
# Builds tollgate (release) and runs `tollgate demo`: proxy on 127.0.0.1:8080, built-in echo upstream, fresh demo
# accounts, admin endpoints on 127.0.0.1:9090. Prints curl lines to paste; Ctrl-C stops. Extra arguments go to
# `tollgate demo` (e.g. --listen 127.0.0.1:18080).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build -c release --product tollgate
exec .build/release/tollgate demo "$@"
