#!/usr/bin/env bash
# The measurement of docs/background.md on the sets scripts/make-bgval.sh composed: trains a pose
# MLP on OUT/split/train with the backgrounds kept, and one with them removed, then runs
# `posecast eval` for every set x classifier x --background keep|remove and prints a Markdown table
# (accuracy, n). Keypoints are cached, so a second run only re-reads them.
#
#   scripts/eval-bgval.sh [OUT_DIR]
#
# OUT_DIR defaults to /tmp/bgval. POSECAST is the binary (default build/posecast).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-/tmp/bgval}
posecast=${POSECAST:-$repo/build/posecast}

die() { echo "eval-bgval: $*" >&2; exit 1; }
[[ -d $out/split/train && -d $out/composed ]] || die "no sets in $out: run scripts/make-bgval.sh"
[[ -x $posecast ]] || die "no posecast binary at $posecast (build it, or set POSECAST)"

field() { node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(j[process.argv[1]])' "$1"; }

for mode in keep remove; do
  model=$out/mlp-trained-$mode.json
  [[ -f $model ]] || "$posecast" train pose --data "$out/split/train" --out "$model" --val 0 \
    --background "$mode" --json >"$out/train-$mode.json"
done

sets=(original street home fruits painting stripes)
echo "| set | classifier | keep | remove | n |"
echo "|---|---|---|---|---|"
for set in "${sets[@]}"; do
  data=$out/composed/$set
  [[ $set == original ]] && data=$out/split/val
  for classifier in builtin mlp-trained-keep mlp-trained-remove; do
    model=builtin
    [[ $classifier == builtin ]] || model=$out/$classifier.json
    row="| $set | $classifier |"
    n=
    for mode in keep remove; do
      result=$("$posecast" eval --model "$model" --data "$data" --background "$mode" --json)
      row+=" $(echo "$result" | field accuracy | xargs printf '%.3f') |"
      n=$(echo "$result" | field n)
    done
    echo "$row $n |"
  done
done
