#!/usr/bin/env node
/**
 * Classify a PNG with a model exported by the "Rock, paper, scissors, lizard, Spock" lab.
 *
 *   unzip rpsls-model.zip -d rpsls-model
 *   node examples/node/rpsls-classify.js rpsls-model photo.png
 *
 * Prints {"class", "probability", "probabilities": {label: p}} as JSON. Needs only
 * @tensorflow/tfjs (pure JavaScript, no native build), as installed by this project's
 * `npm ci`, and Node.js' own zlib: the PNG is decoded here, then prepared exactly as the
 * page prepares a picture (metadata.json: the centre square resized to 224x224 by
 * averaging whole-pixel bins, RGB / 255, minus mean, over std, in float32).
 *
 * As a module (Node-RED, your own code):
 *   const rpsls = require('./rpsls-classify.js');
 *   const classifier = await rpsls.load('rpsls-model');
 *   const result = await classifier.classifyPng(fs.readFileSync('photo.png'));
 */
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const tf = require('@tensorflow/tfjs');

// ------------------------------------------------------------------ PNG (8-bit)

// The page's photo limit (py/pytfjs/limits.py IMAGE_MAX_PIXELS / IMAGE_MAX_SIDE), checked
// from the header before anything is inflated.
const MAX_PIXELS = 100000000;
const MAX_SIDE = 32767;

/** {width, height, rgb: Uint8Array of width * height * 3} from PNG bytes. */
function decodePng(bytes) {
  const data = Buffer.from(bytes);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (data.length < 8 || signature.some((b, i) => data[i] !== b)) {
    throw new Error('not a PNG file (save the picture as PNG)');
  }
  let pos = 8;
  let header = null;
  let palette = null;
  const idat = [];
  while (pos + 8 <= data.length) {
    const length = data.readUInt32BE(pos);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const body = data.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8],
        colour: body[9], interlace: body[12] };
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + length;
  }
  if (!header) throw new Error('this PNG has no header (IHDR): the file is damaged');
  const { width, height, depth, colour, interlace } = header;
  if (!width || !height) throw new Error('this PNG header has no size: the file is damaged');
  if (width * height > MAX_PIXELS || Math.max(width, height) > MAX_SIDE) {
    throw new Error(`this PNG says it is ${width}x${height} pixels; pictures up to ` +
      `${MAX_PIXELS / 1e6} megapixels and ${MAX_SIDE} pixels on a side are read: scale it down`);
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour];
  if (!channels) throw new Error(`PNG colour type ${colour} is not valid`);
  if (depth !== 8) throw new Error(`only 8-bit PNGs are read here, this one has ${depth}-bit samples`);
  if (interlace) throw new Error('interlaced PNGs are not read here: save it without interlacing');
  if (colour === 3 && !palette) throw new Error('this palette PNG has no palette: the file is damaged');
  const stride = width * channels;
  // never inflate more than the header's image needs (a small file may unpack to gigabytes)
  let raw;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: height * (stride + 1) });
  } catch (e) {
    throw new Error(`the PNG image data is damaged or larger than its header says (${e.code || e.message})`);
  }
  if (raw.length < height * (stride + 1)) throw new Error('the PNG image data is truncated');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let i = 0; i < stride; i += 1) {
      const a = i >= channels ? pixels[out + i - channels] : 0;
      const b = y > 0 ? pixels[out - stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[out - stride + i - channels] : 0;
      let predicted;
      if (filter === 0) predicted = 0;
      else if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
      } else throw new Error(`bad PNG filter ${filter} in row ${y}: the file is damaged`);
      pixels[out + i] = (line[i] + predicted) & 255;
    }
  }
  // alpha is dropped: transparent pixels keep their stored colour, as in the page
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p += 1) {
    const s = p * channels;
    if (colour === 3) {
      const index = pixels[s];
      rgb.set(palette.subarray(index * 3, index * 3 + 3), p * 3);
    } else if (channels <= 2) {
      rgb.fill(pixels[s], p * 3, p * 3 + 3);
    } else {
      rgb.set(pixels.subarray(s, s + 3), p * 3);
    }
  }
  return { width, height, rgb };
}

// ------------------------------------------------------------------ the page's preparation

