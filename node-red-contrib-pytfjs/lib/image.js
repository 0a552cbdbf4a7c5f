/**
 * Pictures in, the model's input out: decode a PNG or JPEG, then prepare it exactly as the
 * pytfjs page does (metadata.json of an rpsls export: the centre square of the short side
 * resized to input_size by averaging whole-pixel bins, numpy's round-half-even, then
 * float32 (pixel / scale - mean) / std per RGB channel). The unit tests compare every step
 * with numpy bit for bit, so a model gives the same answer here as in the browser.
 *
 * Decoding uses kept libraries (pngjs, jpeg-js: pure JavaScript); alpha is dropped, so
 * transparent pixels keep their stored colour, as in the page.
 */
'use strict';
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
// The page's photo limits (py/pytfjs/limits.py IMAGE_MAX_PIXELS, IMAGE_MAX_SIDE), checked
// from the header before a decoder allocates anything.
const MAX_MEGAPIXELS = 100;
const MAX_SIDE = 32767;

/** {width, height} a PNG's IHDR declares (bytes 16-24), or null if there is no IHDR. */
function pngDeclaredSize(data) {
  if (data.length < 24 || data.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/** Refuse a picture whose declared size is empty or over the limits, before decoding. */
function checkDeclaredSize(kind, size) {
  if (!size) return;
  const { width, height } = size;
  if (!width || !height) {
    throw new Error(`this ${kind.toUpperCase()} picture's header has no size (${width}x${height}): `
      + 'the file is damaged');
  }
  if (width * height > MAX_MEGAPIXELS * 1e6 || Math.max(width, height) > MAX_SIDE) {
    throw new Error(`this ${kind.toUpperCase()} picture claims ${width}x${height} pixels; pictures up `
      + `to ${MAX_MEGAPIXELS} megapixels (${MAX_SIDE} on a side) are read: send a smaller picture`);
  }
}

/** 'png' | 'jpeg' | null from the first bytes. */
function sniff(bytes) {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** RGBA (4 bytes a pixel) -> RGB. */
function dropAlpha(rgba, width, height) {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0, s = 0, d = 0; p < width * height; p += 1, s += 4, d += 3) {
    rgb[d] = rgba[s];
    rgb[d + 1] = rgba[s + 1];
    rgb[d + 2] = rgba[s + 2];
  }
  return rgb;
}

/** {width, height, rgb: Uint8Array(width * height * 3)} from PNG or JPEG bytes. */
function decodeImage(bytes) {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`expected a PNG or JPEG picture as a Buffer, got ${describeValue(bytes)}`);
  }
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = sniff(data);
  if (!kind) {
    throw new Error(`not a PNG or JPEG picture (the ${data.length} bytes start with `
      + `${JSON.stringify(data.subarray(0, 8).toString('latin1'))}): send the file's bytes `
      + '(a file-in node in "a single Buffer object" mode, or an HTTP upload)');
  }
  if (kind === 'png') checkDeclaredSize(kind, pngDeclaredSize(data));
  let width;
  let height;
  let rgba;
  try {
    if (kind === 'png') {
      const png = PNG.sync.read(data);
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const img = jpeg.decode(data, { useTArray: true, formatAsRGBA: true,
        maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
      ({ width, height } = img);
      rgba = img.data;
    }
  } catch (err) {
    throw new Error(`this ${kind.toUpperCase()} picture cannot be decoded `
      + `(${String(err.message || err)}): the file is damaged or in a variant not supported`, { cause: err });
  }
  if (!width || !height) throw new Error(`this ${kind.toUpperCase()} picture has no pixels`);
  return { width, height, rgb: dropAlpha(rgba, width, height) };
}

/** A short description of a value for error messages. */
function describeValue(v) {
  if (v === null || v === undefined) return String(v);
  if (Buffer.isBuffer(v)) return `a Buffer of ${v.length} bytes`;
  if (Array.isArray(v)) return `an array of ${v.length} values`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.length} values`;
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

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
  const outW = axis === 0 ? w : size;
  const outH = axis === 0 ? size : h;
  const out = new Uint8Array(outH * outW * 3);
  const other = axis === 0 ? w : h;
  const at = (r, c, k) => src[(r * w + c) * 3 + k];
  for (let i = 0; i < size; i += 1) {
    let from;
    let to;
    if (n >= size) {
      from = Math.floor((i * n) / size);
      to = i + 1 < size ? Math.floor(((i + 1) * n) / size) : n;
    } else { // enlarging: the nearest source pixel
      from = Math.floor(((i * 2 + 1) * n) / (2 * size));
      to = from + 1;
    }
    const count = to - from;
    for (let j = 0; j < other; j += 1) {
      const r = axis === 0 ? i : j;
      const c = axis === 0 ? j : i;
      for (let k = 0; k < 3; k += 1) {
        let sum = 0;
        for (let t = from; t < to; t += 1) sum += axis === 0 ? at(t, j, k) : at(j, t, k);
        out[(r * outW + c) * 3 + k] = rint(sum / count);
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
    const start = ((top + y) * width + left) * 3;
    square.set(rgb.subarray(start, start + side * 3), y * side * 3);
  }
  return resizeAxis(resizeAxis(square, side, side, 0, size), size, side, 1, size);
}

/** float32 (pixel / scale - mean) / std per channel, rounded to float32 at each step. */
function normalise(square, meta) {
  const f = Math.fround;
  const mean = meta.mean.map(f);
  const std = meta.std.map(f);
  const scale = meta.scale === undefined ? 255 : meta.scale;
  const out = new Float32Array(square.length);
  for (let i = 0; i < square.length; i += 1) {
    const k = i % 3;
    out[i] = f(f(f(square[i] / scale) - mean[k]) / std[k]);
  }
  return out;
}

/** Check an rpsls-style metadata.json; returns it, or throws naming the missing field. */
function checkImageMeta(meta, where) {
  const need = [['labels', Array.isArray(meta.labels) && meta.labels.length > 0],
    ['input_size', Number.isInteger(meta.input_size) && meta.input_size > 0],
    ['mean', Array.isArray(meta.mean) && meta.mean.length === 3],
    ['std', Array.isArray(meta.std) && meta.std.length === 3 && meta.std.every((s) => s > 0)]];
  const bad = need.filter(([, ok]) => !ok).map(([name]) => name);
  if (bad.length) {
    throw new Error(`${where} has no valid ${bad.join(', ')}: export the model again from the lab`);
  }
  return meta;
}

/** Picture bytes -> float32 input [size * size * 3] for an image model with ``meta``. */
function imageInput(bytes, meta) {
  return normalise(centerSquare(decodeImage(bytes), meta.input_size), meta);
}

module.exports = {
  decodeImage, centerSquare, normalise, imageInput, checkImageMeta, sniff, describeValue,
};
