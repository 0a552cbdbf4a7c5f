/*
 * worker.js: the runtime worker. Pyodide, TensorFlow.js (every backend) and the lab's
 * Python run here, off the page's thread, so a busy or endless run never freezes the
 * page: the page (js/page/lab.js) keeps the editor, console, charts, prompts, webcam and pad.
 * Every message is listed in js/shared/protocol.js. It lives at the site's root so that relative
 * URLs (data/iris.csv, models/...) mean the same here as on the page.
 *
 * Python reaches the page through `pytfjsHost` (py/pytfjs/_compat.py is the only module
 * that names it): `ui` forwards each call of protocol.js's UI_CALLS as a message.
 */
import { Link, TO_PAGE, UI_CALLS, STUDIO_METHODS } from "./js/shared/protocol.js";
import { decodeImage, decodeSprite } from "./js/shared/pixels.js";
import { workerCapabilities } from "./js/shared/capabilities.js";
import { siteUrl } from "./js/shared/site_url.js";
import { formatNumber, t, useLanguage } from "./js/shared/i18n.js";
import { initBackend, setBackend, threadsOf, webglInfo, webgpuInfo, defaultBackend } from "./js/worker/backends.js";
import { openStore } from "./js/worker/store.js";
import { savedSnapshot, takeSnapshot, keepSnapshot, forgetSnapshot, AFTER_RESTORE } from "./js/worker/python_snapshot.js";
import { missingPrivateApis, onFatal, pythonHeapBytes, readZipDirectoriesOnce, restoreOptions, snapshotOptions } from "./js/worker/private_apis.js";
import * as wasmKernels from "./js/worker/wasm_kernels.js";

const link = new Link(self, { copyBytes: true, schema: TO_PAGE });
const out = (kind, text) => link.post("out", { kind, text });

// Every Content-Security-Policy violation here (a script, worker or fetch the policy
// refused, an eval) goes to the page, which says it in its console and error list: a
// regression of the policy cannot pass unseen.
self.addEventListener("securitypolicyviolation", (event) => {
  const text = `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`;
  console.error(`Content-Security-Policy violation in the runtime worker: ${text}`);
  link.post("violation", { text, where: "worker" });
});

// Alive signs while starting: a worker whose thread is blocked (a start that cannot go
// on, not an error) goes quiet, and the page's watch (js/page/startup.js) notices. They stop
// once the lab's packages are in: from then on busy Python is quiet by design.
let beating = setInterval(() => link.post("beat"), 250);

// A site file that fails to arrive while the worker starts ends that step at once, named:
// Pyodide, for one, waits for good when its .wasm answers 404 (no error reaches us).
const siteFetch = globalThis.fetch;
const stepOf = (url) => (/\/vendor\/tfjs|\/kernels\//.test(url) ? "backend" : /\.whl$/.test(url) ? "packages" : "python");
globalThis.fetch = async (resource, init) => {
  const url = String(resource instanceof Request ? resource.url : resource);
  const booting = beating !== 0;
  try {
    const response = await siteFetch(resource, init);
    if (!response.ok && booting) {
      link.post("step", { name: stepOf(url), failed: true,
        text: t("{file} answered {status} (the site is missing a file: rebuild or re-copy it)",
          { file: url.replace(siteUrl(""), ""), status: `${response.status} ${response.statusText}`.trim() }) });
    }
    return response;
  } catch (err) {
    if (booting) {
      link.post("step", { name: stepOf(url), failed: true,
        text: t("{file} could not be downloaded ({error})", { file: url.replace(siteUrl(""), ""), error: err.message || err }) });
    }
    throw err;
  }
};
workerCapabilities().then((worker) => link.post("capabilities", { worker }),
  (err) => out("err", t("Could not tell what this browser supports: {error}", { error: err.message || err })));

// Files this worker downloads (Pyodide, wheels, TF.js) feed the page's loading bar.
new PerformanceObserver((list) => link.post("fetched", { urls: list.getEntries().map((e) => e.name) }))
  .observe({ type: "resource", buffered: true });

// An interrupted run also rejects Pyodide's own promise of it: not news. Any other
// promise nobody handled is reported, never lost.
self.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  const reason = event.reason;
  if (String(reason).includes("KeyboardInterrupt")) return;
  out("err", t("JavaScript error in the runtime worker: {error}", { error: (reason && reason.message) || reason }));
});
// Any other JavaScript error here is reported, and is not the worker's end: only an error
// that reaches the page's Worker object (the module failed to load) makes the page start
// a new one (js/page/runtime_client.js).
self.addEventListener("error", (event) => {
  event.preventDefault();
  out("err", t("JavaScript error in the runtime worker: {error}", { error: event.message }));
});

