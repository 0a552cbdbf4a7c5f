#!/usr/bin/env node
// Where a training step of the course MNIST CNN (batch 512) spends its time on wasm, per
// kernel (tf.profile), with pytfjs' extra kernels registered. Node.js, pure-JS TF.js.
// Usage: node bench/profile_mnist_step.js
'use strict';
const fs = require('fs'); const path = require('path');
const tf = require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm');
globalThis.tf = tf;
(0, eval)(fs.readFileSync(path.join(__dirname, '../site/js/wasm_kernels.js'), 'utf8'));
(async () => {
  globalThis.pytfjsWasmKernels.register(tf);
  await tf.setBackend('wasm'); await tf.ready();
  const m = tf.sequential();
  m.add(tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: 3, filters: 8, activation: 'relu'}));
  m.add(tf.layers.maxPooling2d({poolSize: [2, 2]}));
  m.add(tf.layers.conv2d({kernelSize: 3, filters: 16, activation: 'relu'}));
  m.add(tf.layers.maxPooling2d({poolSize: [2, 2]}));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({units: 128, activation: 'relu'}));
  m.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  m.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const x = tf.randomUniform([512, 28, 28, 1]); const y = tf.oneHot(tf.randomUniform([512], 0, 10, 'int32'), 10);
  for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
  const t0 = Date.now(); for (let i = 0; i < 5; i++) await m.trainOnBatch(x, y); console.log('ms/step', (Date.now() - t0) / 5);
  const prof = await tf.profile(async () => { await m.trainOnBatch(x, y); });
  const agg = {};
  for (const k of prof.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); agg[key] = (agg[key] || 0) + k.kernelTimeMs; }
  Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([k, v]) => console.log(v.toFixed(1), k));
})();
