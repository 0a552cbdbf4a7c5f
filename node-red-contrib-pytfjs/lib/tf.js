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

/** Where this process's tfjs lives, its version and backend (for status and logs). */
function describe() {
  let where = '';
  try { where = require.resolve('@tensorflow/tfjs'); } catch (_) { /* bundled elsewhere */ }
  return { version: tf.version_core, backend: tf.getBackend(), where };
}

module.exports = { tf, describe };
