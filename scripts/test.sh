#!/bin/sh
# The whole test suite: unit tests (Core, event layer), integration tests that start the real binary, and the
# concurrency-sensitive Core tests again under ThreadSanitizer (snapshot swap, brake, last-use store).
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build --build-tests
swift test --skip-build
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter 'TokenTableSwap|FailedAuthBrake|LastUseStore|CryptCache'
