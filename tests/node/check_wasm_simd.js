#!/usr/bin/env node
/**
 * @file Checks pytfjs' WebAssembly SIMD kernels (site/js/worker/wasm_kernels.js, the .wasm
 * files build.py compiles from kernels/kernels.c) in Node with pure-JS TF.js:
 *  1. every kernel against the cpu backend on seeded random cases: negatives, ties
 *     (quarter steps), NaN / -Infinity / Infinity values and whole windows of them, odd
 *     sizes, 1-9 channels, strides 1-3, 'same' / 'valid' / numeric / explicit pads; and
 *     that the SIMD code really served them (call counts) or, for what it does not cover
 *     (NCHW, int32, other axes), that the previous kernel gave the cpu result;
 *  2. guard bytes: each kernel run in a memory of its own, both variants (the threaded one
 *     on shared memory), inputs and outputs at 8-byte (not 16-byte) aligned offsets between
 *     guard zones: no byte outside the output (and scratch) changes, every output element
 *     is written;
 *  3. loss and every weight gradient of CNNs (the course CNN, strided 'same' convs with
 *     overlapping 3x3 pools) on wasm + SIMD against cpu;
 *  4. training with the heap grown between steps gives the same losses bit for bit.
 * Exact where the maths is exact (pooling, bias add, ReLU gradient, sums accumulated in
 * double like cpu); convolution gradients within float32 summation error.
 * Usage: node tests/node/check_wasm_simd.js [kernels dir, default build/kernels]
 * Exits non-zero on any failure.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const {courseCnnLayers} = require('./course_cnn.js');

const ROOT = path.join(__dirname, '../..');
const DIR = process.argv[2] || path.join(ROOT, 'build/kernels');
let failed = false;
const fail = (msg) => { failed = true; console.log('FAIL:', msg); };

// The kernels are an ES module (no globals: it is given `tf`), imported in main(); S is
// its SIMD state (names, files, plans, calls).
const KERNELS = url.pathToFileURL(path.join(ROOT, 'site/js/worker/wasm_kernels.js'));
let K = null;
let S = null;
const readFile = (name) => fs.readFileSync(path.join(DIR, name));

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const pick = (r, a) => a[Math.floor(r() * a.length)];
const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const prod = (s) => s.reduce((a, b) => a * b, 1);

/**
 * Values in [-1, 1): with `steps`, multiples of 1/steps (ties, zeros); with `special`, that
 * share of NaN / -Infinity / Infinity, some of them in runs (whole windows of them).
 */
function values(r, shape, {steps = 0, special = 0} = {}) {
  const v = new Float32Array(prod(shape));
  for (let i = 0; i < v.length; i++) {
    v[i] = 2 * r() - 1;
    if (steps) v[i] = Math.round(v[i] * steps) / steps;
    if (special && r() < special) {
      const s = pick(r, [NaN, -Infinity, -Infinity, Infinity]);
      const run = r() < 0.3 ? int(r, 2, 12) : 1;
      for (let k = i; k < Math.min(v.length, i + run); k++) v[k] = s;
      i += run - 1;
    }
  }
  return v;
}

const PADS = ['same', 'valid', 'same', 'valid', 0, 1, 2, [[0, 0], [1, 0], [0, 2], [0, 0]]];

/** A numeric pad sizes both dims from the filter height: square filter and stride. */
function numericPad(r, attrs, key) {
  attrs[key][1] = attrs[key][0];
  attrs.strides = pick(r, [1, 2, 3]);
  attrs.dimRoundingMode = pick(r, ['floor', 'ceil', 'round']);
}

