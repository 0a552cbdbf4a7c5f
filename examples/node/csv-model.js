#!/usr/bin/env node
/**
 * Use a model exported by the "Train on your own CSV" lab in plain Node.js.
 *
 *   node examples/node/csv-model.js mydata-model.zip '{"height": 172, "colour": "red"}'
 *
 * (the zip as downloaded, or its unzipped folder). Prints the model's output and its
 * reading (class name or value) as JSON. Needs only @tensorflow/tfjs (pure JavaScript: no
 * native build) and node-red-contrib-pytfjs's small pure-JS libraries, as installed by
 * this project's `npm ci`. The row is prepared by that package exactly as the page
 * prepared its training rows, from preprocessing.json (feature order, one-hot categories,
 * means and scales); the Node-RED nodes run the same code.
 */
'use strict';
const { loadExport, predict } = require('../../node-red-contrib-pytfjs/lib');

async function main() {
  const [source, rowJson] = process.argv.slice(2);
  if (!source || !rowJson) {
    console.error('usage: node csv-model.js MODEL_FOLDER_OR_ZIP \'{"column": value, ...}\'');
    process.exit(2);
  }
  const loaded = await loadExport(source);
  if (loaded.kind !== 'csv') throw new Error(`${source} has no preprocessing.json: not a "Your CSV" export`);
  const { payload } = await predict(loaded, JSON.parse(rowJson));
  loaded.dispose();
  // "class" as before this used the package; "label" as the Node-RED node sends it
  const reading = payload.label === undefined ? {} : { class: payload.label };
  console.log(JSON.stringify({ ...payload, ...reading }));
}

main().catch((err) => { console.error(String(err.message || err)); process.exit(1); });
