#!/usr/bin/env node
// Where a training step of the course MNIST CNN (batch 512) spends its time on wasm, per
// kernel (tf.profile), with pytfjs' extra kernels registered: first with the JS kernels
// only (before), then with the WebAssembly SIMD kernels too (after), same model and data.
// Node.js, pure-JS TF.js, one thread. tf.profile counts a kernel that calls other kernels
// (a JS kernel falling back to native ones) more than once: compare ms/step, not sums.
// Usage: node bench/profile_mnist_step.js [kernels dir, default build/kernels]
//        (build the kernels first: python3 -m buildlib.make.kernels)
'use strict';
const fs = require('fs'); const path = require('path');
const tf = require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm');
const {courseCnn} = require('../tests/node/course_cnn.js');
const KERNELS = require('url').pathToFileURL(path.join(__dirname, '../site/js/worker/wasm_kernels.js'));
const DIR = process.argv[2] || path.join(__dirname, '../build/kernels');

async function profile(m, x, y, label) {
  for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now(); await m.trainOnBatch(x, y); times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`\n${label}: ms/step median ${times[3].toFixed(1)} (min ${times[0].toFixed(1)}, ` +
              `max ${times[6].toFixed(1)}, 7 steps)`);
  const prof = await tf.profile(async () => { await m.trainOnBatch(x, y); });
  const agg = {};
  for (const k of prof.kernels) {
    const key = k.name + ' ' + JSON.stringify(k.inputShapes);
    agg[key] = (agg[key] || 0) + k.kernelTimeMs;
  }
  Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 15)
      .forEach(([k, v]) => console.log(v.toFixed(1).padStart(7), k));
  return times[3];
}

(async () => {
  const K = await import(KERNELS.href);
  const S = K.simd;
  K.register(tf);
  await tf.setBackend('wasm'); await tf.ready();
  await K.load(tf, (name) => fs.readFileSync(path.join(DIR, name)));
  const m = courseCnn(tf);
  const x = tf.randomUniform([512, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([512], 0, 10, 'int32'), 10);
  S.enabled = false;
  const before = await profile(m, x, y, 'before (JS kernels, SIMD kernels off)');
  S.enabled = true;
  const after = await profile(m, x, y, 'after (WebAssembly SIMD kernels on)');
  console.log(`\nms/step: before ${before.toFixed(1)}, after ${after.toFixed(1)} ` +
              `(x${(before / after).toFixed(2)})`);
})();
