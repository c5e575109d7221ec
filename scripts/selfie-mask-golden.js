#!/usr/bin/env node
// The person mask of a whole photo as vladmandic/human's selfie segmentation computes it, in the
// official TF.js runtime (CPU backend): the RGB image stretched to the model's input with
// tf.image.resizeBilinear(..., alignCorners=false), divided by 255, the model executed, the
// [1,H,W,1] output squeezed and resized back to the photo the same way. Written as a golden file for
// tests/segment/background_test.cpp, which checks BackgroundRemover::mask() against it.
// Uses the TF.js packages the peer (../shared/peer/run.sh) installed in its cache; run that once.
//   node scripts/selfie-mask-golden.js MODEL.json PHOTO.ppm INPUT_NAME > golden.json
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readPpm } = require('./ppm-to-raw.js');

const kMaxValues = 8192;  // as scripts/golden-json.js: larger outputs are thinned to every K-th value

const peerCache = process.env.PEER_CACHE || path.join(os.homedir(), '.cache', 'tfjs-peer');
const modules = path.join(peerCache, 'node_modules');
const tf = require(path.join(modules, '@tensorflow/tfjs-core'));
require(path.join(modules, '@tensorflow/tfjs-backend-cpu'));
const tfconv = require(path.join(modules, '@tensorflow/tfjs-converter'));
const tfVersion = require(path.join(modules, '@tensorflow/tfjs-core/package.json')).version;

function loadModel(modelJson) {
  const j = JSON.parse(fs.readFileSync(modelJson));
  const dir = path.dirname(modelJson);
  const weightSpecs = [];
  const buffers = [];
  for (const group of j.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const weights = Buffer.concat(buffers);
  return tfconv.loadGraphModel(tf.io.fromMemory({
    modelTopology: j.modelTopology, weightSpecs, format: j.format, generatedBy: j.generatedBy,
    convertedBy: j.convertedBy, signature: j.signature,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

async function main() {
  const [modelJson, photo, inputName] = process.argv.slice(2);
  if (!inputName) {
    console.error('usage: selfie-mask-golden.js MODEL.json PHOTO.ppm INPUT_NAME');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const model = await loadModel(modelJson);
  const { width, height, pixels } = readPpm(photo);
  const [, inH, inW] = model.inputs[0].shape;
  const mask = tf.tidy(() => {
    const image = tf.tensor(Float32Array.from(pixels), [1, height, width, 3], 'float32');
    const resized = tf.image.resizeBilinear(image, [inH, inW], false);
    const out = model.execute(tf.div(resized, 255));
    return tf.image.resizeBilinear(tf.squeeze(out, [0]), [height, width]);
  });
  const data = mask.dataSync();
  const stride = Math.ceil(data.length / kMaxValues);
  const kept = [];
  for (let i = 0; i < data.length; i += stride) {
    if (!Number.isFinite(data[i])) throw new Error(`mask[${i}] is ${data[i]}`);
    kept.push(Number(data[i].toPrecision(7)));
  }
  process.stdout.write(
      `{"model": "selfie", "input": ${JSON.stringify(inputName)}, "width": ${width}, "height": ${height},\n` +
      ` "reference": "vladmandic/human selfie pre/post-processing in TF.js ${tfVersion}, cpu backend; ` +
      `scripts/selfie-mask-golden.js via scripts/make-goldens.sh",\n` +
      ` "mask": {"shape": ${JSON.stringify(mask.shape)}, "stride": ${stride},\n` +
      `  "data": ${JSON.stringify(kept)}}}\n`);
}

main().catch((e) => {
  console.error(`selfie-mask-golden: ${e.message}`);
  process.exit(1);
});
