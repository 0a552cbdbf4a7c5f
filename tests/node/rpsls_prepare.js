// How node-red-contrib-pytfjs (and so examples/node/rpsls-classify.js and the Node-RED
// nodes) prepares a picture, step by step, for the unit tests.
// Usage: node rpsls_prepare.js IMAGE OUT_PREFIX SIZE METADATA.json
// Writes OUT_PREFIX.rgb (decoded RGB), .square (uint8 SIZE x SIZE x 3) and .input
// (float32, normalised); prints {width, height} or {error}.
'use strict';
const fs = require('fs');
const { decodeImage, centerSquare, normalise } = require('../../node-red-contrib-pytfjs/lib/image');

const [image, prefix, size, metaPath] = process.argv.slice(2);
try {
  const decoded = decodeImage(fs.readFileSync(image));
  const square = centerSquare(decoded, Number(size));
  const input = normalise(square, JSON.parse(fs.readFileSync(metaPath, 'utf8')));
  fs.writeFileSync(`${prefix}.rgb`, decoded.rgb);
  fs.writeFileSync(`${prefix}.square`, square);
  fs.writeFileSync(`${prefix}.input`, Buffer.from(input.buffer));
  console.log(JSON.stringify({ width: decoded.width, height: decoded.height }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e.message || e) }));
}
