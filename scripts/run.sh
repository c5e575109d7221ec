#!/usr/bin/env bash
# Sets posecast up (scripts/setup.sh) and runs it: by default `posecast run` (first camera, else the
# built-in demo) serving the viewer at http://127.0.0.1:8080/. Other arguments go to the binary, e.g.
#   scripts/run.sh keypoints my-photo.jpg
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${POSECAST_BUILD_DIR:-$repo/build}

"$repo/scripts/setup.sh"
if (($# == 0)); then
  set -- run
fi
exec "$build_dir/posecast" "$@"
