#!/bin/sh
# The whole test suite: unit tests (Core, event layer), integration tests that start the real binary, the
# concurrency-sensitive tests again under ThreadSanitizer (snapshot swap, brake, last-use store, a loop woken from
# other threads, per-worker histograms read by scrapes), and the
# Kubernetes example in container/k8s (schemas, `tollgate check` of its config, consistency). Under ThreadSanitizer
# the integration tests start the sanitizer build of the binary too: the reload tests (ReloadStress: 1,000
# SIGHUPs under load) fail on any report. Last, the fuzz harnesses run for a bounded time each.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build --build-tests
swift test --skip-build
bash scripts/validate-manifests.sh .build/debug/tollgate
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter 'TokenTableSwap|FailedAuthBrake|LastUseStore|CryptCache|ReloadStress|Sighup|Symlink|Sync|RequestsDuringRewrites|ProbesAndMetrics|LoopTimer|DurationHistogram|RequestIDTests|AcceptBalancer'
# Every fuzz harness for a bounded time (FUZZ_SECONDS, default 60 each; Fuzz/README.md), libFuzzer + ASan.
sh scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
