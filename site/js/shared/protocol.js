/*
 * protocol.js: every message between the lab page and the runtime worker (site/worker.js),
 * and the one class both sides send them with.
 *
 * The page keeps what needs the DOM (editor, console, charts, prompts, webcam, pad);
 * the worker runs Pyodide, TensorFlow.js and the lab's Python. A message is
 * {type, ...fields}. Structure travels as JSON text or plain values (structured clone);
 * bulk bytes travel as typed arrays whose buffers are transferred, never shared: the
 * worker copies anything it sends out of Python's memory first (see Link.post), so a
 * view into the WebAssembly heap is never cloned whole or detached.
 *
 * A request carries an `id`; its answer is {type: "reply", id, ok, value | error}.
 */

/** Page -> worker. `answer`: the page awaits a reply. */
export const TO_WORKER = {
  boot: { fields: ["backend", "simd", "threads", "lang"], doc: "start TF.js (that backend, or the default; threads: false keeps wasm on one thread) and Python; lang: the page's language (js/shared/i18n.js)" },
  packages: { fields: ["names"], answer: true, doc: "load pytfjs and the lab's packages; reply {python, tfjs}" },
  run: { fields: ["code", "lab", "params", "lang"], answer: true, doc: "run a lab in the page's language (pytfjs.i18n.set_language); reply {status, errorKind, errorLine}" },
  stop: { fields: [], doc: "Stop pressed: the run ends at its next batch, question or await" },
  setBackend: { fields: ["name"], answer: true, doc: "switch backend; reply {name, threads}" },
  memory: { fields: [], answer: true, doc: "tf.memory() now: {numTensors, numBytes}" },
  pad: { fields: ["pad", "pixels"], answer: true, doc: "a drawing pad's gray pixels (Uint8Array); reply: JSON of [[label, p], ...]" },
  studioFlag: { fields: ["studio", "stopTraining"], doc: "the studio's Stop training button" },
  wheel: { fields: ["name", "bytes"], answer: true, doc: "a .whl file the learner added (js/page/wheels.js); micropip installs it for this page; reply JSON {ok, text}" },
  reply: { fields: ["id", "ok", "value", "error"], doc: "the answer to a worker request (a prompt, the studio's next event)" },
};

/** Worker -> page. */
export const TO_PAGE = {
  out: { fields: ["kind", "text"], doc: "a line Python printed (kind out | err)" },
  capabilities: { fields: ["worker"], doc: "what the worker has (js/shared/capabilities.js), sent first" },
  beat: { fields: [], doc: "the worker is alive, every 250 ms until the lab's packages are loaded (js/page/startup.js)" },
  fetched: { fields: ["urls"], doc: "files the worker has downloaded (the loading bar counts them)" },
  step: { fields: ["name", "text", "failed"], doc: "a start-up step (backend, python) and what it says; failed: it cannot go on" },
  backend: { fields: ["name", "note", "threads"], doc: "the TF.js backend is ready" },
  python: { fields: ["version", "snapshot"], doc: "Pyodide has started (snapshot: restored from js/worker/python_snapshot.js)" },
  memory: { fields: ["numTensors", "numBytes", "backend"], doc: "tf.memory(), sent every 300 ms while idle" },
  ui: { fields: ["call", "args"], doc: "a call from Python to the page: one of UI_CALLS; with an id when it answers" },
  violation: { fields: ["text", "where"], doc: "a Content-Security-Policy violation in the worker (its directive and what it blocked)" },
  fatal: { fields: ["message"], doc: "Pyodide died (out of memory, stack overflow): the page starts a new worker" },
  reply: { fields: ["id", "ok", "value", "error"], doc: "the answer to a page request" },
};

/**
 * What Python (py/pytfjs/output.py, charts.py, prompts.py, reporting.py, studio.py) asks of the page, in the worker's
 * `pytfjsHost.ui`: name -> argument names; `answer` calls return a Promise the page
 * settles (a prompt rejects with "pytfjs:stopped" when Stop ends it).
 */
