/**
 * A row of column values in, the model's input out, exactly as the "Train on your own CSV"
 * lab prepared its training rows (preprocessing.json: feature order, one-hot categories,
 * means and scales; pytfjs.data.csv.Prepared.transform does the same in numpy, in float32).
 * Also the output in words: a class name with probabilities, or a value in the label's units.
 */
'use strict';
const { describeValue } = require('./image');

/** Check a preprocessing.json; returns it, or throws saying what is wrong. */
function checkPreprocessing(pre, where) {
  if (!pre || pre.format !== 'pytfjs-csv-preprocessing' || !Array.isArray(pre.features)) {
    throw new Error(`${where} is not a pytfjs CSV preprocessing file (no "format": `
      + '"pytfjs-csv-preprocessing" and "features"): export the model again from "Your CSV"');
  }
  const width = pre.features.reduce(
    (n, spec) => n + (spec.kind === 'number' ? 1 : (spec.categories || []).length), 0);
  if (!Array.isArray(pre.mean) || !Array.isArray(pre.scale) || pre.mean.length !== width
      || pre.scale.length !== width) {
    throw new Error(`${where}: "mean" and "scale" must have ${width} values, one per model input`);
  }
  return pre;
}

/** The column names a row must have, in order. */
function columns(pre) {
  return pre.features.map((spec) => spec.column);
}

/** A number from a CSV-like value: 12, "12.5", " 3,5 " (decimal comma). */
function toNumber(raw, column) {
  const v = typeof raw === 'number' ? raw : Number(String(raw).trim().replace(',', '.'));
  if (raw === null || raw === undefined || (typeof raw === 'string' && !raw.trim())
      || !Number.isFinite(v)) {
    throw new Error(`"${column}" must be a number, not ${JSON.stringify(raw === undefined ? null : raw)}`);
  }
  return v;
}

/**
 * One row -> Float32Array of standardized inputs. ``row`` is an object {column: value}
 * (extra columns, such as the label or an ID, are ignored) or an array of the feature
 * columns' values in the order of preprocessing.json.
 */
function prepareRow(pre, row) {
  const names = columns(pre);
  let get;
  if (Array.isArray(row)) {
    if (row.length !== names.length) {
      throw new Error(`the row has ${row.length} values but the model needs ${names.length}, `
        + `in this order: ${names.join(', ')}`);
    }
    get = (i) => row[i];
  } else if (row && typeof row === 'object' && !ArrayBuffer.isView(row)) {
    const missing = names.filter((n) => !(n in row));
    if (missing.length) {
      throw new Error(`the row has no ${missing.map((n) => `"${n}"`).join(', ')} `
        + `value${missing.length > 1 ? 's' : ''} (the model needs ${names.join(', ')})`);
    }
    get = (i) => row[names[i]];
  } else {
    throw new Error(`a CSV model needs an object {column: value} or an array of ${names.length} `
      + `values (${names.join(', ')}), got ${describeValue(row)}`);
  }
  const f = Math.fround;
  const out = new Float32Array(pre.mean.length);
  let at = 0;
  pre.features.forEach((spec, i) => {
    const raw = get(i);
    if (spec.kind === 'number') {
      out[at] = toNumber(raw, spec.column);
      at += 1;
    } else {
      const text = String(raw).trim();
      for (const c of spec.categories) {
        out[at] = text === c ? 1 : 0;
        at += 1;
      }
    }
  });
  for (let k = 0; k < out.length; k += 1) out[k] = f(f(out[k] - f(pre.mean[k])) / f(pre.scale[k]));
  return out;
}

/** The model output in words: {label, probability, probabilities} or {value}. */
function explain(pre, output) {
  if (pre.task === 'regression') {
    return { value: output[0] * (pre.label_scale ?? 1) + (pre.label_mean ?? 0) };
  }
  const names = pre.class_names || [];
  let probabilities;
  if (names.length === 2 && output.length === 1) probabilities = [1 - output[0], output[0]];
  else probabilities = Array.from(output);
  let best = 0;
  for (let i = 1; i < probabilities.length; i += 1) if (probabilities[i] > probabilities[best]) best = i;
  if (names.length === 2 && output.length === 1) best = output[0] >= 0.5 ? 1 : 0;
  return {
    label: names[best] ?? String(best),
    probability: probabilities[best],
    probabilities: Object.fromEntries(probabilities.map((p, i) => [names[i] ?? String(i), p])),
  };
}

module.exports = { checkPreprocessing, prepareRow, explain, columns };
