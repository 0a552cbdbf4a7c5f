/**
 * The package's plain-Node.js side (no Node-RED needed): load an export, predict, and the
 * preparation steps, shared by the Node-RED nodes and by examples/node/ in the pytfjs repo.
 */
'use strict';
const { tf, describe } = require('./tf');
const { loadExport } = require('./model');
const { predict } = require('./predict');
const image = require('./image');
const csv = require('./csv');

module.exports = { tf, describeTf: describe, loadExport, predict, image, csv };
