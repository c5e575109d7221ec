#!/usr/bin/env bash
# scripts/check-layers.sh on a copy of the tree: it passes on the tree as it is, and fails, naming
# the loop, once a lower layer includes a layer above it, both through a public header (which the
# build would also refuse) and through a relative path to a private header (which it would not).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check=$repo/scripts/check-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

fresh_copy() {
  rm -rf "$tmp/tree" && mkdir -p "$tmp/tree"
  cp -r "$repo/src" "$repo/include" "$tmp/tree/"
}

fresh_copy
"$check" "$tmp/tree" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the unchanged tree should pass"; }
grep -q '^  common     -> $' "$tmp/out" || fail "common should be printed first, with no dependency"

expect_loop() {  # description, layers the message must name...
  local what=$1 status=0
  shift
  "$check" "$tmp/tree" >"$tmp/out" 2>&1 || status=$?
  [[ $status -eq 1 ]] || { cat "$tmp/out"; fail "$what: exit $status, expected 1"; }
  grep -q 'include each other in a loop' "$tmp/out" || { cat "$tmp/out"; fail "$what: no loop named"; }
  for layer in "$@"; do
    grep -q "^  $layer -> " "$tmp/out" || { cat "$tmp/out"; fail "$what: $layer not named"; }
  done
  echo "ok: $what"
}

# common (the bottom) includes the pipeline's public header.
echo '#include "posecast/pipeline.h"' >>"$tmp/tree/src/common/user_dirs.cpp"
expect_loop "a public header of a layer above" common pipeline

# pose reaches into a private header of pipeline by a relative path.
fresh_copy
echo '#include "../pipeline/video_recorder.h"' >>"$tmp/tree/src/pose/keypoints.cpp"
expect_loop "a private header by a relative path" pose pipeline

# A header that no layer has is an error too.
fresh_copy
echo '#include "posecast/no_such_header.h"' >>"$tmp/tree/src/render/overlay.cpp"
status=0
"$check" "$tmp/tree" >"$tmp/out" 2>&1 || status=$?
[[ $status -ne 0 ]] && grep -q 'no_such_header.h' "$tmp/out" || fail "an unknown header should fail"
echo "ok: an unknown header"