/** TF.js and its wasm backend, in order (backends register themselves with tf); the
 *  webgpu backend loads when it is asked for (js/worker/backends.js). */
async function loadTfjs() {
  // the ES2017 builds: no eval sink (the ES5 tf.min.js reaches Function(...) through
  // its regenerator-runtime and core-js helpers), so the policy needs no 'unsafe-eval'
  await import("./vendor/tfjs/tf.es2017.min.js");
  await import("./vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js");
}

let pyodide = null;
let runner = null;
let interrupt = null; // Uint8Array over the page's SharedArrayBuffer (cross-origin isolated only)
let snapshot = null; // or the snapshot this start made, until it is stored

/** Pyodide, from this browser's snapshot of a fresh Python when there is one
 *  (js/worker/python_snapshot.js), else started normally and the snapshot made for next time. */
async function startPython() {
  const stored = savedSnapshot().catch(() => null);
  await import("./vendor/pyodide/pyodide.js");
  const options = {
    indexURL: siteUrl("vendor/pyodide/"),
    fullStdLib: false,
    stdout: (line) => out("out", line),
    stderr: (line) => out("err", line),
  };
  let py = null;
  const saved = await stored;
  if (saved) {
    try {
      py = await loadPyodide({ ...options, ...restoreOptions(saved.bytes) });
      py.runPython(AFTER_RESTORE);
      readZipDirectoriesOnce(py);
      link.post("python", { version: py.version, snapshot: true });
    } catch (err) {
      console.warn("Python's start-up snapshot did not restore; starting normally:", err);
      py = null;
      await forgetSnapshot().catch(() => {});
    }
  }
  if (!py) {
    py = await loadPyodide({ ...options, ...snapshotOptions() });
    link.post("python", { version: py.version, snapshot: false });
    readZipDirectoriesOnce(py); // before the snapshot, so that it holds it too
    try {
      snapshot = takeSnapshot(py); // stored once the lab is ready (the "boot" handler)
    } catch (err) {
      console.warn("Python's start-up snapshot was not made:", err); // the next start is a normal one
    }
  }
  if (interrupt) py.setInterruptBuffer(interrupt);
  // Pyodide cannot go on after a fatal error: the page starts a new worker.
  onFatal(py, (e) => link.post("fatal", { message: String((e && e.message) || e).split("\n")[0] }));
  return py;
}

const clearInterrupt = () => { if (interrupt) interrupt[0] = 0; };

// ---------------------------------------------------------------- what Python calls
// Drawing pads and studios outlive a call: Python's handler (a proxy) or the handle
// stays here, the page gets a number for it.
const pads = new Map();
const studios = new Map();
let lastId = 0;

