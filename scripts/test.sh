#!/usr/bin/env bash
# Sets posecast up (scripts/setup.sh: packages, build, models), fetches the test video, checks the
# layers and the formatting, and runs the whole test suite. Exits non-zero when anything fails.
#   scripts/test.sh [extra ctest arguments, e.g. -R Engine]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${POSECAST_BUILD_DIR:-$repo/build}

"$repo/scripts/setup.sh"
"$repo/scripts/fetch-test-media.sh"
"$repo/tests/e2e/browser/setup.sh"  # npm packages of the browser test (no browser download)
"$repo/scripts/check-layers.sh"  # prints the layer graph; fails on a loop
"$repo/scripts/check-format.sh"  # fails on a file that differs from .clang-format
"$repo/scripts/check-function-size.py"  # fails on a function over 100 lines or a file over 600
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2 "$@"
