// Plain Node.js side of bench/bench_node_red.py: ms per prediction with
// node-red-contrib-pytfjs's lib (the code the Node-RED node runs), no Node-RED.
// Usage: node node_predict_timing.js MODEL PAYLOAD_FILE (png|json) WARMUP RUNS [BACKEND]
// Prints {median, min, max, tensorsBefore, tensorsAfter} in ms.
'use strict';
const fs = require('fs');
const { loadExport, predict, tf } = require('../node-red-contrib-pytfjs/lib');

(async () => {
  const [model, file, kind, warmup, runs, backend] = process.argv.slice(2);
  const loaded = await loadExport(model, { backend: backend || 'cpu' });
  const payload = kind === 'json' ? JSON.parse(fs.readFileSync(file, 'utf8')) : fs.readFileSync(file);
  for (let i = 0; i < Number(warmup); i += 1) await predict(loaded, payload);
  const before = tf.memory().numTensors;
  const times = [];
  for (let i = 0; i < Number(runs); i += 1) {
    const t0 = performance.now();
    await predict(loaded, payload);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ median: times[Math.floor(times.length / 2)], min: times[0],
    max: times[times.length - 1], tensorsBefore: before, tensorsAfter: tf.memory().numTensors,
    backend: tf.getBackend() }));
})().catch((e) => { console.error(e); process.exit(1); });