const ui = {};
for (const [call, spec] of Object.entries(UI_CALLS)) {
  ui[call] = (...args) => (spec.answer ? link.request("ui", { call, args }) : link.post("ui", { call, args }));
}
ui.drawingPad = (title, handler, size) => {
  lastId += 1;
  pads.set(lastId, handler);
  link.post("ui", { call: "drawingPad", args: [title, lastId, size] });
};
/** The layer table (tfjs-vis' modelSummary columns), drawn by the page as a table. */
ui.modelSummary = (title, model) => {
  const rows = model.layers.map((layer) => [
    `${layer.name} (${layer.getClassName()})`,
    JSON.stringify(layer.outputShape).replaceAll("null", t("batch")),
    layer.countParams(),
    layer.trainable ? t("yes") : t("no"),
  ]);
  const total = model.countParams();
  const caption = t("{layers} layers, {total} parameters", { layers: model.layers.length, total: formatNumber(total) });
  ui.table(title, JSON.stringify({ headers: [t("Layer (type)"), t("Output shape"), t("Parameters"), t("Trainable")], rows, caption }));
};
ui.studio = (configJson) => {
  lastId += 1;
  const id = lastId;
  const handle = { stopTraining: false, next: () => link.request("ui", { call: "studioNext", args: [id] }) };
  for (const method of STUDIO_METHODS) {
    handle[method] = (...args) => link.post("ui", { call: "studioCall", args: [id, method, args] });
  }
  studios.set(id, handle);
  link.post("ui", { call: "studio", args: [id, configJson] });
  return handle;
};

// A zero-delay task (no 4 ms timer clamp): long Python work awaits it now and then so
// that messages (Stop, the pad) get through.
const channel = new MessageChannel();
const resumes = [];
channel.port1.onmessage = () => { const resume = resumes.shift(); if (resume) resume(); };
const yieldNow = () => new Promise((resolve) => { resumes.push(resolve); channel.port2.postMessage(0); });

globalThis.pytfjsHost = {
  ui,
  siteUrl,
  setBackend: switchBackend,
  decodeImage,
  decodeSprite: (url, ...rest) => decodeSprite(siteUrl(url), ...rest),
  openStore,
  yieldNow,
  // for tests and benchmarks (Playwright's worker.evaluate): what the page cannot see
  pythonHeapBytes: () => (pyodide ? pythonHeapBytes(pyodide) : 0),
  wasmKernels, // the wasm training kernels: their table, chains, check() and SIMD state
  /** The private Pyodide/TF.js APIs the running versions lack (js/worker/private_apis.js);
   *  `py`: another Pyodide-like object to check (tests plant one). */
  missingPrivateApis: (py = pyodide) => missingPrivateApis(tf, py, siteUrl),
  webglInfo,
  webgpuInfo,
  defaultBackend,
};

// ---------------------------------------------------------------- messages from the page
let booting = null;
let python = null; // Pyodide started, with pytfjs and numpy (every lab's) loaded or loading
const quietly = { messageCallback: () => {}, errorCallback: (m) => out("err", m) };

link.handle("boot", ({ backend, simd, threads, lang, interrupt: shared }) => {
  if (shared) interrupt = new Uint8Array(shared);
  // what this worker says itself (start-up steps, errors) in the page's language; the
  // catalog arrives long before the first of those, which wait for downloads
  useLanguage(lang);
  const tfjs = loadTfjs();
  tfjs.catch((err) => link.post("step", { name: "backend", text: t("TensorFlow.js could not be loaded: {error}", { error: err.message || err }), failed: true }));
  const started = startPython();
  // pytfjs (and numpy, which it needs) is every lab's: it loads while the backend starts
  python = started.then(async (py) => { await py.loadPackage(["pytfjs"], quietly); return py; });
  python.catch(() => {}); // reported when the page asks for the lab's packages
  const backendReady = tfjs.then(() => {
    link.post("step", { name: "backend", text: t("TensorFlow.js: starting its backend…") });
    return initBackend(backend, simd, threads !== false);
  });
  backendReady.then((b) => {
    link.post("backend", b);
    setInterval(sendMemory, 300);
  }, (err) => link.post("step", { name: "backend", text: t("TensorFlow.js failed: {error}", { error: err.message || err }), failed: true }));
  started.catch((err) => link.post("step", { name: "python", text: t("Python could not start: {error}", { error: err.message || err }), failed: true }));
  booting = Promise.all([started, backendReady]);
  booting.catch(() => {});
  Promise.allSettled([booting, python]).then(() => {
    if (snapshot) keepSnapshot(snapshot).catch((err) => console.warn("Python's start-up snapshot was not stored:", err));
    snapshot = null;
  });
});

