#!/usr/bin/env bash
# Composes the validation sets of docs/background.md: a stratified split of the labelled photos
# (OUT/split/train to train on, OUT/split/val to validate on), and the people of the validation
# photos pasted onto five other backgrounds (OUT/composed/<background>/<label>/...): a street with
# people (a frame of vtest.avi), a living room, fruit, a painting, red/green stripes. The cut-outs
# come from GrabCut seeded with MoveNet Thunder's keypoints (scripts/compose-backgrounds.cpp), not
# from the selfie model that background removal uses. Everything goes outside the repo: the photos
# must never be committed.
#
#   scripts/make-bgval.sh [PHOTOS_DIR] [OUT_DIR]
#
# PHOTOS_DIR defaults to ../shared/data/yoga5-train, OUT_DIR to /tmp/bgval (must not hold a split
# yet). POSECAST is the binary (default build/posecast). Needs g++, OpenCV and the network once
# (scripts/fetch-test-media.sh fetches the backgrounds). Deterministic: same photos, same sets.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
photos=${1:-$repo/../shared/data/yoga5-train}
out=${2:-/tmp/bgval}
posecast=${POSECAST:-$repo/build/posecast}
media=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/posecast/media

die() { echo "make-bgval: $*" >&2; exit 1; }
[[ -d $photos ]] || die "no photos at $photos (DIR/<label>/*.jpg)"
[[ -x $posecast ]] || die "no posecast binary at $posecast (build it, or set POSECAST)"
[[ ! -e $out/split ]] || die "$out/split exists: remove $out to compose again"

"$repo/scripts/fetch-test-media.sh"
mkdir -p "$out"
"$posecast" data split --in "$photos" --out "$out/split" --val 0.25 --seed 1
# Thunder, two passes: the best keypoints posecast has, as seeds for the cut-outs.
"$posecast" keypoints --model thunder --refine "$out"/split/val/*/* >"$out/keypoints.jsonl"

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
g++ -O2 -std=c++17 "$repo/scripts/compose-backgrounds.cpp" $(pkg-config --cflags --libs opencv4) \
  -o "$tools/compose-backgrounds"
"$tools/compose-backgrounds" "$out/keypoints.jsonl" "$out/composed" \
  "street=$media/vtest.avi@120" \
  "home=$media/backgrounds/home.jpg" \
  "fruits=$media/backgrounds/fruits.jpg" \
  "painting=$media/backgrounds/starry_night.jpg" \
  "stripes=stripes:0,0,230:40,200,40"
echo "make-bgval: sets in $out: split/val (the photos as they are) and composed/{street,home,fruits,painting,stripes}"
