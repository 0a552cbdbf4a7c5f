#!/usr/bin/env node
/**
 * @file Verifies site/js/worker/wasm_kernels.js in Node with pure-JS tfjs (no tfjs-node):
 *  1. lists kernels the course models run (recorded on cpu) that 'wasm' lacks,
 *  2. register() + check(): wasm vs cpu kernel errors,
 *  3. forward + gradients of conv / pooling ops (abs error), and loss + all
 *     weight gradients of every course model (relative error, tol 1e-4),
 *     on wasm vs cpu,
 *  4. model (d) trained 2 epochs from identical weights on wasm and on cpu,
 *  5. every course model fits on wasm,
 *  6. time per epoch of model (d), 2048 samples, batch 512 (skip: --no-timing).
 * Exits non-zero if a kernel / op error > 1e-5, a model error > 1e-4, a loss
 * difference > 1e-5, a leak, or anything fails.
 * Usage: node tests/node/check_wasm_kernels.js [--no-timing]
 */
'use strict';
const path = require('path');
const url = require('url');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const {courseCnnLayers} = require('./course_cnn.js');

const TOL = 1e-5;
let failed = false;
const fail = (msg) => { failed = true; console.log('FAIL:', msg); };

// The kernels are an ES module (no globals: it is given `tf`), imported in main().
const KERNELS = url.pathToFileURL(path.join(__dirname, '../../site/js/worker/wasm_kernels.js'));
let K = null;

