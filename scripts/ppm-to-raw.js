#!/usr/bin/env node
// Converts a binary PPM (P6, 8-bit RGB) into the raw input tensor the TF.js peer reads: NHWC,
// batch 1, RGB, little-endian; int32 = pixel value 0..255, float32 = pixel / 255.
//   node scripts/ppm-to-raw.js IN.ppm int32|float32 OUT.raw
'use strict';
const fs = require('fs');

function readPpm(file) {
  const bytes = fs.readFileSync(file);
  // Header: "P6", width, height, maxval, separated by whitespace; '#' starts a comment line.
  const fields = [];
  let pos = 0;
  while (fields.length < 4) {
    while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    if (bytes[pos] === 0x23) {
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
      continue;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    if (start === pos) throw new Error(`${file}: truncated PPM header`);
    fields.push(bytes.toString('latin1', start, pos));
  }
  pos++;  // the single whitespace byte after maxval
  const [magic, width, height, maxval] = [fields[0], +fields[1], +fields[2], +fields[3]];
  if (magic !== 'P6' || maxval !== 255 || !(width > 0) || !(height > 0)) {
    throw new Error(`${file}: not an 8-bit binary PPM (header ${fields.join(' ')})`);
  }
  const pixels = bytes.subarray(pos, pos + width * height * 3);
  if (pixels.length !== width * height * 3) throw new Error(`${file}: pixel data is truncated`);
  return { width, height, pixels };
}

function main() {
  const [input, dtype, output] = process.argv.slice(2);
  if (!output || !['int32', 'float32'].includes(dtype)) {
    console.error('usage: ppm-to-raw.js IN.ppm int32|float32 OUT.raw');
    process.exit(2);
  }
  const { pixels } = readPpm(input);
  const values = dtype === 'int32' ? Int32Array.from(pixels) : Float32Array.from(pixels, (v) => v / 255);
  // Typed arrays use the host's byte order; every machine this runs on is little-endian.
  fs.writeFileSync(output, Buffer.from(values.buffer));
}

module.exports = { readPpm };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`ppm-to-raw: ${e.message}`);
    process.exit(1);
  }
}