let switching = 0; // a backend is starting: tf.memory() would throw meanwhile

/** tf.memory()'s counts, as the page shows them. */
function memoryNow() {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}

function sendMemory() {
  if (switching) return;
  try {
    link.post("memory", { ...memoryNow(), backend: tf.getBackend() });
  } catch (err) {
    // a backend Python is switching to (pytfjs.set_backend) is not initialized yet
  }
}

/** setBackend, with the memory meter paused while the backend starts. */
async function switchBackend(name) {
  switching += 1;
  try {
    return await setBackend(name);
  } finally {
    switching -= 1;
  }
}

// The lab's own packages load as soon as Python has started; the answer waits for the
// TF.js backend too, since the lab cannot run without it.
link.handle("packages", async ({ names }) => {
  try {
    const py = await python;
    await py.loadPackage(names.filter((p) => p !== "pytfjs"), quietly);
    runner = py.pyimport("pytfjs.runner");
    [pyodide] = await booting;
    return { python: pyodide.version, tfjs: tf.version.tfjs };
  } finally {
    clearInterval(beating);
    beating = 0;
  }
});

/** Python speaks the page's language from now on: pytfjs.i18n (a pytfjs without it, older
 *  than issue 29, stays English). */
function setPythonLanguage(lang) {
  let i18n;
  try {
    i18n = pyodide.pyimport("pytfjs.i18n");
  } catch {
    return;
  }
  try {
    i18n.set_language(lang || "en");
  } finally {
    i18n.destroy();
  }
}

link.handle("run", async ({ code, lab, params, lang }) => {
  clearInterrupt();
  setPythonLanguage(lang);
  for (const handler of pads.values()) handler.destroy();
  pads.clear();
  studios.clear();
  let status = "error";
  try {
    await pyodide.loadPackagesFromImports(code, quietly);
    status = await runner.run_lab(code, lab, JSON.stringify(params));
  } catch (err) {
    // Stop's interrupt can arrive after the lab's code ended, in the clean-up: finish that,
    // and keep the outcome the lab already reported (it said "Stopped by you." itself)
    clearInterrupt();
    runner.finish_run();
    const interrupted = String(err).includes("KeyboardInterrupt");
    if (interrupted && runner.ended()) {
      status = runner.ended();
    } else if (interrupted) {
      status = "stopped";
      out("out", runner.STOPPED_BUSY);
    } else {
      out("err", String((err && err.message) || err));
    }
  }
  clearInterrupt();
  return { status, errorKind: runner.last_error(), errorLine: runner.last_error_line() };
});

link.handle("stop", () => { if (runner) runner.request_stop(); });

link.handle("setBackend", async ({ name }) => {
  const active = await switchBackend(name);
  sendMemory();
  return { name: active, threads: threadsOf(active) };
});

link.handle("memory", memoryNow);

link.handle("pad", ({ pad, pixels }) => {
  const handler = pads.get(pad);
  if (!handler) throw new Error(t("this pad's run has ended: run the lab again to use it"));
  return handler(pixels);
});

link.handle("studioFlag", ({ studio, stopTraining }) => {
  const handle = studios.get(studio);
  if (handle) handle.stopTraining = stopTraining;
});

// A .whl file the learner added (js/page/wheels.js): micropip installs it for this page
// (py/pytfjs/packages.py words the outcome; a refused file is never a traceback).
link.handle("wheel", async ({ name, bytes }) => {
  const py = await python;
  await py.loadPackage(["micropip"], quietly);
  return py.pyimport("pytfjs.packages").add_wheel(name, bytes);
});
