/**
 * Load an exported model (a TF.js layers model) once and say what kind it is:
 *  - "image": an rpsls-style image classifier (metadata.json with labels, input_size,
 *    mean and std),
 *  - "csv": a "Your CSV" model (preprocessing.json),
 *  - "plain": any other TF.js model (a converted Keras model, a lab's model.json):
 *    numbers in, numbers out.
 * A webcam project (project.json, lib/project.js) is an "image" model too: the embedding
 * model named by ``options.embedding`` followed by the project's trained head.
 * Weights are read from the export's own files (tf.io.fromMemory), so no file-system or
 * network IO handler of tfjs is involved, and nothing is fetched.
 */
'use strict';
const { tf, useBackend } = require('./tf');
const { openExport } = require('./files');
const { checkImageMeta } = require('./image');
const { checkPreprocessing } = require('./csv');
const { loadProject } = require('./project');

async function loadModel(exp) {
  const doc = exp.json('model.json');
  if (!doc.modelTopology || !Array.isArray(doc.weightsManifest)) {
    throw new Error(`model.json in ${exp.where} is not a TF.js model (no modelTopology and `
      + 'weightsManifest)');
  }
  const specs = [];
  const buffers = [];
  for (const group of doc.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(exp.read(p));
  }
  const all = Buffer.concat(buffers);
  const artifacts = {
    modelTopology: doc.modelTopology, weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: doc.format, generatedBy: doc.generatedBy, convertedBy: doc.convertedBy,
    signature: doc.signature, userDefinedMetadata: doc.userDefinedMetadata,
  };
  if (doc.format === 'graph-model') {
    throw new Error(`${exp.where} holds a TF.js graph model: these nodes run layers models (what `
      + 'the pytfjs labs and converter write)');
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new Error(`TF.js cannot load the model in ${exp.where}: ${err.message}`, { cause: err });
  }
}

/** The first input's shape, [null, ...]. */
function inputShape(model) {
  const input = model.inputs[0];
  return Array.from(input.shape || []).map((d) => (d === -1 ? null : d));
}

/**
 * {kind, model, meta, pre, inputShape, summary, backend, dispose()} for the export at
 * ``source``; ``options.backend`` ('cpu' | 'wasm' | '') is set for the process first;
 * ``options.embedding``: the embedding model's folder, for a webcam project.
 */
async function loadExport(source, options = {}) {
  const exp = openExport(source);
  const { backend, previous } = await useBackend(options.backend || '');
  if (exp.has('project.json')) {
    const project = await loadProject(exp, options.embedding, { openExport, loadModel, tf });
    return {
      kind: 'image', model: project.model, meta: project.meta, pre: null,
      inputShape: inputShape(project.model), where: exp.where, backend, previous,
      summary: `image model: ${project.meta.labels.length} labels (webcam project, `
        + `${project.trained.samples} samples)`,
      dispose: project.dispose,
    };
  }
  let kind = 'plain';
  let meta = null;
  let pre = null;
  if (exp.has('metadata.json')) {
    const m = exp.json('metadata.json');
    if (Array.isArray(m.labels) && m.input_size !== undefined) {
      meta = checkImageMeta(m, `metadata.json in ${exp.where}`);
      kind = 'image';
    }
  }
  if (kind === 'plain' && exp.has('preprocessing.json')) {
    pre = checkPreprocessing(exp.json('preprocessing.json'), `preprocessing.json in ${exp.where}`);
    kind = 'csv';
  }
  const model = await loadModel(exp);
  const shape = inputShape(model);
  if (kind === 'image' && (shape.length !== 4 || shape[3] !== 3)) {
    model.dispose();
    throw new Error(`metadata.json describes an image model, but the model takes ${JSON.stringify(shape)}`);
  }
  if (kind === 'csv' && shape[shape.length - 1] !== pre.mean.length) {
    model.dispose();
    throw new Error(`preprocessing.json gives ${pre.mean.length} inputs, but the model takes `
      + `${JSON.stringify(shape)}`);
  }
  const summary = kind === 'image' ? `image model: ${meta.labels.length} labels`
    : kind === 'csv' ? `CSV model: ${pre.task}, ${pre.features.length} columns`
      : `model: input ${JSON.stringify(shape)}`;
  return {
    kind, model, meta, pre, inputShape: shape, summary, where: exp.where, backend, previous,
    dispose: () => model.dispose(),
  };
}

module.exports = { loadExport };
