#!/usr/bin/env bash
# Sets posecast up (scripts/setup.sh) and runs it: by default on the test photo, printing the
# keypoints it finds. Other arguments go to the posecast binary instead, e.g.
#   scripts/run.sh keypoints my-photo.jpg
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${POSECAST_BUILD_DIR:-$repo/build}

"$repo/scripts/setup.sh"
if (($# == 0)); then
  set -- keypoints "$repo/tests/data/person.jpg"
fi
exec "$build_dir/posecast" "$@"
