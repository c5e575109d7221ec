#!/usr/bin/env node
// Turns the TF.js peer's output (tfjs_run.js JSON on stdin) into a golden file for the engine tests:
// outputs in the model's signature order, values rounded to 7 significant digits, and outputs larger
// than 8192 values thinned to every K-th value (K = ceil(n / 8192), recorded as "stride").
//   node scripts/golden-json.js MODEL INPUT_PPM int32|float32 < peer.json > golden.json
'use strict';
const fs = require('fs');

const kMaxValues = 8192;

function main() {
  const [model, input, dtype] = process.argv.slice(2);
  if (!dtype) {
    console.error('usage: golden-json.js MODEL INPUT_PPM int32|float32 < peer.json');
    process.exit(2);
  }
  const peer = JSON.parse(fs.readFileSync(0, 'utf8'));
  const lines = [];
  for (const [name, { shape, data }] of Object.entries(peer.outputs)) {
    const stride = Math.ceil(data.length / kMaxValues);
    const kept = [];
    for (let i = 0; i < data.length; i += stride) {
      if (!Number.isFinite(data[i])) throw new Error(`${model}: output ${name}[${i}] is ${data[i]}`);
      kept.push(Number(data[i].toPrecision(7)));
    }
    lines.push(`  {"name": ${JSON.stringify(name)}, "shape": ${JSON.stringify(shape)}, "stride": ${stride},\n` +
               `   "data": ${JSON.stringify(kept)}}`);
  }
  // One output per line pair keeps the file diffable without a line per number.
  process.stdout.write(`{"model": ${JSON.stringify(model)}, "input": ${JSON.stringify(input)},\n` +
                       ` "input_dtype": ${JSON.stringify(dtype)}, "input_scale": ${dtype === 'int32' ? 1 : 255},\n` +
                       ` "reference": "TF.js ${peer.backend} backend via shared/peer/run.sh; scripts/make-goldens.sh",\n` +
                       ` "outputs": [\n${lines.join(',\n')}\n ]}\n`);
}

try {
  main();
} catch (e) {
  console.error(`golden-json: ${e.message}`);
  process.exit(1);
}
