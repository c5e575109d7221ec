#!/usr/bin/env bash
# Regenerates the golden outputs in tests/data/golden/ that the engine's exactness tests compare
# against: tests/data/person.jpg letterboxed to each model's input size (input-<S>.ppm), run through
# the official TF.js runtime (the peer, ../shared/peer/run.sh, CPU backend), one <model>.json each;
# and selfie-mask.json, the person mask of tests/data/person2.png as background removal computes it.
# Needs node, g++ and OpenCV; the tests themselves need neither node nor the peer.
#
#   scripts/make-goldens.sh [MODELS_DIR]
#
# MODELS_DIR defaults to $POSECAST_MODELS, else ${XDG_CACHE_HOME:-$HOME/.cache}/posecast/models.
# POSECAST_PEER overrides the peer's run.sh.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
models_dir=${1:-${POSECAST_MODELS:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/posecast/models}}
peer=${POSECAST_PEER:-$repo/../shared/peer/run.sh}
golden=$repo/tests/data/golden
photo=$repo/tests/data/person.jpg

die() { echo "make-goldens: $*" >&2; exit 1; }
[[ -x $peer ]] || die "the TF.js peer is not at $peer (set POSECAST_PEER)"
command -v node >/dev/null 2>&1 || die "node is needed to run the peer"

# model, input size, input dtype (from each model's signature).
models=(
  "movenet-lightning 192 int32"
  "movenet-thunder 256 int32"
  "movenet-multipose 256 int32"
  "selfie 256 float32"
  "blazepose-detector 224 float32"
  "blazepose-full 256 float32"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The letterbox tool is built here on demand; -std=c++17 keeps OpenCV 4.6's headers warning-free.
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
g++ -O2 -std=c++17 "$repo/scripts/letterbox.cpp" $(pkg-config --cflags --libs opencv4) \
  -o "$work/letterbox"
mkdir -p "$golden"
for size in 192 224 256; do
  "$work/letterbox" "$photo" "$size" "$golden/input-$size.ppm"
done

for entry in "${models[@]}"; do
  read -r model size dtype <<<"$entry"
  json=$models_dir/$model.json
  [[ -f $json ]] || die "$json not found: run scripts/fetch-models.sh or pass MODELS_DIR"
  node "$repo/scripts/ppm-to-raw.js" "$golden/input-$size.ppm" "$dtype" "$work/$model.raw"
  # The peer sizes its input from the input node's shape, and MoveNet MultiPose declares its height
  # and width as -1 (any size): run a copy of model.json whose input node says SxS, beside links to
  # the original weight files. Only the declared shape changes, not the graph.
  mkdir -p "$work/$model"
  node -e '
    const fs = require("fs"), path = require("path");
    const [json, size, outDir] = [process.argv[1], +process.argv[2], process.argv[3]];
    const model = JSON.parse(fs.readFileSync(json));
    for (const node of model.modelTopology.node) {
      if (node.op !== "Placeholder") continue;
      const dims = node.attr.shape.shape.dim;
      dims.forEach((dim, k) => { if (+dim.size < 0) dim.size = String(k === 0 ? 1 : k === 3 ? 3 : size); });
    }
    for (const group of model.weightsManifest) {
      for (const file of group.paths) {
        fs.symlinkSync(path.resolve(path.dirname(json), file), path.join(outDir, file));
      }
    }
    fs.writeFileSync(path.join(outDir, path.basename(json)), JSON.stringify(model));
  ' "$json" "$size" "$work/$model"
  "$peer" "$work/$model/$model.json" --input "$work/$model.raw" --backend cpu \
    >"$work/$model.peer.json"
  node "$repo/scripts/golden-json.js" "$model" "input-$size.ppm" "$dtype" \
    <"$work/$model.peer.json" >"$golden/$model.json"
  echo "make-goldens: $model -> tests/data/golden/$model.json ($(wc -c <"$golden/$model.json") bytes)"
done

# BackgroundRemover::mask() end to end: a whole photo (not letterboxed; PNG, so that every machine
# decodes the same pixels) through vladmandic/human's selfie pre/post-processing in TF.js.
mask_photo=$repo/tests/data/person2.png
"$work/letterbox" "$mask_photo" 0 "$work/mask-photo.ppm"
PEER_CACHE=${PEER_CACHE:-${HOME:-/tmp}/.cache/tfjs-peer} \
  node "$repo/scripts/selfie-mask-golden.js" "$models_dir/selfie.json" "$work/mask-photo.ppm" \
  "../$(basename "$mask_photo")" >"$golden/selfie-mask.json" \
  2> >(grep -v -e '^====' -e 'running TensorFlow.js in Node' -e 'tfjs-node for more' -e '^$' >&2)
echo "make-goldens: selfie mask -> tests/data/golden/selfie-mask.json ($(wc -c <"$golden/selfie-mask.json") bytes)"

# Sanity check: MoveNet Lightning on the photo should find a person (17 rows of y, x, score).
# shellcheck disable=SC2016  # ${...} below are JavaScript template literals
node -e '
  const out = Object.values(JSON.parse(require("fs").readFileSync(process.argv[1])).outputs)[0];
  const names = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"];
  let confident = 0;
  names.forEach((name, k) => {
    const [y, x, score] = out.data.slice(3 * k, 3 * k + 3);
    if (score > 0.3) confident++;
    console.log(`  ${name.padEnd(15)} y=${y.toFixed(3)} x=${x.toFixed(3)} score=${score.toFixed(3)}`);
  });
  console.log(`make-goldens: movenet-lightning: ${confident}/17 keypoints with score > 0.3`);
  if (confident < 12) { console.error("make-goldens: that does not look like a person"); process.exit(1); }
' "$work/movenet-lightning.peer.json"
