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

# The image classifier (ResNet-18 at 128x128, trained from scratch on the photos as they are):
# its rows are added when OUT/resnet18-128.model exists (made here when IMAGE=1; 30 epochs of
# ~30 s on an idle 2-core machine).
image_model=$out/resnet18-128.model
if [[ ${IMAGE:-0} == 1 && ! -f $image_model ]]; then
  "$posecast" train image --data "$out/split/train" --val "$out/split/val" --out "$image_model" \
    --num_layers 18 --image_shape 3,128,128 --epochs 30 --mini_batch_size 16 \
    --augmentation_type crop_color_transform --learning_rate 0.05 --lr_scheduler_step 20,26 \
    --lr_scheduler_factor 0.1 >"$out/train-image.out"
fi
classifiers=(builtin mlp-trained-keep mlp-trained-remove)
[[ -f $image_model ]] && classifiers+=(resnet18-128)

sets=(original street home fruits painting stripes)
echo "| set | classifier | keep | remove | n |"
echo "|---|---|---|---|---|"
for set in "${sets[@]}"; do
  data=$out/composed/$set
  [[ $set == original ]] && data=$out/split/val
  for classifier in "${classifiers[@]}"; do
    model=builtin
    [[ $classifier == builtin ]] || model=$out/$classifier.json
    [[ $classifier == resnet18-* ]] && model=$out/$classifier.model
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
