/**
 * A pytfjs webcam project (the studio's "Export project" zip, or its unzipped folder) as an
 * image classifier: the embedding model it was made with (a folder such as the site's
 * models/mobilenet_v2, given separately: a project holds its identity, not its weights)
 * cut at the project's layer, then the trained head in the project (model/model.json).
 * The layout is docs/webcam-project.md; py/pytfjs/project.py writes it.
 *
 * Checked before anything is built: format and version, the sha256 and size of every
 * member listed in project.json, a trained head present, and the embedding model's sha256
 * (model.json then its weight shards in manifest order) equal to the project's.
 */
'use strict';
const crypto = require('crypto');
const { checkImageMeta } = require('./image');

const FORMAT = 'pytfjs webcam project';
const VERSION = 1;

const sha256 = (...buffers) => {
  const hash = crypto.createHash('sha256');
  for (const b of buffers) hash.update(b);
  return hash.digest('hex');
};

/** The project's project.json, checked against the files (exp: files.openExport). */
function checkProject(exp) {
  const doc = exp.json('project.json');
  if (doc.format !== FORMAT) {
    throw new Error(`${exp.where} is not a pytfjs webcam project (format ${JSON.stringify(doc.format)})`);
  }
  if (doc.version !== VERSION) {
    throw new Error(`${exp.where} is a project of format version ${JSON.stringify(doc.version)}; `
      + `this package reads version ${VERSION}: update node-red-contrib-pytfjs`);
  }
  for (const [name, info] of Object.entries(doc.members || {})) {
    const data = exp.read(name);
    if (data.length !== info.bytes || sha256(data) !== info.sha256) {
      throw new Error(`${exp.where} is damaged: ${name} does not match its sha256 in project.json; `
        + 'export the project again');
    }
  }
  if (!doc.model || !Array.isArray(doc.model.files)) {
    throw new Error(`${exp.where} holds no trained model: train in the studio, then export the `
      + 'project again');
  }
  return doc;
}

/** Earlier conversions of a model that compute the same embeddings, up to float32 rounding,
 *  as the conversion named (py/pytfjs/project.py SAME_EMBEDDINGS, which a test compares):
 *  mobilenet_v2 before its batch norms were folded into the convolutions. */
const SAME_EMBEDDINGS = {
  fe1cd3479ed8c2217e10ab1066a27066ed04e71389f58cbf52c5d1534314d0b4:
    '8f1e019a5fbad56bfde5b8a5667f88976eba217025a102ca974fbb833d69c20b',
};

/** Whether embeddings of the model with sha256 ``made`` can be used where ``digest``'s are. */
function sameEmbeddings(made, digest) {
  const current = (d) => (Object.hasOwn(SAME_EMBEDDINGS, d) ? SAME_EMBEDDINGS[d] : d);
  return current(made) === current(digest);
}

/** sha256 of an embedding model's files, as py/pytfjs/project.py model_digest. */
function modelDigest(exp) {
  const doc = exp.read('model.json');
  const parts = [doc];
  for (const group of JSON.parse(doc.toString('utf8')).weightsManifest) {
    for (const p of group.paths) parts.push(exp.read(p));
  }
  return sha256(...parts);
}

/** The files under ``prefix`` of an export, as an export of their own. */
function subExport(exp, prefix) {
  return {
    where: `${exp.where} (${prefix})`,
    has: (name) => exp.has(prefix + name),
    read: (name) => exp.read(prefix + name),
    json: (name) => exp.json(prefix + name),
  };
}

/**
 * {model, meta, dispose} of a project: one TF.js model from picture to probabilities.
 * ``embedding`` is the folder (or model.json path) of the embedding model.
 */
async function loadProject(exp, embedding, { openExport, loadModel, tf }) {
  const doc = checkProject(exp);
  const made = doc.embedding_model;
  if (!embedding) {
    throw new Error(`${exp.where} is a pytfjs webcam project: set the model node's Embedding `
      + `model to the folder of ${made.name} (models/${made.name} of the pytfjs site)`);
  }
  const base = openExport(embedding);
  const digest = modelDigest(base);
  if (!sameEmbeddings(made.sha256, digest)) {
    throw new Error(`${exp.where} was made with ${made.name} (sha256 ${made.sha256.slice(0, 12)}...), `
      + `but ${base.where} is another model (sha256 ${digest.slice(0, 12)}...): choose the `
      + 'embedding model the project was made with');
  }
  const baseMeta = base.json('metadata.json');
  const meta = checkImageMeta({
    labels: doc.classes, input_size: baseMeta.input_size, mean: baseMeta.mean,
    std: baseMeta.std, scale: 255,
  }, `project.json in ${exp.where}`);
  const baseModel = await loadModel(base);
  let head;
  try {
    head = await loadModel(subExport(exp, 'model/'));
    const cut = baseModel.getLayer(made.cut).output;
    const model = tf.model({ inputs: baseModel.inputs, outputs: head.apply(cut) });
    return {
      model, meta, trained: doc.model,
      dispose: () => { baseModel.dispose(); head.dispose(); },
    };
  } catch (err) {
    baseModel.dispose();
    if (head) head.dispose();
    throw err;
  }
}

module.exports = {
  loadProject, checkProject, modelDigest, sameEmbeddings, SAME_EMBEDDINGS, FORMAT, VERSION,
};