/** Deterministic data (LCG) so both backends see identical inputs. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
function randData(n, seed, lo = -1, hi = 1) {
  const r = lcg(seed), v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return v;
}
function maxAbsDiff(a, b) {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return a.length === b.length ? e : Infinity;
}

/** The course models; (e) uses 'same' pads, strides 2, batchnorm, avg pool. */
const MODELS = {
  a: () => [[3], 1, 'sgd', 'meanSquaredError', [tf.layers.dense({units: 1, inputShape: [3]})]],
  b: () => [[4], 3, 'adam', 'categoricalCrossentropy', [
    tf.layers.dense({units: 5, activation: 'sigmoid', inputShape: [4]}),
    tf.layers.dense({units: 3, activation: 'softmax'})]],
  c: () => [[8], 1, 'rmsprop', 'binaryCrossentropy', [
    tf.layers.dense({units: 16, activation: 'relu', inputShape: [8]}),
    tf.layers.dropout({rate: 0.3}),
    tf.layers.dense({units: 1, activation: 'sigmoid'})]],
  d: () => [[28, 28, 1], 10, 'adam', 'categoricalCrossentropy', courseCnnLayers(tf)],
  e: () => [[28, 28, 1], 10, 'adam', 'categoricalCrossentropy', [
    tf.layers.conv2d({filters: 8, kernelSize: 3, strides: 2, padding: 'same',
                      activation: 'relu', inputShape: [28, 28, 1]}),
    tf.layers.batchNormalization(),
    tf.layers.averagePooling2d({poolSize: 2, padding: 'same'}),
    tf.layers.conv2d({filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu'}),
    tf.layers.batchNormalization(),
    tf.layers.averagePooling2d({poolSize: 2}),
    tf.layers.flatten(),
    tf.layers.dense({units: 128, activation: 'relu'}),
    tf.layers.dropout({rate: 0.2}),
    tf.layers.dense({units: 10, activation: 'softmax'})]],
  f: () => [[1280], 5, 'adam', 'categoricalCrossentropy', [
    tf.layers.dense({units: 100, activation: 'relu', inputShape: [1280]}),
    tf.layers.dense({units: 5, activation: 'softmax'})]],
};

/** Builds a compiled model plus deterministic data (n samples) for it. */
function build(key, n) {
  const [inShape, classes, optimizer, loss, layers] = MODELS[key]();
  const model = tf.sequential({layers});
  model.compile({optimizer, loss, metrics: ['accuracy']});
  const size = inShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(randData(n * size, 1, 0, 1), [n, ...inShape]);
  const labels = Array.from(randData(n, 2, 0, classes === 1 ? 2 : classes), Math.floor);
  const y = tf.tidy(() => (classes === 1 ? tf.tensor2d(labels, [n, 1]) :
      tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat()));
  return {model, x, y};
}

const fitOpts = (batchSize, epochs) => ({batchSize, epochs, shuffle: false, verbose: 0});

/** 1. Kernels run while training each model (recorded on cpu) vs wasm list. */
async function missingKernels() {
  await tf.setBackend('cpu');
  const used = new Set();
  for (const key of Object.keys(MODELS)) {
    const {model, x, y} = build(key, 16);
    const prof = await tf.profile(async () => {
      await model.fit(x, y, fitOpts(8, 1));
      tf.dispose(model.predict(x));
    });
    prof.kernels.forEach((k) => used.add(k.name));
    tf.dispose([x, y]); model.dispose();
  }
  // tf.profile also lists op scopes (e.g. fusedConv2d__op): keep real kernels.
  return [...used].filter((n) => tf.getKernel(n, 'cpu') && !tf.getKernel(n, 'wasm')).sort();
}

/**
 * 3a. Forward values and gradients of conv2d (dx, dw), maxPool and avgPool on
 * wasm vs cpu, with negative values and ties in the input. Exercises the
 * kernels of wasm_kernels.js through the real gradient path, plus the native
 * Conv2D / Conv2DBackpropInput / MaxPool / AvgPool / AvgPoolGrad kernels.
 */
async function opErrors() {
  const configs = [];
  for (const [b, h, w, c] of [[2, 9, 11, 3], [3, 7, 7, 1], [1, 12, 10, 2]]) {
    for (const s of [1, 2]) for (const pad of ['same', 'valid']) configs.push({b, h, w, c, s, pad});
  }
  const ops = {
    conv2d: (x, f, cfg) => tf.conv2d(x, f, cfg.s, cfg.pad),
    maxPool: (x, f, cfg) => tf.maxPool(x, [3, 2], cfg.s, cfg.pad),
    avgPool: (x, f, cfg) => tf.avgPool(x, [2, 3], cfg.s, cfg.pad),
  };
  const run = (cfg, i) => {
    const out = {};
    for (const [name, op] of Object.entries(ops)) {
      try {
        out[name] = tf.tidy(() => {
          const {b, h, w, c} = cfg;
          // Quarter steps in x: ties, zeros and all-negative windows.
          const x = tf.tensor(randData(b * h * w * c, 7 * i + 3).map((v) => Math.round(4 * v) / 4),
                              [b, h, w, c]);
          const f = tf.tensor(randData(3 * 3 * c * 4, 7 * i + 4), [3, 3, c, 4]);
          const yShape = op(x, f, cfg).shape;
          const r = tf.tensor(randData(yShape.reduce((p, q) => p * q), 7 * i + 5), yShape);
          const loss = (x, f) => op(x, f, cfg).mul(r).sum();
          const res = {y: op(x, f, cfg).dataSync()};
          if (name === 'conv2d') {
            const [dx, df] = tf.grads(loss)([x, f]);
            return {...res, dx: dx.dataSync(), dw: df.dataSync()};
          }
          return {...res, dx: tf.grad((x) => loss(x, f))(x).dataSync()};
        });
      } catch (e) {
        out[name] = e.message;
      }
    }
    return out;
  };
  await tf.setBackend('cpu');
  const ref = configs.map(run);
  await tf.setBackend('wasm');
  const errs = {};
  configs.forEach((cfg, i) => {
    const got = run(cfg, i);
    for (const [op, res] of Object.entries(got)) {
      if (typeof res === 'string') { errs[op] = res; continue; }
      for (const [k, v] of Object.entries(res)) {
        const key = `${op}_${k}`;
        errs[key] = Math.max(errs[key] || 0, maxAbsDiff(v, ref[i][op][k]));
      }
    }
  });
  return errs;
}

const LOSSES = {
  meanSquaredError: (y, p) => tf.metrics.meanSquaredError(y, p).mean(),
  categoricalCrossentropy: (y, p) => tf.metrics.categoricalCrossentropy(y, p).mean(),
  binaryCrossentropy: (y, p) => tf.metrics.binaryCrossentropy(y, p).mean(),
};

/**
 * Deterministic initial weights for model `key`: kernels glorot-uniform from
 * an LCG, constant weights (zero biases, batchnorm gamma / beta / moving
 * stats) kept. Makes the wasm-vs-cpu comparisons reproducible: with random
 * weights, about 1 run in 40 of model (e) has a ReLU input so close to 0
 * (~1e-6) that float32 rounding flips its sign on one backend, a legitimate
 * jump of ~1e-2 in some gradients.
 */
function seededWeights(key) {
  const {model, x, y} = build(key, 1);
  const weights = model.getWeights().map((t, i) => {
    const v = t.dataSync(), s = t.shape;
    if (v.every((a) => a === v[0])) return [v.slice(), s];
    const field = s.slice(0, -2).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / ((s[s.length - 2] + s[s.length - 1]) * field));
    return [randData(v.length, 100 + i, -limit, limit), s];
  });
  tf.dispose([x, y]); model.dispose();
  return weights;
}

/** Sets the weights from [values, shape] pairs without leaking tensors. */
function setWeights(model, weights) {
  const ts = weights.map(([v, s]) => tf.tensor(v, s));
  model.setWeights(ts);
  tf.dispose(ts);
}

/**
 * 3b. Loss and gradients w.r.t. every trainable weight of each course model
 * (training mode, dropout rate 0 so both backends see the same net), wasm vs
 * cpu from identical weights and data. Returns per model the max over the
 * loss and the weights of maxAbsDiff / max(1e-3, max |value on cpu|):
 * relative, because batchnorm divides by small variances and so magnifies
 * the float32 rounding differences of the native kernels (biases of model (e)
 * differ by up to ~7e-6 at gradients ~0.3, whatever the conv kernels do).
 */
async function modelGradErrors() {
  const errs = {};
  for (const key of Object.keys(MODELS)) {
    const weights = seededWeights(key);
    const res = {};
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const {model, x, y} = build(key, 24);
      setWeights(model, weights);
      model.layers.forEach((l) => { if (l.getClassName() === 'Dropout') l.rate = 0; });
      const loss = LOSSES[MODELS[key]()[3]];
      try {
        res[backend] = tf.tidy(() => {
          const vars = model.trainableWeights.map((w) => w.val);
          const {value, grads} = tf.variableGrads(
              () => loss(y, model.apply(x, {training: true})), vars);
          return [value.dataSync(), ...vars.map((v) => grads[v.name].dataSync())];
        });
      } catch (e) {
        res[backend] = e.message;
      }
      tf.dispose([x, y]); model.dispose();
    }
    errs[key] = typeof res.wasm === 'string' ? res.wasm : Math.max(...res.cpu.map(
        (v, i) => maxAbsDiff(v, res.wasm[i]) /
            Math.max(1e-3, v.reduce((m, a) => Math.max(m, Math.abs(a)), 0))));
  }
  return errs;
}