function poolCase(r, n, withDy) {
  const x = [int(r, 1, 3), int(r, 1, 13), int(r, 1, 13), pick(r, [1, 2, 3, 4, 5, 8, 9])];
  const attrs = {filterSize: [int(r, 1, 4), int(r, 1, 4)],
                 strides: pick(r, [1, 2, 3, [1, 2], [2, 1], [2, 3]]),
                 pad: PADS[n % PADS.length], dimRoundingMode: undefined};
  if (n % 5 === 4) Object.assign(attrs, {filterSize: [2, 2], strides: 2});
  if (typeof attrs.pad === 'number') numericPad(r, attrs, 'filterSize');
  let info;
  try {
    info = tf.backend_util.computePool2DInfo(x, attrs.filterSize, attrs.strides, 1, attrs.pad,
                                             attrs.dimRoundingMode);
  } catch (e) { return null; }
  if (info.outHeight < 1 || info.outWidth < 1) return null;
  const opts = {steps: n % 2 ? 4 : 0, special: n % 3 === 0 ? 0.15 : 0};
  const inputs = withDy ?
      {input: [values(r, x, opts), x], dy: [values(r, info.outShape), info.outShape]} :
      {x: [values(r, x, opts), x]};
  return {inputs, attrs};
}

function convCase(r, n, kind) {
  const B = int(r, 1, 3), ci = pick(r, [1, 2, 3, 4, 5, 8, 9]), co = pick(r, [1, 3, 4, 5, 8, 16]);
  const x = [B, int(r, 1, 12), int(r, 1, 12), ci];
  const attrs = {strides: pick(r, [1, 2, 3, [1, 2], [2, 1]]), pad: PADS[n % PADS.length],
                 dataFormat: 'NHWC', dimRoundingMode: undefined};
  if (kind === 'input' && n % 4 === 0) { // the 4-pixel tiles: stride 1, channels in eights
    x[3] = pick(r, [8, 16]);
    x[2] = int(r, 8, 14);
    attrs.strides = 1;
  }
  const f = [pick(r, [1, 2, 3, 5]), pick(r, [1, 2, 3, 4]), x[3], co];
  if (typeof attrs.pad === 'number') {
    f[1] = f[0];
    attrs.strides = pick(r, [1, 2]);
    attrs.dimRoundingMode = pick(r, ['floor', 'ceil', 'round']);
  }
  let info;
  try {
    info = tf.backend_util.computeConv2DInfo(x, f, attrs.strides, 1, attrs.pad,
                                             attrs.dimRoundingMode);
  } catch (e) { return null; }
  if (info.outHeight < 1 || info.outWidth < 1) return null;
  const special = n % 7 === 0 ? 0.02 : 0;
  const dy = info.outShape;
  if (kind === 'filter') {
    attrs.filterShape = f;
    return {inputs: {x: [values(r, x, {special}), x], dy: [values(r, dy), dy]}, attrs,
            terms: B * info.outHeight * info.outWidth};
  }
  attrs.inputShape = x;
  return {inputs: {dy: [values(r, dy, {special}), dy], filter: [values(r, f), f]}, attrs,
          terms: f[0] * f[1] * co};
}

function addCase(r, n) {
  const rank = int(r, 1, 4), shape = Array.from({length: rank}, () => int(r, 1, 7));
  const c = shape[rank - 1];
  const bShape = n % 3 === 0 ? [c] : [...Array(int(r, 0, rank - 1)).fill(1), c];
  const bias = [values(r, bShape, {special: 0.1}), bShape];
  const big = [values(r, shape, {special: 0.05}), shape];
  return {inputs: n % 2 ? {a: big, b: bias} : {a: bias, b: big}, attrs: {}};
}

function sumCase(r, n) {
  const rank = int(r, 2, 4), shape = Array.from({length: rank}, () => int(r, 1, 9));
  if (n % 4 === 0) shape[0] = 300; // long columns: double accumulation matters
  const axis = n % 3 === 0 ? [...Array(rank - 1).keys()].reverse() :
      [...Array(rank - 1).keys()];
  return {inputs: {x: [values(r, shape, {special: n % 5 === 0 ? 0.01 : 0}), shape]},
          attrs: {axis, keepDims: n % 2 === 0}};
}

function reluGradCase(r) {
  const shape = [int(r, 1, 5), int(r, 1, 17)];
  return {inputs: {dy: [values(r, shape, {special: 0.1}), shape],
                   x: [values(r, shape, {steps: 4, special: 0.1}), shape]}, attrs: {}};
}