export const UI_CALLS = {
  progress: { args: ["json"] },
  report: { args: ["json"] },
  render: { args: ["kind", "title", "dataJson", "optionsJson", "summary"] },
  table: { args: ["title", "json"] },
  image: { args: ["title", "json", "pixels"] },
  message: { args: ["text", "kind"] },
  offerDownload: { args: ["text", "name", "bytes", "type"] },
  download: { args: ["name", "bytes", "type"] },
  drawingPad: { args: ["title", "pad", "size"] },
  askFile: { args: ["message", "accept", "samples"], answer: true },
  askChoice: { args: ["message", "options", "defaultValue"], answer: true },
  askMany: { args: ["message", "options", "checked"], answer: true },
  askText: { args: ["message", "specJson"], answer: true },
  askCamera: { args: ["message", "maxSide"], answer: true },
  studio: { args: ["studio", "configJson"] },
  studioCall: { args: ["studio", "method", "args"] },
  studioNext: { args: ["studio"], answer: true },
};

/** Methods of a studio handle that studioCall forwards (js/page/studio.js draws them). */
export const STUDIO_METHODS = ["classes", "samples", "mode", "status", "settings", "confirmImport", "say",
  "prediction", "finish"];

const isBytes = (v) => ArrayBuffer.isView(v) || v instanceof ArrayBuffer;

/**
 * Bytes in a message, ready to send: with `copy`, each typed array or ArrayBuffer is
 * copied (its copy transferred), so the sender's memory is never cloned or detached;
 * without, a typed array that owns its whole buffer has that buffer transferred.
 * Looks one level into arrays and plain objects (a camera frame's {pixels}).
 */
function prepare(value, copy, transfer) {
  if (isBytes(value)) {
    const owned = value instanceof ArrayBuffer ? value : value.buffer;
    const whole = value instanceof ArrayBuffer || (value.byteOffset === 0 && value.byteLength === owned.byteLength);
    if (!copy && whole && owned instanceof ArrayBuffer) {
      if (!transfer.includes(owned)) transfer.push(owned);
      return value;
    }
    const fresh = value instanceof ArrayBuffer ? value.slice(0) : value.slice();
    transfer.push(fresh instanceof ArrayBuffer ? fresh : fresh.buffer);
    return fresh;
  }
  return value;
}

function prepareAll(fields, copy, transfer) {
  const out = {};
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value)) out[key] = value.map((v) => prepareShallow(v, copy, transfer));
    else out[key] = prepareShallow(value, copy, transfer);
  }
  return out;
}

function prepareShallow(value, copy, transfer) {
  if (value && typeof value === "object" && !isBytes(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = prepare(v, copy, transfer);
    return out;
  }
  return prepare(value, copy, transfer);
}

/**
 * One end of the page <-> worker channel: post(type, fields), request(type, fields)
 * -> Promise of the reply, and handle(type, fn) (fn's return value, or what its Promise
 * settles to, is the reply when the message had an id). `copyBytes`: the worker's end.
 */
export class Link {
  constructor(port, { copyBytes = false, schema = {} } = {}) {
    this.port = port;
    this.copyBytes = copyBytes;
    this.schema = schema; // the table of messages this end sends (checked in post)
    this.handlers = new Map();
    this.pending = new Map();
    this.nextId = 1;
    port.onmessage = (event) => this.receive(event.data);
  }

  post(type, fields = {}, id = undefined) {
    if (type !== "reply" && !(type in this.schema)) throw new Error(`protocol: no message "${type}"`);
    const transfer = [];
    const message = { type, ...prepareAll(fields, this.copyBytes, transfer) };
    if (id !== undefined) message.id = id;
    this.port.postMessage(message, transfer);
  }

  request(type, fields = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.post(type, fields, id);
      } catch (err) {
        this.pending.delete(id);
        reject(err);
      }
    });
  }

  handle(type, fn) {
    this.handlers.set(type, fn);
  }

  /** Every pending request fails (the other end is gone). */
  failAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  async receive(message) {
    if (message.type === "reply") {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(message.error));
      return;
    }
    const fn = this.handlers.get(message.type);
    if (!fn) {
      if (message.id !== undefined) this.post("reply", { ok: false, error: `no handler for "${message.type}"` }, message.id);
      return;
    }
    if (message.id === undefined) {
      fn(message);
      return;
    }
    try {
      const value = await fn(message);
      this.post("reply", { ok: true, value }, message.id);
    } catch (err) {
      this.post("reply", { ok: false, error: String((err && err.message) || err) }, message.id);
    }
  }
}
