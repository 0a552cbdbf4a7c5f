#!/usr/bin/env node
/**
 * Classify a PNG or JPEG with a model exported by the "Rock, paper, scissors, lizard,
 * Spock" lab, in plain Node.js.
 *
 *   node examples/node/rpsls-classify.js rpsls-model.zip photo.png   (or the unzipped folder)
 *   node examples/node/rpsls-classify.js rpsls-project.zip photo.png dist/models/mobilenet_v2
 *
 * The second form takes the studio's project file (Export project) and the embedding
 * model it was made with (checked by sha256; the project holds the trained head only).
 *
 * Prints {"class", "probability", "probabilities": {label: p}} as JSON. Needs only
 * @tensorflow/tfjs (pure JavaScript, no native build) and the small pure-JS libraries of
 * node-red-contrib-pytfjs (pngjs, jpeg-js, fflate), as installed by this project's
 * `npm ci`. The picture is decoded and prepared by that package exactly as the page
 * prepares a picture (metadata.json: the centre square resized to 224x224 by averaging
 * whole-pixel bins, RGB / 255, minus mean, over std, in float32); the Node-RED nodes run
 * the same code.
 *
 * As a module (your own code):
 *   const rpsls = require('./rpsls-classify.js');
 *   const classifier = await rpsls.load('rpsls-model');
 *   const result = await classifier.classifyImage(fs.readFileSync('photo.png'));
 */
'use strict';
const fs = require('fs');
const { loadExport, predict, image } = require('../../node-red-contrib-pytfjs/lib');

/** The classifier of an export (folder or zip). */
async function load(source, embedding = '') {
  const loaded = await loadExport(source, { embedding });
  if (loaded.kind !== 'image') {
    loaded.dispose();
    throw new Error(`${source} is not an image classifier export (no metadata.json with labels)`);
  }
  const classifyImage = async (bytes) => {
    const { payload } = await predict(loaded, bytes);
    return { class: payload.label, probability: payload.probability,
      probabilities: payload.probabilities };
  };
  return { meta: loaded.meta, model: loaded.model, classifyImage, classifyPng: classifyImage,
    dispose: () => loaded.dispose() };
}

async function main() {
  const [source, picture, embedding] = process.argv.slice(2);
  if (!source || !picture) {
    console.error('usage: node rpsls-classify.js MODEL_FOLDER_OR_ZIP IMAGE.png|IMAGE.jpg '
      + '[EMBEDDING_MODEL_FOLDER (for a project zip)]');
    process.exit(2);
  }
  const classifier = await load(source, embedding);
  const result = await classifier.classifyImage(fs.readFileSync(picture));
  classifier.dispose();
  console.log(JSON.stringify(result));
}

module.exports = { load, decodeImage: image.decodeImage, centerSquare: image.centerSquare,
  normalise: image.normalise };

if (require.main === module) {
  main().catch((err) => { console.error(String(err.message || err)); process.exit(1); });
}