/** Trains model `key` on `backend` from the given weights; returns losses. */
async function trainFrom(backend, key, weights, n, batch, epochs) {
  await tf.setBackend(backend);
  const {model, x, y} = build(key, n);
  setWeights(model, weights);
  const h = await model.fit(x, y, fitOpts(batch, epochs));
  tf.dispose([x, y]); model.dispose();
  return h.history.loss;
}

const checkErrors = (label, errs, tol = TOL) => {
  console.log(label, JSON.stringify(errs));
  for (const [name, e] of Object.entries(errs)) if (!(e <= tol)) fail(`${label} ${name}: ${e}`);
};

/**
 * Identity (tf.clone, and the engine's copy of every tensor a gradient keeps) shares its
 * input's memory on wasm, keeps it alive after the input is gone, frees it with the last
 * reference, and still copies strings.
 */
function identityShares() {
  if (tf.getBackend() !== 'wasm') fail(`Identity checked on ${tf.getBackend()}`);
  const b = tf.backend(), ids0 = b.numDataIds(), n0 = tf.memory().numTensors;
  const a = tf.tensor([1.5, -2, 3, 0.25], [2, 2]);
  const c = tf.clone(a);
  if (b.numDataIds() !== ids0 + 1) fail(`Identity made ${b.numDataIds() - ids0} buffers, not 1`);
  a.dispose();
  const got = Array.from(c.dataSync()).join();
  if (got !== '1.5,-2,3,0.25' || c.shape.join() !== '2,2') fail(`clone after dispose: ${got}`);
  c.dispose();
  if (b.numDataIds() !== ids0) fail('Identity left its buffer behind');
  const s = tf.tensor(['a', 'bc']), t = tf.clone(s);
  s.dispose();
  if (t.dataSync().join() !== 'a,bc') fail('Identity of strings');
  t.dispose();
  // tfjs-backend-wasm's reductions transpose first and compare the result's id with the
  // input's: its Transpose must keep copying on a no-op permutation (it calls its own
  // identity, not the registered kernel), or these go wrong and leak
  const x = tf.tensor([[1, 2, 3, 4, 5]]), y = tf.tensor([[1], [2], [3], [4], [5]]);
  const r = tf.tidy(() => [tf.sum(x, 0), tf.max(x, 0), tf.argMax(x, 0), tf.mean(y, 0),
    tf.transpose(x, [0, 1])].map((t) => t.shape.join('x') + ':' + t.dataSync().join()));
  if (r.join(' ') !== '5:1,2,3,4,5 5:1,2,3,4,5 5:0,0,0,0,0 1:3 1x5:1,2,3,4,5') {
    fail(`reductions along a unit axis: ${r.join(' ')}`);
  }
  tf.dispose([x, y]);
  if (tf.memory().numTensors !== n0 || b.numDataIds() !== ids0) fail('Identity leaked');
  console.log('Identity shares its input on wasm: ok');
}