/** name -> (rnd, n) -> case or null; `exact`: no rounding difference allowed. */
const CASES = {
  MaxPool: {make: (r, n) => poolCase(r, n, false), exact: true},
  MaxPoolGrad: {make: (r, n) => poolCase(r, n, true), exact: true},
  Conv2DBackpropFilter: {make: (r, n) => convCase(r, n, 'filter')},
  Conv2DBackpropInput: {make: (r, n) => convCase(r, n, 'input')},
  Add: {make: addCase, exact: true},
  Sum: {make: sumCase, exact: true},
  PytfjsReluGrad: {make: reluGradCase, exact: true},
};
const N_CASES = 60;

function cases(name) {
  const r = lcg(4321 + name.length * 17), out = [];
  for (let n = 0; out.length < N_CASES; n++) {
    const c = CASES[name].make(r, n);
    if (c) out.push(c);
  }
  return out;
}

/** The kernel on the active backend (cpu has no PytfjsReluGrad: TF.js's formula). */
function runKernel(name, c) {
  return tf.tidy(() => {
    const t = {};
    for (const [k, [v, s]] of Object.entries(c.inputs)) t[k] = tf.tensor(v, s);
    let out;
    if (name === 'PytfjsReluGrad' && tf.getBackend() === 'cpu') {
      out = tf.mul(t.dy, tf.cast(tf.step(t.x), 'float32'));
    } else {
      out = tf.engine().runKernel(name, t, c.attrs);
    }
    return {shape: out.shape, values: out.dataSync().slice()};
  });
}

/** Largest difference beyond what is allowed (0 = equal): NaN matches NaN only, +-Inf match
 * exactly, finite values within `tol`. */
function excess(got, ref, tol) {
  if (got.length !== ref.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = got[i], b = ref[i];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return Infinity;
      continue;
    }
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (a !== b) return Infinity;
      continue;
    }
    if (Object.is(a, -0) !== Object.is(b, -0) && tol === 0 && a === 0) return Infinity;
    worst = Math.max(worst, Math.abs(a - b) - tol);
  }
  return Math.max(0, worst);
}

/** 1. Kernels against cpu; returns nothing, fails on a difference. */
async function kernelsVsCpu() {
  for (const name of S.names) {
    const list = cases(name);
    await tf.setBackend('cpu');
    const refs = list.map((c) => runKernel(name, c));
    await tf.setBackend('wasm');
    const before = S.calls[name] || 0;
    let worst = 0;
    list.forEach((c, i) => {
      const got = runKernel(name, c);
      if (got.shape.join() !== refs[i].shape.join()) {
        fail(`${name} case ${i}: shape ${got.shape} != ${refs[i].shape}`);
        return;
      }
      // float32 summation error bound for the convolutions: terms x 2^-22 (|values| < 1)
      const tol = CASES[name].exact ? 0 : c.terms * 2.4e-7;
      const e = excess(got.values, refs[i].values, tol);
      if (e > 0) fail(`${name} case ${i} ${JSON.stringify(c.attrs)}: off by ${e}`);
      worst = Math.max(worst, e);
    });
    const served = (S.calls[name] || 0) - before;
    console.log(`${name}: ${list.length} cases, ${served} by SIMD, max excess ${worst}`);
    if (served < list.length * 0.8) fail(`${name}: SIMD served only ${served} cases`);
  }
  // What the SIMD kernels do not cover goes to the previous kernel, with cpu's result.
  const others = [
    ['Sum', {x: [values(lcg(1), [4, 5, 6]), [4, 5, 6]]}, {axis: [1, 2], keepDims: false}],
    ['Add', {a: [values(lcg(2), [3, 4]), [3, 4]], b: [values(lcg(3), [3, 1]), [3, 1]]}, {}],
    ['Conv2DBackpropFilter', {x: [values(lcg(4), [2, 3, 7, 7]), [2, 3, 7, 7]],
                              dy: [values(lcg(5), [2, 4, 5, 5]), [2, 4, 5, 5]]},
     {strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4]}],
  ];
  for (const [name, inputs, attrs] of others) {
    await tf.setBackend('cpu');
    const ref = runKernel(name, {inputs, attrs});
    await tf.setBackend('wasm');
    const before = S.calls[name] || 0;
    const got = runKernel(name, {inputs, attrs});
    if ((S.calls[name] || 0) !== before) fail(`${name} ${JSON.stringify(attrs)} ran SIMD`);
    if (excess(got.values, ref.values, 1e-5) > 0) fail(`${name} fallback differs from cpu`);
  }
}

