#!/bin/sh
# Installs the Debian packages tollgate builds and tests with, when any is missing (fresh machine or CI).
set -e
need=""
for pkg in libevent-dev libssl-dev libhttp-parser-dev libcrypt-dev curl python3 pkg-config strace openssl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -n "$WITH_BENCH" ] && for pkg in wrk nginx-light haproxy; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    echo "installing:$need" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
