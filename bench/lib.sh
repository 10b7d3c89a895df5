# Shared by the bench scripts; sourced with `. bench/lib.sh` from the repository root (each script cds there).
# bench_setup: installs what the benchmarks need from Debian (scripts/deps.sh with WITH_BENCH=1), then sets BIN
# to the tollgate binary: the one given in BIN (made absolute), or a release build of this tree.
bench_setup() {
    WITH_BENCH=1 sh scripts/deps.sh
    if [ -z "${BIN:-}" ]; then
        swift build -c release --product tollgate >/dev/null
        BIN=$PWD/.build/release/tollgate
    fi
    BIN=$(readlink -f "$BIN")
    [ -x "$BIN" ] || { echo "no tollgate binary at $BIN" >&2; exit 1; }
}