/** 2. Guard bytes: each plan run by the raw module in a memory of its own. */
async function guardBytes() {
  const GUARD = 72; // bytes, a multiple of 8 but not of 16: buffers are 8-byte aligned only
  for (const [file, shared] of [[S.files.single, false], [S.files.threaded, true]]) {
    const memory = new WebAssembly.Memory({initial: 64, maximum: 65536, shared});
    const {instance} = await WebAssembly.instantiate(readFile(file), {env: {memory}});
    const k = instance.exports;
    let checked = 0;
    for (const name of S.names) {
      const list = cases(name).slice(0, 25);
      await tf.setBackend('wasm');
      const want = list.map((c) => runKernel(name, c));
      list.forEach((c, i) => {
        const tensors = {};
        for (const [key, [v, s]] of Object.entries(c.inputs)) {
          tensors[key] = {shape: s, dtype: 'float32', size: v.length, values: v};
        }
        const plan = S.plans[name](tf, tensors, c.attrs);
        if (!plan) return;
        const bufs = Object.entries(tensors).map(([key, t]) => [key, t.size * 4, t.values]);
        bufs.push(['out', prod(plan.outShape) * 4, null]);
        if (plan.scratch) bufs.push(['scratch', prod(plan.scratch[0]) * 4, null]);
        const total = bufs.reduce((a, b) => a + b[1] + GUARD, GUARD);
        const needed = Math.ceil((total + 8) / 65536) - memory.buffer.byteLength / 65536;
        if (needed > 0) memory.grow(needed);
        const bytes = new Uint8Array(memory.buffer);
        bytes.fill(0xA5, 0, total + 8);
        const offsets = {};
        let at = 8 + GUARD;
        for (const [key, size, v] of bufs) {
          offsets[key] = at;
          if (v) new Float32Array(memory.buffer, at, v.length).set(v);
          else bytes.fill(0x5A, at, at + size); // an unwritten output element shows
          at += size + GUARD;
        }
        const before = bytes.slice(0, total + 8);
        k[plan.fn](...plan.args(offsets));
        const after = new Uint8Array(memory.buffer).slice(0, total + 8);
        const writable = [['out'], ['scratch']].map(([key]) => bufs.find((b) => b[0] === key))
            .filter(Boolean).map(([key, size]) => [offsets[key], offsets[key] + size]);
        for (let b = 0; b < after.length; b++) {
          if (after[b] !== before[b] && !writable.some(([lo, hi]) => b >= lo && b < hi)) {
            fail(`${file} ${name} case ${i}: byte ${b} outside the output changed`);
            break;
          }
        }
        const out = new Float32Array(memory.buffer, offsets.out, prod(plan.outShape));
        if (excess(out, want[i].values, 0) > 0) {
          fail(`${file} ${name} case ${i}: raw result differs from the backend's`);
        }
        checked++;
      });
    }
    console.log(`guard bytes ${file}: ${checked} runs`);
    if (checked < 100) fail(`guard bytes ${file}: only ${checked} runs`);
  }
}

function randData(n, seed, lo = -1, hi = 1) {
  const r = lcg(seed), v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return v;
}

const MODELS = {
  course: () => courseCnnLayers(tf),
  strided: () => [
    tf.layers.conv2d({filters: 6, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu',
                      inputShape: [28, 28, 1]}),
    tf.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'same'}),
    tf.layers.conv2d({filters: 5, kernelSize: [3, 2], padding: 'same', activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: [3, 3], strides: 1}),
    tf.layers.flatten(),
    tf.layers.dense({units: 10, activation: 'softmax'})],
};

function build(key, n, weights) {
  const model = tf.sequential({layers: MODELS[key]()});
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
  if (weights) {
    const ts = weights.map(([v, s]) => tf.tensor(v, s));
    model.setWeights(ts);
    tf.dispose(ts);
  }
  const x = tf.tensor(randData(n * 784, 1, 0, 1), [n, 28, 28, 1]);
  const labels = Array.from(randData(n, 2, 0, 10), Math.floor);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
  return {model, x, y};
}

