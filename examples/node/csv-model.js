#!/usr/bin/env node
/**
 * Use a model exported by the "Train on your own CSV" lab in Node.js.
 *
 *   unzip mydata-model.zip -d mydata-model
 *   node examples/node/csv-model.js mydata-model '{"height": 172, "colour": "red"}'
 *
 * Prints the model's output and its reading (class name or value) as JSON. Needs only
 * @tensorflow/tfjs (pure JavaScript: no native build), as installed by this project's
 * `npm ci`. The row is prepared exactly as the page prepared its training rows, from
 * preprocessing.json: feature order, one-hot categories, means and scales.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

/** Load model.json + weights from a folder, without any file-system IO handler. */
async function loadModel(dir) {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const manifest = modelJson.weightsManifest[0];
  const buffers = manifest.paths.map((p) => fs.readFileSync(path.join(dir, p)));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology, weightSpecs: manifest.weights, weightData,
  }));
}

/** One row (column -> value) as the model's standardized input vector. */
function prepare(pre, row) {
  const values = [];
  for (const spec of pre.features) {
    if (!(spec.column in row)) throw new Error(`the row has no "${spec.column}" value`);
    const raw = row[spec.column];
    if (spec.kind === 'number') {
      const v = Number(String(raw).trim().replace(',', '.'));
      if (!Number.isFinite(v)) throw new Error(`"${spec.column}" must be a number, not ${JSON.stringify(raw)}`);
      values.push(v);
    } else {
      for (const c of spec.categories) values.push(String(raw).trim() === c ? 1 : 0);
    }
  }
  return values.map((v, i) => (v - pre.mean[i]) / pre.scale[i]);
}

/** The model output in words: a class name, or a value in the label's units. */
function explain(pre, output) {
  if (pre.task === 'regression') return { value: output[0] * pre.label_scale + pre.label_mean };
  if (pre.class_names.length === 2 && output.length === 1) {
    return { class: pre.class_names[output[0] >= 0.5 ? 1 : 0], probability: output[0] };
  }
  const best = output.indexOf(Math.max(...output));
  return { class: pre.class_names[best], probability: output[best] };
}

async function main() {
  const [dir, rowJson] = process.argv.slice(2);
  if (!dir || !rowJson) {
    console.error('usage: node csv-model.js MODEL_FOLDER \'{"column": value, ...}\'');
    process.exit(2);
  }
  const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8'));
  const model = await loadModel(dir);
  const input = tf.tensor2d([prepare(pre, JSON.parse(rowJson))]);
  const output = Array.from(await model.predict(input).data());
  console.log(JSON.stringify({ output, ...explain(pre, output) }));
}

main().catch((err) => { console.error(String(err.message || err)); process.exit(1); });
