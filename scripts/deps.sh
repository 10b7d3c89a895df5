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
# pip, for kubernetes-validate below (a pyenv or venv python3 brings its own).
python3 -m pip --version >/dev/null 2>&1 || need="$need python3-pip"
if [ -n "$need" ]; then
    echo "installing:$need" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
# PyPI packages, pinned. PIP_BREAK_SYSTEM_PACKAGES: Debian 12's python3 refuses pip installs otherwise (PEP 668);
# they go to /usr/local (or --user outside a venv when not root).
pip_pin() {  # NAME VERSION: installs NAME==VERSION unless that version is already there
    if ! python3 -c "import sys, importlib.metadata as m; sys.exit(m.version('$1') != '$2')" 2>/dev/null; then
        echo "installing: $1==$2 (PyPI)" >&2
        user=""
        [ "$(id -u)" -ne 0 ] && python3 -c 'import sys; sys.exit(sys.prefix != sys.base_prefix)' && user="--user"
        PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check \
            --root-user-action=ignore $user "$1==$2"
    fi
}
# kubernetes-validate checks container/k8s against the Kubernetes schemas (scripts/validate-manifests.sh).
pip_pin kubernetes-validate 1.37.0
# prometheus_client: its text-format parser checks /metrics in the integration tests.
pip_pin prometheus_client 0.21.1