function seededWeights(key) {
  const model = tf.sequential({layers: MODELS[key]()});
  const w = model.getWeights().map((t, i) => {
    const s = t.shape;
    if (s.length === 1) return [new Float32Array(s[0]), s];
    const field = s.slice(0, -2).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / ((s[s.length - 2] + s[s.length - 1]) * field));
    return [randData(prod(s), 100 + i, -limit, limit), s];
  });
  model.dispose();
  return w;
}

/** 3. Loss and weight gradients, wasm + SIMD against cpu (relative to the largest value). */
async function modelGradients() {
  for (const key of Object.keys(MODELS)) {
    const weights = seededWeights(key), res = {};
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const {model, x, y} = build(key, 32, weights);
      res[backend] = tf.tidy(() => {
        const vars = model.trainableWeights.map((w) => w.val);
        const {value, grads} = tf.variableGrads(
            () => tf.metrics.categoricalCrossentropy(y, model.apply(x, {training: true})).mean(),
            vars);
        return [value.dataSync(), ...vars.map((v) => grads[v.name].dataSync())];
      });
      tf.dispose([x, y]); model.optimizer.dispose(); model.dispose();
    }
    const err = Math.max(...res.cpu.map((v, i) => {
      let e = 0, m = 1e-3;
      for (let j = 0; j < v.length; j++) {
        e = Math.max(e, Math.abs(v[j] - res.wasm[i][j]));
        m = Math.max(m, Math.abs(v[j]));
      }
      return v.length === res.wasm[i].length ? e / m : Infinity;
    }));
    console.log(`model ${key}: loss + gradients wasm+SIMD vs cpu, relative error ${err}`);
    if (!(err <= 1e-4)) fail(`model ${key} gradients differ from cpu: ${err}`);
  }
}

/** 4. The heap growing between training steps changes nothing. */
async function heapGrowth() {
  await tf.setBackend('wasm');
  const weights = seededWeights('course');
  const train = async (grow) => {
    const {model, x, y} = build('course', 128, weights);
    const memory = tf.backend().wasm.asm.memory;
    const size0 = memory.buffer.byteLength;
    const h = await model.fit(x, y, {batchSize: 32, epochs: 2, shuffle: false, verbose: 0,
      callbacks: {onBatchEnd: async () => {
        // a tensor bigger than the free heap: the next allocation has to grow it
        if (grow && memory.buffer.byteLength === size0) {
          tf.dispose(tf.zeros([size0 / 4 + 1024 * 1024]));
        }
      }}});
    tf.dispose([x, y]); model.optimizer.dispose(); model.dispose();
    return {loss: h.history.loss, grew: memory.buffer.byteLength - size0};
  };
  const plain = await train(false);
  const grown = await train(true);
  console.log('heap growth: losses', JSON.stringify(plain.loss), JSON.stringify(grown.loss),
              'grew by', grown.grew, 'bytes');
  if (!(grown.grew > 0)) fail('the heap did not grow during the check');
  if (plain.loss.join() !== grown.loss.join()) fail('losses changed when the heap grew');
}

async function main() {
  K = await import(KERNELS.href);
  S = K.simd;
  console.log('register ->', JSON.stringify(K.register(tf)), 'again ->',
              JSON.stringify(K.register(tf)));
  console.log('chains', JSON.stringify(K.chains));
  await tf.setBackend('wasm');
  console.log('loaded', await K.load(tf, readFile));
  for (const stage of [kernelsVsCpu, guardBytes, modelGradients]) {
    await tf.setBackend('wasm');
    const n0 = tf.memory().numTensors;
    await stage();
    await tf.setBackend('wasm');
    const leaked = tf.memory().numTensors - n0;
    if (leaked) fail(`${stage.name}: ${leaked} tensors leaked`);
  }
  await heapGrowth();
  console.log('calls', JSON.stringify(S.calls));
  console.log(failed ? 'FAILED' : 'OK');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
