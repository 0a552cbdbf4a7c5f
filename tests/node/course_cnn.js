/*
 * The course's MNIST CNN (week 2), defined once for every JavaScript that trains it:
 * bench/bench.py (pure-JS fit in the runtime worker, which gets this file's source),
 * bench/profile_mnist_step.js, and the kernel checks tests/node/check_wasm_kernels.js and
 * check_wasm_simd.js. The lab's own Python definition is py/labs/mnist/main.py.
 */
function courseCnnLayers(tf) {
  return [
    tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: 3, filters: 8, activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: [2, 2]}),
    tf.layers.conv2d({kernelSize: 3, filters: 16, activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: [2, 2]}),
    tf.layers.flatten(),
    tf.layers.dense({units: 128, activation: 'relu'}),
    tf.layers.dense({units: 10, activation: 'softmax'}),
  ];
}

/** The model as the course compiles it: adam, categorical cross-entropy, accuracy. */
function courseCnn(tf) {
  const model = tf.sequential({layers: courseCnnLayers(tf)});
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

if (typeof module !== 'undefined') module.exports = {courseCnn, courseCnnLayers};
