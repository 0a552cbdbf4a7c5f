// Ask TF.js itself which layer classes it can deserialise: the class names in its
// serialization registry (tf.serialization.SerializationMap) whose class is a tf.layers.Layer.
// Usage: node tests/node/tfjs_layer_registry.js
// Prints one JSON object: {"tfjs": "<version>", "layers": ["Activation", ...]} (sorted).
'use strict';
const tf = require('@tensorflow/tfjs');

const registry = tf.serialization.SerializationMap.getMap().classNameMap;
const Layer = tf.layers.Layer;
const layers = Object.keys(registry)
  .filter((name) => {
    const cls = registry[name][0];
    return typeof cls === 'function' && cls.prototype instanceof Layer;
  })
  .sort();
process.stdout.write(JSON.stringify({tfjs: tf.version.tfjs, layers}) + '\n');
