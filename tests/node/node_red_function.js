// Runs the README's Node-RED function-node code with stand-ins for Node-RED's `global`,
// `context` and `node` (Node-RED itself is not installed here), on a PNG, twice (the
// second message reuses the loaded model). Prints the two msg.payload results as JSON.
// Usage: node node_red_function.js README.md MODEL_DIR IMAGE.png
'use strict';
const fs = require('fs');
const path = require('path');

const [readme, modelDir, image] = process.argv.slice(2);
const text = fs.readFileSync(readme, 'utf8');
const start = text.indexOf('A function node whose input');
const match = /```js\n([\s\S]*?)```/.exec(text.slice(start));
if (start < 0 || !match) throw new Error('the README has no function-node example');
const body = match[1].replace('/home/pi/rpsls-model', modelDir);

const store = { rpsls: require(path.resolve(__dirname, '../../examples/node/rpsls-classify.js')) };
const global = { get: (key) => store[key] };
const local = {};
const context = { get: (key) => local[key], set: (key, value) => { local[key] = value; } };
const fn = new Function('msg', 'node', 'context', 'global', body);  

function run(payload) {
  return new Promise((resolve, reject) => {
    const node = { send: (msg) => resolve(msg.payload), done: () => {}, error: (err) => reject(err) };
    const returned = fn({ payload }, node, context, global);
    if (returned !== null) reject(new Error(`the function returned ${returned}, not null`));
  });
}

(async () => {
  const png = fs.readFileSync(image);
  const first = await run(png);
  const second = await run(png);
  console.log(JSON.stringify({ first, second, loadedOnce: local.classifier !== undefined }));
})().catch((e) => { console.error(e); process.exit(1); });
