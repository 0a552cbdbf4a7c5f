/**
 * One message through a loaded export: prepare the payload for the model's kind, predict,
 * read the output, and dispose every tensor made on the way (also when something fails).
 */
'use strict';
const { tf } = require('./tf');
const { imageInput, describeValue } = require('./image');
const { prepareRow, explain } = require('./csv');

/** The shape of a rectangular nested array of finite numbers; throws saying where not. */
function arrayShape(value, where = 'payload') {
  if (ArrayBuffer.isView(value)) return [value.length];
  if (!Array.isArray(value)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${where} is ${JSON.stringify(value)}, not a number`);
    }
    return [];
  }
  if (value.length === 0) throw new Error(`${where} is an empty array`);
  const inner = arrayShape(value[0], `${where}[0]`);
  for (let i = 1; i < value.length; i += 1) {
    const other = arrayShape(value[i], `${where}[${i}]`);
    if (other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      throw new Error(`the payload is not a rectangular array of numbers: ${where}[${i}] is `
        + `shaped ${JSON.stringify(other)}, ${where}[0] ${JSON.stringify(inner)}`);
    }
  }
  return [value.length, ...inner];
}

/** A nested numeric array / typed array as a tensor for ``shape`` ([null, ...]). */
function numericInput(payload, shape) {
  if (!(Array.isArray(payload) || ArrayBuffer.isView(payload)) || payload instanceof Buffer) {
    throw new Error(`this model needs numbers shaped ${JSON.stringify(shape)} (an array), got `
      + describeValue(payload));
  }
  arrayShape(payload);
  let x = tf.tensor(payload, undefined, 'float32');
  let batched = true;
  if (x.rank === shape.length - 1) {
    const expanded = x.expandDims(0);
    x.dispose();
    x = expanded;
    batched = false;
  }
  const fits = x.rank === shape.length && shape.every((d, i) => d === null || d === x.shape[i]);
  if (!fits) {
    const got = x.shape;
    x.dispose();
    throw new Error(`the model takes input shaped ${JSON.stringify(shape)} (null: any), `
      + `the payload is shaped ${JSON.stringify(batched ? got : got.slice(1))}`);
  }
  return { x, batched };
}

function firstRow(output, batched) {
  return batched ? output : output[0];
}

/**
 * {payload, ms: {prepare, predict, total}}: the result for ``payload`` with ``loaded``
 * (from model.loadExport). Throws an Error whose message says what to send instead.
 */
async function predict(loaded, payload) {
  const t0 = performance.now();
  const { kind, model, meta, pre, inputShape } = loaded;
  const made = [];
  try {
    let x;
    let batched = false;
    let mode = kind;
    if (kind === 'image' && !(Array.isArray(payload) || (ArrayBuffer.isView(payload) && !(payload instanceof Uint8Array)))) {
      const size = meta.input_size;
      x = tf.tensor4d(imageInput(payload, meta), [1, size, size, 3]);
    } else if (kind === 'csv') {
      x = tf.tensor2d(prepareRow(pre, payload), [1, pre.mean.length]);
    } else {
      ({ x, batched } = numericInput(payload, inputShape));
      mode = 'plain';
    }
    made.push(x);
    const t1 = performance.now();
    const y = model.predict(x);
    const outputs = Array.isArray(y) ? y : [y];
    made.push(...outputs);
    const values = await Promise.all(outputs.map((t) => t.array()));
    const t2 = performance.now();
    let result;
    if (mode === 'image') {
      const p = values[0][0];
      let best = 0;
      for (let i = 1; i < p.length; i += 1) if (p[i] > p[best]) best = i;
      result = {
        label: meta.labels[best], probability: p[best],
        probabilities: Object.fromEntries(meta.labels.map((label, i) => [label, p[i]])),
      };
    } else if (mode === 'csv') {
      result = { ...explain(pre, values[0][0]), output: values[0][0] };
    } else {
      result = values.length === 1 ? firstRow(values[0], batched)
        : values.map((v) => firstRow(v, batched));
    }
    return { payload: result, ms: { prepare: t1 - t0, predict: t2 - t1, total: t2 - t0 } };
  } finally {
    tf.dispose(made);
  }
}

module.exports = { predict, numericInput, arrayShape };
