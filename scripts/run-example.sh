#!/bin/sh
# Builds tollgate and runs conf/tollgate.yaml in front of `tollgate echo` (127.0.0.1:8081), with a copy of
# conf/accounts.yaml that holds one freshly generated demo token (printed below, never written in clear).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build -c release --product tollgate
bin=$PWD/.build/release/tollgate
work=$(mktemp -d)
cp conf/tollgate.yaml conf/accounts.yaml "$work/"
token="tg_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
hash=$(printf %s "$token" | sha256sum | cut -c1-64)
sed -i "s|    tokens: \[\]  .*|    tokens:\n      - id: demo\n        hash: \"sha256:$hash\"\n        expires: never|" "$work/accounts.yaml"
$bin echo --listen 127.0.0.1:8081 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
cat <<MSG
Try:
  curl -i http://127.0.0.1:8080/healthz                                          # public route
  curl -i -H 'Authorization: Bearer $token' http://127.0.0.1:8080/api/things     # ci-bot: 200
  curl -i -u 'ci-bot:$token' http://127.0.0.1:8080/api/things                    # Basic: 200
  curl -i -H 'Authorization: Bearer $token' http://127.0.0.1:8080/admin          # wrong role: 403
  curl -i http://127.0.0.1:8080/api/things                                       # no credential: 401
MSG
$bin serve --config "$work/tollgate.yaml"
