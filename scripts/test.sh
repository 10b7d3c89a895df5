#!/bin/sh
# The whole test suite: unit tests (Core, event layer) and integration tests that start the real binary.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
swift build --build-tests
swift test --skip-build
