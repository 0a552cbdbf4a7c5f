/**
 * The one TensorFlow.js of this process.
 *
 * `@tensorflow/tfjs` is a peer dependency: it is installed once, next to Node-RED's other
 * modules (in the user directory), and every user of it in the process (these nodes,
 * function nodes' `libs`, other packages) gets the same copy from Node's module cache. Two
 * copies would register their kernels and variables twice ("kernel already registered").
 * A missing tfjs is reported with the command that installs it, not with a stack trace.
 */
'use strict';

let tf;
try {
  tf = require('@tensorflow/tfjs');
} catch (err) {
  if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes('@tensorflow/tfjs')) throw err;
  const e = new Error('@tensorflow/tfjs is not installed where Node-RED can find it: run '
    + '"npm install @tensorflow/tfjs@4.22.0" in your Node-RED user directory (~/.node-red) '
    + 'and restart Node-RED');
  e.code = 'PYTFJS_NO_TFJS';
  throw e;
}

const BACKEND_MODULES = { wasm: '@tensorflow/tfjs-backend-wasm' };

/**
 * Make ``name`` ('cpu' or 'wasm') TF.js's backend for the whole process (one tfjs: one
 * backend for every model and function node in it); '' leaves it as it is. The wasm
 * backend (WebAssembly, no native build, several times faster than 'cpu') is an optional
 * peer dependency: its absence is an error naming the install command. Returns
 * {backend, previous}.
 */
function useBackend(name) {
  // one switch at a time: model nodes start together, and a model must not load while
  // another node's setBackend is still initialising the backend
  const run = switching.then(() => switchBackend(name));
  switching = run.catch(() => {});
  return run;
}

let switching = Promise.resolve();

async function switchBackend(name) {
  await tf.ready();
  const previous = tf.getBackend();
  if (!name || name === previous) return { backend: previous, previous };
  const module = BACKEND_MODULES[name];
  if (module && !tf.findBackendFactory(name)) {
    try {
      require(module);
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
      throw new Error(`the ${name} backend needs ${module}: run "npm install ${module}@${tf.version_core}" `
        + 'in your Node-RED user directory (~/.node-red) and restart Node-RED, or choose the cpu backend', { cause: err });
    }
  }
  if (!tf.findBackendFactory(name)) throw new Error(`TF.js has no "${name}" backend: choose cpu or wasm`);
  if (!(await tf.setBackend(name))) throw new Error(`TF.js could not start its ${name} backend`);
  return { backend: name, previous };
}

/** Where this process's tfjs lives, its version and backend (for status and logs). */
function describe() {
  let where = '';
  try { where = require.resolve('@tensorflow/tfjs'); } catch (_) { /* bundled elsewhere */ }
  return { version: tf.version_core, backend: tf.getBackend(), where };
}

module.exports = { tf, describe, useBackend };
