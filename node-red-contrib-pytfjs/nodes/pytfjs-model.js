/**
 * Config node "pytfjs model": loads one exported model (folder or zip) once, when the flow
 * starts, and shares it with every "pytfjs predict" node that names it. Disposes it when
 * the flow stops or is redeployed.
 */
'use strict';

module.exports = function register(RED) {
  function PytfjsModelNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.path = config.path;
    node.name = config.name;
    node.backend = config.backend || '';
    node.embedding = config.embedding || '';
    node.state = { loading: true, error: null, loaded: null };
    // `ready` never rejects, so a failed load is no unhandled rejection: users read state
    node.ready = (async () => {
      try {
        const { loadExport } = require('../lib');
        const loaded = await loadExport(node.path, { backend: node.backend,
          embedding: node.embedding });
        node.state = { loading: false, error: null, loaded };
        if (loaded.previous && loaded.backend !== loaded.previous) {
          node.warn(`TF.js in this Node-RED now runs on ${loaded.backend} (was ${loaded.previous}): `
            + 'the backend is one for the whole process');
        }
        node.log(`loaded ${loaded.summary} from ${loaded.where} (TF.js backend ${loaded.backend})`);
      } catch (err) {
        node.state = { loading: false, error: err, loaded: null };
        node.error(`cannot load the model "${node.path}": ${err.message}`);
      }
      return node.state;
    })();
    node.on('close', (done) => {
      node.ready.then((state) => {
        if (state.loaded) state.loaded.dispose();
        node.state = { loading: false, error: new Error('the model was unloaded'), loaded: null };
        done();
      });
    });
  }
  RED.nodes.registerType('pytfjs-model', PytfjsModelNode);
};
