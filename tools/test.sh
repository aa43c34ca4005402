#!/usr/bin/env bash
# Configures, builds and tests with the `ci` preset: sanitizers and warnings
# as errors. This is the one place the command lives; the README and .ci/run
# both call it. Tests that need a GPU or an optional tool exit 77 and are
# reported as skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmake --preset ci && cmake --build --preset ci && ctest --preset ci