async function main() {
  K = await import(KERNELS.href);
  const timing = !process.argv.includes('--no-timing');
  await tf.setBackend('wasm');
  console.log(`tfjs ${tf.version.tfjs}, wasm backend ready`);
  console.log('BEFORE register()');
  console.log('  kernels missing on wasm:', JSON.stringify(await missingKernels()));
  console.log('  ops wasm vs cpu:', JSON.stringify(await opErrors()));
  // (A gradient that throws, as conv2d does above, strands its tape tensors.)
  const tensors0 = tf.memory().numTensors;

  await tf.setBackend('wasm');
  console.log('register() ->', JSON.stringify(K.register(tf)), ' names:', JSON.stringify(K.JS_NAMES),
              ' again ->', JSON.stringify(K.register(tf)));
  const missing = await missingKernels();
  console.log('kernels missing on wasm:', JSON.stringify(missing));
  if (missing.length) fail('kernels still missing: ' + missing);

  await tf.setBackend('wasm');
  identityShares();
  let n0 = tf.memory().numTensors;
  const checked = await K.check(tf);
  console.log('check():', JSON.stringify(checked));
  if (tf.memory().numTensors !== n0) fail('check() leaked tensors');
  if (tf.getBackend() !== 'wasm') fail('check() did not restore the backend');
  if (!(checked.cases > 0)) fail('check() ran no cases');
  checkErrors('check() errors', checked.errors);

  checkErrors('ops wasm vs cpu:', await opErrors());
  checkErrors('model loss+grads wasm vs cpu (relative):', await modelGradErrors(), 1e-4);

  // Gradients through the registered kernels leave no tensors behind.
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 9, 9, 3]), w = tf.randomNormal([3, 3, 3, 4]);
  n0 = tf.memory().numTensors;
  tf.dispose(tf.grad((w) => tf.conv2d(x, w, 2, 'same').sum())(w));
  tf.dispose(tf.grad((x) => tf.maxPool(x, 2, 2, 'same').sum())(x));
  if (tf.memory().numTensors !== n0) fail('gradients leaked tensors');
  tf.dispose([x, w]);

  // 4. Model (d): identical initial weights, 2 epochs, 256 samples.
  const weights = seededWeights('d');
  const lw = await trainFrom('wasm', 'd', weights, 256, 32, 2);
  const lc = await trainFrom('cpu', 'd', weights, 256, 32, 2);
  const lossDiff = Math.max(...lw.map((l, i) => Math.abs(l - lc[i])));
  console.log('model d losses wasm', JSON.stringify(lw), 'cpu', JSON.stringify(lc),
              'max diff', lossDiff);
  if (!(lossDiff <= TOL)) fail('model d loss differs between wasm and cpu');

  // 5. Every course model fits on wasm and gives a finite loss.
  await tf.setBackend('wasm');
  for (const key of Object.keys(MODELS)) {
    const {model, x, y} = build(key, 32);
    try {
      const loss = (await model.fit(x, y, fitOpts(16, 2))).history.loss;
      if (!loss.every(Number.isFinite)) fail(`model ${key}: loss ${loss}`);
      console.log(`model ${key} fits on wasm, loss`, JSON.stringify(loss));
    } catch (e) {
      fail(`model ${key}: ${e.message}`);
    }
    tf.dispose([x, y]); model.dispose();
  }

  await tf.setBackend('wasm');
  if (tf.memory().numTensors !== tensors0) {
    fail(`tensors alive: ${tf.memory().numTensors}, expected ${tensors0}`);
  }

  // 6. Timing: model (d), 2048 samples, batch 512 (1 warm-up epoch, 2 timed).
  if (timing) {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const {model, x, y} = build('d', 2048);
      setWeights(model, weights);
      await model.fit(x, y, fitOpts(512, 1));
      const t0 = performance.now();
      await model.fit(x, y, fitOpts(512, 2));
      console.log(`model d epoch (2048 samples, batch 512) on ${backend}:`,
                  ((performance.now() - t0) / 2000).toFixed(2), 's');
      tf.dispose([x, y]); model.dispose();
    }
  }
  console.log(failed ? 'FAILED' : 'OK');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
