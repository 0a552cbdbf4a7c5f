// Load TF.js layers models from folders with TF.js itself (pure JS, cpu backend), predict,
// then do the tfjs-examples round trip: save to memory, reload, predict again.
// Usage: node predict_tfjs_model.js JOBS.json   (JOBS: [{dir, input, dtype}] or, for a model
// with several inputs, [{dir, inputs: [{input, dtype}, ...]}])
// Prints one JSON line per job: {dir, output, roundTripMaxDiff, weights} or {dir, error}.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

function filesHandler(dir) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {modelTopology: json.modelTopology, weightSpecs: specs,
              weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
              format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy};
    },
  };
}

async function main() {
  await tf.setBackend('cpu');
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      const model = await tf.loadLayersModel(filesHandler(job.dir));
      const x = job.inputs ? job.inputs.map((i) => tf.tensor(i.input, undefined, i.dtype)) :
        tf.tensor(job.input, undefined, job.dtype);
      const y = model.predict(x);
      const output = await y.array();
      let saved;
      await model.save(tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }));
      const again = await tf.loadLayersModel(tf.io.fromMemory(saved));
      const y2 = again.predict(x);
      const diff = (await tf.max(tf.abs(tf.sub(y, y2))).data())[0];
      console.log(JSON.stringify({dir: job.dir, output, roundTripMaxDiff: diff,
                                  weights: model.weights.length}));
      tf.dispose([x, y, y2]);
      model.dispose();
      again.dispose();
    } catch (e) {
      console.log(JSON.stringify({dir: job.dir, error: String(e && e.message || e)}));
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
