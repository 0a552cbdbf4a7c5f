// Load exports with node-red-contrib-pytfjs's lib and predict once per payload.
// Usage: node pytfjs_load.js JOBS.json   (JOBS: [{source, embedding?, payloads: [{json} | {file}]}])
// Prints one JSON line per job: {summary, kind, results: [{payload} | {error}],
// tensorsBefore, tensorsAfter} or {error} when the export cannot be loaded.
'use strict';
const fs = require('fs');
const { loadExport, predict, tf } = require('../../node-red-contrib-pytfjs/lib');

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    let loaded;
    try {
      loaded = await loadExport(job.source, { embedding: job.embedding });
    } catch (e) {
      console.log(JSON.stringify({ error: String(e.message || e), tensors: tf.memory().numTensors }));
      continue;
    }
    const before = tf.memory().numTensors;
    const results = [];
    for (const p of job.payloads || []) {
      const payload = 'file' in p ? fs.readFileSync(p.file) : p.json;
      try {
        results.push({ payload: (await predict(loaded, payload)).payload });
      } catch (e) {
        results.push({ error: String(e.message || e) });
      }
    }
    const after = tf.memory().numTensors;
    loaded.dispose();
    console.log(JSON.stringify({ summary: loaded.summary, kind: loaded.kind, results,
      tensorsBefore: before, tensorsAfter: after, tensorsDisposed: tf.memory().numTensors }));
  }
})().catch((e) => { console.error(e); process.exit(1); });
