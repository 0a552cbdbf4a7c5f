/**
 * "pytfjs predict": msg.payload (a PNG/JPEG Buffer, a CSV row, or numbers) through the
 * model of its "pytfjs model" config node. Sends {label, probability, probabilities}
 * (classifiers), {value} (CSV regression) or the output array (other models), with the
 * timing in msg.pytfjs. Bad input: node.error(message, msg) (a Catch node gets it) and a
 * red status; the message is not sent on and no tensor is kept.
 */
'use strict';

module.exports = function register(RED) {
  function PytfjsPredictNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.modelNode = RED.nodes.getNode(config.model);
    node.property = config.property || 'payload';
    let count = 0;

    const status = (fill, text) => node.status({ fill, shape: fill === 'red' ? 'ring' : 'dot', text });
    // a badge has room for ~60 characters: folders left out, the file name and reason kept
    const short = (text) => {
      const brief = text.replace(/(?:[A-Za-z]:)?(?:[\\/][^\s\\/:"]+)+[\\/]/g, '');
      return brief.length > 60 ? `${brief.slice(0, 57)}...` : brief;
    };

    if (!node.modelNode) {
      status('red', 'no model chosen');
    } else {
      status('yellow', 'loading model');
      node.modelNode.ready.then((state) => {
        if (state.error) status('red', short(`model: ${state.error.message}`));
        else status('green', state.loaded.summary);
      });
    }

    node.on('input', async (msg, send, done) => {
      try {
        if (!node.modelNode) throw new Error('no "pytfjs model" is chosen in this node: edit it and pick one');
        const state = await node.modelNode.ready;
        if (state.error) throw new Error(`the model could not be loaded: ${state.error.message}`);
        const { predict } = require('../lib');
        const { tf } = require('../lib/tf');
        const input = RED.util.getMessageProperty(msg, node.property);
        const out = await predict(state.loaded, input);
        RED.util.setMessageProperty(msg, node.property, out.payload, true);
        msg.pytfjs = {
          kind: state.loaded.kind, ms: out.ms, backend: tf.getBackend(),
          tensors: tf.memory().numTensors,
        };
        count += 1;
        const what = out.payload && out.payload.label !== undefined ? out.payload.label
          : out.payload && out.payload.value !== undefined ? Number(out.payload.value).toPrecision(4) : 'ok';
        status('green', `${what} (${out.ms.total.toFixed(0)} ms, #${count})`);
        send(msg);
        done();
      } catch (err) {
        status('red', short(err.message));
        done(err);
      }
    });
  }
  RED.nodes.registerType('pytfjs-predict', PytfjsPredictNode);
};