/** numpy's rint: halves go to the even neighbour. */
function rint(v) {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Resize one axis like pytfjs.data.images.resize_area (bins with integer edges). */
function resizeAxis(src, h, w, axis, size) {
  const n = axis === 0 ? h : w;
  const outH = axis === 0 ? size : h;
  const outW = axis === 0 ? w : size;
  const out = new Uint8Array(outH * outW * 3);
  const at = (r, c, k) => src[(r * w + c) * 3 + k];
  if (n >= size) {
    const starts = Array.from({ length: size }, (_, i) => Math.floor((i * n) / size));
    for (let i = 0; i < size; i += 1) {
      const from = starts[i];
      const to = i + 1 < size ? starts[i + 1] : n;
      const count = to - from;
      const other = axis === 0 ? w : h;
      for (let j = 0; j < other; j += 1) {
        for (let k = 0; k < 3; k += 1) {
          let sum = 0;
          for (let t = from; t < to; t += 1) sum += axis === 0 ? at(t, j, k) : at(j, t, k);
          const r = axis === 0 ? i : j;
          const c = axis === 0 ? j : i;
          out[(r * outW + c) * 3 + k] = rint(sum / count);
        }
      }
    }
  } else {
    const other = axis === 0 ? w : h;
    for (let i = 0; i < size; i += 1) {
      const from = Math.floor(((i * 2 + 1) * n) / (2 * size));
      for (let j = 0; j < other; j += 1) {
        for (let k = 0; k < 3; k += 1) {
          const r = axis === 0 ? i : j;
          const c = axis === 0 ? j : i;
          out[(r * outW + c) * 3 + k] = axis === 0 ? at(from, j, k) : at(j, from, k);
        }
      }
    }
  }
  return out;
}

/** The centred square of the short side, resized to size x size (uint8 RGB). */
function centerSquare({ width, height, rgb }, size) {
  const side = Math.min(width, height);
  const top = Math.floor((height - side) / 2);
  const left = Math.floor((width - side) / 2);
  const square = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y += 1) {
    square.set(rgb.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + side) * 3), y * side * 3);
  }
  return resizeAxis(resizeAxis(square, side, side, 0, size), size, side, 1, size);
}

/** float32 (pixel / scale - mean) / std per channel, rounded to float32 at each step. */
function normalise(square, meta) {
  const f = Math.fround;
  const mean = meta.mean.map(f);
  const std = meta.std.map(f);
  const out = new Float32Array(square.length);
  for (let i = 0; i < square.length; i += 1) {
    const k = i % 3;
    out[i] = f(f(f(square[i] / meta.scale) - mean[k]) / std[k]);
  }
  return out;
}

// ------------------------------------------------------------------ the model

/** Load model.json + weights + metadata.json from a folder (no file-system IO handler). */
async function load(dir) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const specs = [];
  const buffers = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData,
  }));
  const size = meta.input_size;

  /** Classify decoded RGB pixels {width, height, rgb}. */
  async function classifyPixels(image) {
    const x = tf.tensor4d(normalise(centerSquare(image, size), meta), [1, size, size, 3]);
    const y = model.predict(x);
    const p = Array.from(await y.data());
    tf.dispose([x, y]);
    const best = p.indexOf(Math.max(...p));
    return {
      class: meta.labels[best],
      probability: p[best],
      probabilities: Object.fromEntries(meta.labels.map((label, i) => [label, p[i]])),
    };
  }

  return {
    meta,
    model,
    classifyPixels,
    classifyPng: (bytes) => classifyPixels(decodePng(bytes)),
    dispose: () => model.dispose(),
  };
}

async function main() {
  const [dir, image] = process.argv.slice(2);
  if (!dir || !image) {
    console.error('usage: node rpsls-classify.js MODEL_FOLDER IMAGE.png');
    process.exit(2);
  }
  const classifier = await load(dir);
  const result = await classifier.classifyPng(fs.readFileSync(image));
  classifier.dispose();
  console.log(JSON.stringify(result));
}

module.exports = { load, decodePng, centerSquare, normalise };

if (require.main === module) {
  main().catch((err) => { console.error(String(err.message || err)); process.exit(1); });
}
