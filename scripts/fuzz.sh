#!/bin/sh
# Bounded coverage-guided fuzzing (Fuzz/README.md): builds tollgate-fuzz with libFuzzer and AddressSanitizer
# (release, scratch path .build-fuzz), then runs each harness for SECONDS (default 60) on a scratch copy of its
# seed corpus, so that the committed corpus never grows here; harnesses run side by side, one per core. Exits non-zero on any crash, broken property,
# timeout (one input over 10 s) or memory blow-up (over 2 GiB), printing where the reproducer was saved.
#
#   sh scripts/fuzz.sh [SECONDS]                       all harnesses
#   FUZZ_HARNESSES="path head" sh scripts/fuzz.sh 300  some of them
#   FUZZ_KEEP=1 sh scripts/fuzz.sh                     keep the work folder (grown corpora, logs) when all pass
#   FUZZ_JOBS=1 sh scripts/fuzz.sh                     one harness at a time (default: one per core)
#   FUZZ_ARGS="-max_len=65536" sh scripts/fuzz.sh      more libFuzzer flags (after the ones above)
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
harnesses="${FUZZ_HARNESSES:-path credential head config accounts}"

# libevent, http-parser and OpenSSL headers; libFuzzer and ASan come with the Swift toolchain.
sh scripts/deps.sh

swiftc_path="$(command -v swiftc)" || { echo "fuzz.sh: swiftc is not on PATH" >&2; exit 1; }
toolchain="$(dirname "$(readlink -f "$swiftc_path")")/.."
fuzzer_lib=""
for candidate in "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a \
    "$toolchain"/lib/swift/clang/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a; do
    [ -f "$candidate" ] && fuzzer_lib="$candidate" && break
done
if [ -z "$fuzzer_lib" ]; then
    echo "fuzz.sh: libclang_rt.fuzzer_no_main is not in the Swift toolchain at $toolchain" >&2
    exit 1
fi
# libFuzzer is C++: it links against libstdc++ (Swift's Debian prerequisites include libstdc++-NN-dev).
if [ "$("$toolchain/bin/clang" -print-file-name=libstdc++.so)" = "libstdc++.so" ]; then
    dev="$(apt-cache search --names-only '^libstdc\+\+-[0-9]+-dev$' | cut -d' ' -f1 | sort -V | tail -n 1)"
    echo "installing: ${dev:-libstdc++-dev} (for libFuzzer)" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${dev:-libstdc++-12-dev}" >/dev/null
fi

# tollgate-fuzz keeps its own main (it takes the harness name) and calls LLVMFuzzerRunDriver, so libFuzzer is
# linked without its main; -sanitize=fuzzer goes to the compiler only (coverage and comparison tracing).
echo "fuzz.sh: building tollgate-fuzz (release, libFuzzer + AddressSanitizer)" >&2
swift build -c release --product tollgate-fuzz --scratch-path .build-fuzz --sanitize=address \
    -Xswiftc -DFUZZING -Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link \
    -Xlinker "$fuzzer_lib" -Xlinker -lstdc++
binary="$(swift build -c release --scratch-path .build-fuzz --show-bin-path)/tollgate-fuzz"

work="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-fuzz.XXXXXX")"
# The Swift backtracer would spend 30 s on every crash; libFuzzer and ASan report it anyway.
export SWIFT_BACKTRACE=enable=no
# Harnesses run side by side, one per core (FUZZ_JOBS overrides), each for the whole SECONDS.
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"

run_harness() {  # HARNESS: runs it, leaves its exit status in $work/HARNESS/status
    harness="$1"
    dict="Fuzz/dict/$harness.dict"
    case "$harness" in config | accounts) dict="Fuzz/dict/yaml.dict" ;; esac
    status=0
    "$binary" "$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
        -artifact_prefix="$work/$harness/artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-} \
        "$work/$harness/corpus" >"$work/$harness/log" 2>&1 || status=$?
    echo "$status" >"$work/$harness/status"
}

running=0
for harness in $harnesses; do
    [ -d "Fuzz/corpus/$harness" ] || { echo "fuzz.sh: no harness '$harness'" >&2; exit 2; }
    mkdir -p "$work/$harness/corpus" "$work/$harness/artifacts"
    cp Fuzz/corpus/"$harness"/* "$work/$harness/corpus/"
    echo "fuzz.sh: $harness for ${seconds}s" >&2
    run_harness "$harness" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

failed=""
for harness in $harnesses; do
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
        "$work/$harness/log" | sed "s/^/  $harness /" >&2 || true
    status="$(cat "$work/$harness/status" 2>/dev/null || echo missing)"
    if [ "$status" != 0 ] || [ -n "$(ls -A "$work/$harness/artifacts")" ]; then
        failed="$failed $harness"
        echo "fuzz.sh: $harness FAILED (exit $status); the end of its log:" >&2
        grep -v '^#[0-9]' "$work/$harness/log" | tail -n 40 >&2
        for artifact in "$work/$harness/artifacts"/*; do
            [ -e "$artifact" ] || continue
            echo "fuzz.sh: reproducer: $artifact" >&2
            echo "  replay: $binary $harness $artifact" >&2
            echo "  or, without libFuzzer: swift run tollgate-fuzz $harness $artifact" >&2
        done
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz.sh: failed:$failed (logs and reproducers in $work)" >&2
    exit 1
fi
if [ -n "${FUZZ_KEEP:-}" ]; then
    echo "fuzz.sh: all passed; logs and grown corpora in $work" >&2
else
    rm -rf "$work"
    echo "fuzz.sh: all passed" >&2
fi
