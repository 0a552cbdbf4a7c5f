/**
 * The files of an exported model, from a folder, a zip (as the labs download it) or a
 * model.json path, as {name: Buffer}. Zips are read with fflate (pure JavaScript); a zip
 * whose files sit in one folder (re-zipped by hand) is read from inside that folder. A
 * webcam project (project.json at the top, lib/project.js) keeps its folders: model/...
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { unzipSync } = require('fflate');

const MAX_ZIP_BYTES = 1024 * 1024 * 1024;

function readZip(file) {
  const size = fs.statSync(file).size;
  if (size > MAX_ZIP_BYTES) throw new Error(`${file} is ${size} bytes: too large for a model zip`);
  let entries;
  try {
    entries = unzipSync(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`${file} is not a readable zip (${err.message}): download the model again`, { cause: err });
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/') && !n.startsWith('__MACOSX/'));
  if (names.includes('project.json')) {
    return Object.fromEntries(names.map((n) => [n, Buffer.from(entries[n])]));
  }
  const modelJson = names.filter((n) => path.posix.basename(n) === 'model.json');
  if (modelJson.length !== 1) {
    throw new Error(`${file} holds ${modelJson.length ? 'several' : 'no'} model.json: `
      + 'choose the zip the lab exported (one model in it)');
  }
  const prefix = modelJson[0].slice(0, -'model.json'.length);
  const files = {};
  for (const name of names) {
    if (name.startsWith(prefix)) files[name.slice(prefix.length)] = Buffer.from(entries[name]);
  }
  return files;
}

function readFolder(dir, prefix = '') {
  const files = {};
  const project = !prefix && fs.existsSync(path.join(dir, 'project.json'));
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    const stat = fs.statSync(full);
    if (stat.isFile()) files[prefix + name] = { lazy: full };
    else if (project && stat.isDirectory()) Object.assign(files, readFolder(full, `${name}/`));
  }
  if (!files['model.json'] && !files['project.json'] && !prefix) {
    throw new Error(`${dir} has no model.json: choose the folder (or the .zip) the lab exported`);
  }
  return files;
}

/**
 * {files, read(name)}: ``read`` gives a file's bytes or throws naming the missing file.
 * ``source`` is a folder, a .zip or a model.json path; ~ means the home folder.
 */
function openExport(source) {
  if (typeof source !== 'string' || !source.trim()) {
    throw new Error('no model path: set the folder or .zip of an exported model');
  }
  let where = source.trim();
  if (where === '~' || where.startsWith('~/')) where = path.join(require('os').homedir(), where.slice(1));
  if (!fs.existsSync(where)) throw new Error(`${where} does not exist: check the model path`);
  const stat = fs.statSync(where);
  let files;
  if (stat.isDirectory()) files = readFolder(where);
  else if (path.basename(where) === 'model.json') files = readFolder(path.dirname(where));
  else files = readZip(where);
  return {
    where,
    has: (name) => name in files,
    read(name) {
      const entry = files[name];
      if (!entry) throw new Error(`${where} has no ${name}: the export is incomplete, export it again`);
      return entry.lazy ? fs.readFileSync(entry.lazy) : entry;
    },
    json(name) {
      const text = this.read(name).toString('utf8');
      try {
        return JSON.parse(text);
      } catch (err) {
        throw new Error(`${name} in ${where} is not valid JSON (${err.message})`, { cause: err });
      }
    },
  };
}

module.exports = { openExport };
