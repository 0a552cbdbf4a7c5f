/*
 * lab.js: the lab page. Editor, Run/Stop/Reset, console, progress bar, results,
 * charts, backend selector and memory meter. The lab itself is Python, in the runtime
 * worker (site/worker.js): this file only moves text and clicks between the page and
 * the worker, through the messages of js/shared/protocol.js (js/page/runtime_client.js sends them).
 *
 * Scriptable contract (tests, demos, shared links):
 *   lab.html?lab=<id>[&run=1][&backend=webgl|wasm|cpu][&<lab params>]
 *   document.body.dataset.state: loading | ready | running | done | error
 *   window.pytfjs.results: what the lab reported with pytfjs.report(...)
 */
import { Drafts } from "./drafts.js";
import { formatNumber, language, languageSwitch, nt, t, translateDocument, withLanguage } from "./i18n.js";
import { offline } from "./offline.js";
import { clearCharts, image, render, table } from "./charts.js";
import { $, downloadFile } from "./dom.js";
import { siteUrl } from "../shared/site_url.js";
import { err, info, loading, renderResults, showLoading, updateMemory, write } from "./output.js";
import { drawingPad } from "./pad.js";
import {
  askCamera, askChoice, askFile, askMany, askPanel, asks, askText, cameraProblem, cancelAsks,
  download, finishRunPanels, message, offerDownload,
} from "./prompts.js";
import { reveal } from "./reveal.js";
import { labId, runtime, simd } from "./runtime_start.js";
import { describe, pageCapabilities, startableBackends } from "../shared/capabilities.js";
import { UI_CALLS } from "../shared/protocol.js";
import { StartupWatch } from "./startup.js";
import { openStudio } from "./studio.js";
import { addWheelButton } from "./wheels.js";
import { allViolations, sayViolations, violation } from "./violations.js";

const query = new URLSearchParams(location.search);
const NOT_TRAINING = t("not training");

let editor = null;
let lab = null;
let drafts = null;

let selectorHadFocus = false; // see setState

function setState(state, message) {
  document.body.dataset.state = state;
  if (message !== undefined) $("status").textContent = message;
  const busy = state === "loading" || state === "running";
  const focused = document.activeElement;
  $("run").disabled = busy || !life.ready;
  $("reset").disabled = busy || !lab;
  $("stop").disabled = state !== "running";
  $("backend").disabled = busy || !life.ready;
  // Keyboard users keep their place: a button that just got disabled hands focus to
  // its counterpart (Run -> Stop while running, Stop -> Run after), and the backend
  // selector gets focus back once the switch it started is over.
  if (focused === $("run") && $("run").disabled && !$("stop").disabled) $("stop").focus();
  else if (focused === $("stop") && $("stop").disabled && !$("run").disabled) $("run").focus();
  if (selectorHadFocus && !busy) {
    selectorHadFocus = false;
    $("backend").focus();
  }
}

// Webcam studios of this run (js/page/studio.js), by the number the worker gave each.
const studios = new Map();
const studioHooks = {
  /** A panel in Lab inputs, and track({cleanup, reject, finish}) so Stop and the next
   *  run end it like a prompt. */
  panel: askPanel,
  track(entry) { asks.add(entry); },
  cameraProblem,
};

/** What Python calls on the page (protocol.js UI_CALLS; sent from py/pytfjs/output.py,
 *  charts.py, prompts.py, reporting.py and studio.py). */
const ui = {
  askFile,
  askChoice,
  askCamera,
  image,
  // a drawing pad outlives its run: its handler stays in the worker until the next run
  drawingPad: (title, pad, size) => drawingPad(title, pad, size,
    (pixels) => runtime.request("pad", { pad, pixels })),
  studio(id, configJson) {
    studios.set(id, openStudio(configJson, {
      ...studioHooks,
      stopTraining: (on) => runtime.post("studioFlag", { studio: id, stopTraining: on }),
    }));
  },
  studioCall(id, method, args) {
    const studio = studios.get(id);
    if (studio) studio[method](...args);
  },
  studioNext(id) {
    const studio = studios.get(id);
    return studio ? studio.next() : Promise.reject(new Error("pytfjs:stopped"));
  },
  askMany,
  askText,
  offerDownload,
  download,
  table,
  message,
  progress(json) {
    const p = JSON.parse(json);
    $("train-bar").value = p.fraction;
    $("train-text").textContent = p.text;
    life.training = life.running && p.fraction < 1 && p.text !== "not training" && p.text !== NOT_TRAINING;
  },
  report(json) {
    Object.assign(window.pytfjs.results, JSON.parse(json));
    renderResults(window.pytfjs.results);
  },
  render,
};

// One entry per side: every call protocol.js's UI_CALLS declares (the worker forwards
// exactly those) is answered above, and nothing else is. A mismatch is a mistake in this
// file or protocol.js: the page refuses to start rather than fail on the first such call.
{
  const unanswered = Object.keys(UI_CALLS).filter((call) => !Object.hasOwn(ui, call));
  const undeclared = Object.keys(ui).filter((call) => !Object.hasOwn(UI_CALLS, call));
  if (unanswered.length || undeclared.length) {
    throw new Error(`lab.js's ui and protocol.js's UI_CALLS differ: unanswered ${unanswered.join(", ") || "none"}; `
      + `undeclared ${undeclared.join(", ") || "none"}`);
  }
}

// ---------------------------------------------------------------- the worker's life
// The worker is replaced when Stop cannot end a run within STOP_RESTART_MS (a long
// numpy call, a loop that never awaits where the page is not cross-origin isolated)
// and when Python dies (out of memory, a stack overflow): all Python state goes, the
// editor's code stays (and is saved as a draft).
// then KeyboardInterrupt (2 s when a fit runs: its batch ends first); after the worker's
// own cancel (runner.STOP_GRACE_S, 0.25 s), so the two never race
const STOP_INTERRUPT_MS = 500;
const STOP_RESTART_MS = 2000; // then a fresh worker

function deferred() {
  const d = {};
  d.promise = new Promise((resolve, reject) => Object.assign(d, { resolve, reject }));
  d.promise.catch(() => {}); // whoever awaits it reports the failure
  return d;
}

/**
 * The page's side of the runtime worker's life, in one object: its boot (each worker says
 * when its TF.js backend is ready, "backend", and when Pyodide has started, "python"; the
 * page then asks it for the lab's packages), a run, Stop and its escalations, the
 * restarts (Stop's last resort, a crash, the start-up watch's one-thread retry), and the
 * worker generation (runtime.generation) each wait belongs to.
 */
class Lifecycle {
  ready = false; // the worker has Python, pytfjs and the lab's packages
  backendName = ""; // the worker's TF.js backend, as it last said
  running = false;
  runCount = 0;
  training = false; // a fit is between batches (what Stop's message says depends on it)
  stopTimers = []; // Stop's escalations: interrupt, then a fresh worker
  restartReason = "restarted"; // what a run the restart ended reports: restarted | crashed
  boot = null; // this worker's {backend, python} deferreds

  /** Take over the worker js/page/runtime_start.js started: its messages go to `handlers`
   *  from now on. Every message is an alive sign for the start-up watch. */
  attach(handlers) {
    this.boot = { backend: deferred(), python: deferred() };
    const watched = {};
    for (const [type, fn] of Object.entries(handlers)) {
      watched[type] = (message) => {
        if (type !== "fatal") watch.heard();
        return fn(message);
      };
    }
    runtime.attach(watched);
  }

  /** A step of the start failed: whoever awaits this worker's start hears `text`. */
  failBoot(text) {
    for (const d of [this.boot.backend, this.boot.python]) d.reject(new Error(text));
  }

  /** A fresh worker while the page is still starting (not Stop's restart): the wait for
   *  the old one ends with "pytfjs:restarted" and start() waits for the new one. */
  restartBoot() {
    const old = this.boot;
    this.boot = { backend: deferred(), python: deferred() };
    watch.restarted();
    runtime.restart(query.get("backend"), simd);
    for (const d of [old.backend, old.python]) d.reject(new Error("pytfjs:restarted"));
  }

  /** pythonReady for the current worker, again after each restartBoot. */
  async runtimeReady() {
    for (;;) {
      const generation = runtime.generation;
      try {
        return await this.pythonReady(generation);
      } catch (e) {
        if (generation !== runtime.generation && String(e.message) === "pytfjs:restarted") continue;
        throw e;
      }
    }
  }

  /** The current worker is ready to run the lab: its backend, Python, the lab's packages. */
  async pythonReady(generation) {
    // asked at once: the worker loads them as soon as its Python has started
    const packages = runtime.request("packages", { names: lab.packages });
    packages.catch(() => {}); // a failed start is reported through boot's promises
    const backend = await this.boot.backend.promise;
    const version = await this.boot.python.promise;
    const { tfjs } = await packages;
    if (generation !== runtime.generation) throw new Error("pytfjs:restarted");
    loading.step("python", t("Python: ready"));
    performance.mark("numpy-ready");
    this.ready = true;
    $("backend").value = backend.name;
    const threads = backend.threads > 1 ? nt(" ({n} thread)", " ({n} threads)", backend.threads)
      : backend.threads ? t(" (one thread)") : "";
    info(t("Python {version} ready · TensorFlow.js {tfjs} · backend {backend}{threads}",
      { version, tfjs, backend: backend.name, threads }));
    return backend;
  }

  /** A fresh Python (Stop's last resort, `reason` "restarted", or a crash, "crashed"). */
  restart(reason, why) {
    this.restartReason = reason;
    saveDraft();
    this.ready = false;
    cancelAsks();
    finishRunPanels();
    studios.clear();
    setState("loading", t("Starting a fresh Python…"));
    this.boot = { backend: deferred(), python: deferred() };
    watch.restarted();
    runtime.restart(this.backendName || query.get("backend"), simd);
    info(t("{why} Python was restarted: everything the lab had made is gone, your code is kept.", { why }).trim());
    this.runtimeReady().then(() => {
      watch.stop();
      if (!this.running) setState("ready", t("Python was restarted: ready"));
    }, (e) => {
      err(t("Could not start a fresh Python: {error}", { error: e.message || e }));
      setState("error", "");
    });
  }

  /** The worker's "fatal" message (Pyodide died) or a worker that failed to load. */
  fatal({ message, load }) {
    if (load || !this.ready) { // the worker did not get as far as running anything: a failed start
      // (said by whoever waits for the start: start() or restart)
      watch.fail(load ? "runtime" : (watch.current() || "python"), message);
      this.failBoot(message);
      return;
    }
    err(t("Python stopped working: {message}. This happens when a program runs out of memory or recurses too deeply (or a file made it do so).", { message }));
    if (!lab) { // before the lab was even loaded: nothing to restart for
      setState("error", t("Python could not start: see Output"));
      return;
    }
    this.restart("crashed", "");
  }

  async run() {
    if (this.running || !this.ready) return false;
    this.running = true;
    this.runCount += 1;
    cancelAsks();
    studios.clear();
    window.pytfjs.results = {};
    renderResults(window.pytfjs.results);
    clearCharts();
    markErrorLine(0);
    ui.progress(JSON.stringify({ fraction: 0, text: NOT_TRAINING }));
    info(t("── run {n} · {lab} · backend {backend} ──", { n: this.runCount, lab: lab.id, backend: this.backendName }));
    reveal($("console"), true); // on a phone the output is below the code
    setState("running", t("Running…"));
    const code = editor.getValue();
    saveDraft(); // at once: if this run crashes Python, the code is kept
    const started = performance.now();
    let reply = { status: "error", errorKind: "code", errorLine: 0 };
    try {
      const params = Object.fromEntries([...query].filter(([k]) => !["lab", "run", "backend", "lang"].includes(k)));
      reply = await runtime.request("run", { code, lab: lab.id, params, lang: language() });
    } catch (e) {
      const text = String(e && e.message ? e.message : e);
      if (text === "pytfjs:restarted") reply = { status: this.restartReason, errorKind: "code", errorLine: 0 };
      else err(text);
    }
    for (const timer of this.stopTimers.splice(0)) clearTimeout(timer);
    this.running = false;
    this.training = false;
    finishRunPanels();
    const seconds = formatNumber((performance.now() - started) / 1000, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const { status } = reply;
    if (status === "done") {
      info(t("finished in {seconds} s", { seconds }));
      setState("done", t("Done in {seconds} s", { seconds }));
    } else if (status === "stopped") {
      info(t("stopped after {seconds} s", { seconds }));
      setState("ready", t("Stopped"));
    } else if (status === "restarted") { // Stop could not end it: a fresh Python
      setState(this.ready ? "ready" : "loading", t("Stopped: Python was restarted"));
    } else if (status === "crashed") {
      setState(this.ready ? "ready" : "loading", t("Python stopped working and was restarted (your code is kept)"));
    } else if (reply.errorKind === "input") {
      setState("error", t("The lab could not use that input: see the message. Run again to try another."));
    } else {
      const line = reply.errorLine;
      markErrorLine(line);
      setState("error", line
        ? t("Python error at line {line} (marked in the code): see Output, fix it and Run again.", { line: String(line) })
        : t("The lab raised an error: see Output. Fix the code and Run again."));
    }
    return status === "restarted" || status === "crashed" ? "stopped" : status;
  }

  stop() {
    if (!this.running) return;
    const waiting = [...asks].some((ask) => !ask.finish); // a question, not a whole-run panel
    runtime.post("stop");
    cancelAsks();
    if (this.training) info(t("Stop requested: training stops after the current batch."));
    else if (waiting) info(t("Stop: the lab was waiting for you; it ends now."));
    else info(t("Stop requested: the lab ends at its next pause."));
    $("status").textContent = t("Stopping…");
    if (this.stopTimers.length) return;
    if (runtime.canInterrupt) {
      this.stopTimers.push(setTimeout(() => { if (this.running) runtime.interrupt(); },
        this.training ? 2 * STOP_INTERRUPT_MS : STOP_INTERRUPT_MS));
    }
    this.stopTimers.push(setTimeout(() => {
      if (this.running) this.restart("restarted", t("The lab did not stop within 2 s:"));
    }, STOP_RESTART_MS));
  }
}

const life = new Lifecycle();
const run = () => life.run();
const stop = () => life.stop();

// ---------------------------------------------------------------- actions
// The lab line an error arose at is marked until the next run or the next edit.
let errorMark = null;
function markErrorLine(line) {
  if (errorMark !== null) editor.removeLineClass(errorMark, "background", "error-line");
  errorMark = null;
  if (!line || line > editor.lineCount()) return;
  errorMark = editor.addLineClass(line - 1, "background", "error-line");
  editor.scrollIntoView({ line: line - 1, ch: 0 }, 40);
}

function reset() {
  if (!lab || life.running) return;
  hideDraftNotice();
  if (editor.getValue() === lab.source) {
    $("status").textContent = t("The code is already the lab's original.");
    return;
  }
  editor.setValue(lab.source);
  saveDraft();
  info(t("Reset: the lab's original code is back, and your edited version is no longer kept. Ctrl+Z in the editor brings your edits back."));
  $("status").textContent = t("Original code restored");
}

// ---------------------------------------------------------------- drafts
// The editor's code is saved per lab (js/page/drafts.js) half a second after each change,
// at every Run and when the page goes away, and restored when the lab opens again.
// Only a change made in this page is written: a second tab of the same lab, left as it
// was loaded, must not overwrite (or delete) what was saved from the first.
let saveTimer = 0;
let savedCode = null;
let stored = true;

function saveDraft() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  if (!drafts) return;
  const code = editor.getValue();
  if (code !== savedCode) {
    stored = drafts.save(code);
    savedCode = code;
  }
  const edited = code !== lab.source;
  const mark = $("edited");
  mark.hidden = !edited;
  mark.textContent = stored ? t("edited · saved in this browser") : t("edited · NOT saved (browser storage is off)");
  mark.classList.toggle("unsaved", !stored);
}

function hideDraftNotice() {
  $("draft-notice").hidden = true;
  $("draft-notice").replaceChildren();
}

function noticeButton(text, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.addEventListener("click", action);
  return button;
}

/** The shipped code changed (a new build) since the learner's copy was saved: offer both. */
function showStaleNotice() {
  const notice = $("draft-notice");
  const text = document.createElement("p");
  text.textContent = t("This lab's code has changed since you edited it (the site was updated). The editor shows your version.");
  notice.replaceChildren(text,
    noticeButton(t("Keep my version"), () => { drafts.adopt(editor.getValue()); hideDraftNotice(); }),
    noticeButton(t("Use the new code"), () => {
      drafts.setAside();
      editor.setValue(lab.source);
      saveDraft();
      showPreviousNotice();
    }));
  notice.hidden = false;
}

/** After "Use the new code": the learner's version stays one click away. */
function showPreviousNotice() {
  const notice = $("draft-notice");
  const text = document.createElement("p");
  text.textContent = t("The editor shows the new code. Your previous version is kept:");
  notice.replaceChildren(text,
    noticeButton(t("Download it as .py"), () => downloadFile(`${lab.id}-my-version.py`,
      drafts.previous() || "", "text/x-python")),
    noticeButton(t("Bring it back"), () => {
      const code = drafts.restorePrevious();
      if (code !== null) editor.setValue(code);
      saveDraft();
      hideDraftNotice();
    }));
  notice.hidden = false;
}

function downloadCode() {
  downloadFile(`${lab ? lab.id : "lab"}.py`, editor.getValue(), "text/x-python");
}

async function changeBackend(name) {
  if (life.running) throw new Error("cannot switch backend while a lab runs");
  selectorHadFocus = document.activeElement === $("backend");
  setState("loading", t("Switching to {name}…", { name }));
  try {
    const { name: active } = await runtime.request("setBackend", { name });
    life.backendName = active;
    loading.step("backend", t("TensorFlow.js: {name} backend ready", { name: active }));
    query.set("backend", active);
    history.replaceState(null, "", `${location.pathname}?${query}`);
    info(t("backend: {name}", { name: active }));
    $("backend").value = active;
    setState("ready", t("Backend: {name}", { name: active }));
  } catch (e) {
    err(String(e.message || e));
    $("backend").value = life.backendName;
    setState("ready", t("Backend: {name}", { name: life.backendName }));
  }
  return life.backendName;
}

/** What this browser gives (js/shared/capabilities.js): the page's, the worker's (once it has
 *  said), the wasm thread count and the backends offered. */
const capabilities = { page: pageCapabilities(), worker: null, threads: 0, backends: ["wasm", "cpu"] };

window.pytfjs = {
  offline, // the offline copy (js/page/offline.js): offline.ready
  capabilities,
  results: {},
  lab: null,
  get state() { return document.body.dataset.state; },
  get runs() { return life.runCount; },
  run,
  stop,
  reset,
  getCode: () => (editor ? editor.getValue() : ""),
  setCode: (code) => editor && editor.setValue(code),
  backend: () => life.backendName,
  setBackend: changeBackend,
  /** A Promise of the worker's tf.memory(): {numTensors, numBytes}. */
  memory: () => runtime.request("memory", {}),
  /** Every Content-Security-Policy violation, the page's and the worker's (violations.js). */
  get violations() { return allViolations(); },
};
sayViolations(err);

/**
 * The lab document in the page's language: its title, summary, source and lesson from
 * `translations[lang]` (buildlib/site/labs.py), the English fields where one is missing.
 * `sources` lists the shipped code in every language, so a draft made in one is not
 * taken for a draft of an older build in another.
 */
function inLanguage(doc) {
  const translations = doc.translations || {};
  const own = translations[language()] || {};
  return {
    ...doc,
    title: own.title || doc.title,
    summary: own.summary || doc.summary,
    source: own.source || doc.source,
    lesson_html: own.lesson_html || doc.lesson_html,
    heading: own.heading || doc.heading, // a teacher's lab: its own heading
    sources: [doc.source, ...Object.values(translations).map((tr) => tr.source).filter(Boolean)],
  };
}

/**
 * "Try next" hints such as `?epochs=2` go into the page address: each becomes a link that
 * opens this lab with that setting (and says so), instead of code a learner must decode.
 */
function linkParameterHints(body, labId) {
  for (const code of body.querySelectorAll("code")) {
    const text = code.textContent.trim();
    if (!/^\?[a-z_]+=[^\s&]+(&[a-z_]+=[^\s&]+)*$/.test(text) || code.closest("a")) continue;
    const link = document.createElement("a");
    const params = new URLSearchParams(text.slice(1));
    params.set("lab", labId);
    link.href = withLanguage(`lab.html?${params}`);
    link.title = t("Open this lab with {params} in the page address", { params: text.slice(1) });
    code.replaceWith(link);
    link.appendChild(code);
  }
}

// ---------------------------------------------------------------- start-up
// What the worker tells the page (protocol.js TO_PAGE), while it starts and after.
const handlers = {
  out: ({ kind, text }) => write(text, kind),
  capabilities: ({ worker }) => {
    capabilities.worker = worker;
    capabilities.backends = startableBackends(worker);
    offerBackends(capabilities.backends);
    showCapabilities();
  },
  beat: () => {}, // counted by the watch, as every message is (Lifecycle.attach)
  fetched: ({ urls }) => {
    loading.seen(urls);
    watch.progress();
  },
  step: ({ name, text, failed }) => {
    loading.step(name, text);
    watch.progress();
    if (failed) { // any step that cannot go on ends the start, whichever is awaited first
      watch.fail(name, text);
      life.failBoot(text);
    }
  },
  backend: (b) => {
    life.backendName = b.name;
    capabilities.threads = b.threads;
    showCapabilities();
    loading.step("backend", t("TensorFlow.js: {name} backend ready", { name: b.name }));
    performance.mark("backend-ready");
    watch.done("backend");
    life.boot.backend.resolve(b);
  },
  python: ({ version, snapshot }) => {
    loading.step("python", lab ? t("Python: loading {packages}…", { packages: ["pytfjs", ...lab.packages].join(", ") }) : t("Python: started"));
    performance.mark("python-ready", { detail: { snapshot } });
    watch.done("python");
    life.boot.python.resolve(version);
  },
  memory: (m) => {
    updateMemory(m);
    // Python may switch backends itself (pytfjs.set_backend)
    if (m.backend && m.backend !== life.backendName && document.body.dataset.state !== "loading") {
      life.backendName = m.backend;
      $("backend").value = m.backend;
    }
  },
  ui: ({ call, args }) => ui[call](...args),
  violation: ({ text, where }) => violation(text, where),
  fatal: (m) => life.fatal(m),
};

/** The backend selector offers only the backends that can start in this browser. */
function offerBackends(names) {
  const select = $("backend");
  const current = select.value;
  select.replaceChildren(...names.map((name) => new Option(name, name)));
  select.value = names.includes(current) ? current : names[0];
}

/** The loading panel's line on this browser (and what it lacks). */
function showCapabilities() {
  if (!capabilities.worker) return;
  $("browser-line").textContent = describe(capabilities.page, capabilities.worker, capabilities.threads);
}

// The start-up watch (js/page/startup.js). A worker that went quiet while threaded wasm was
// starting is the Firefox block described there, and so is one that still answers but
// whose threaded backend never finishes starting: start a fresh one on one thread.
function startOnOneThread(why) {
  if (!runtime.threads || !watch.pending.has("backend")) return false;
  runtime.noThreads(why);
  info(t("TensorFlow.js's multi-threaded WebAssembly blocked this browser's runtime worker as it started: starting again on one thread (this browser will start that way from now on)."));
  life.restartBoot();
  return true;
}

const watch = new StartupWatch({
  onQuiet: (step, ms) => startOnOneThread(`the worker was blocked for ${Math.round(ms)} ms at ${step}`),
  onStalled: (step, ms) => startOnOneThread(`no start-up progress for ${Math.round(ms)} ms at ${step}`),
});

async function start() {
  translateDocument();
  document.querySelector(".topbar .brand").href = withLanguage("./");
  // a switch reloads the page: the draft is saved first, and stays what the editor shows
  languageSwitch(document.querySelector(".topbar .controls"), () => { if (lab) saveDraft(); });
  setState("loading", "");
  if (!labId) {
    $("lab-title").textContent = t("No lab chosen");
    err(t("This page needs ?lab=<id>. Go back to the list of labs and pick one."));
    showLoading(t("No lab chosen"), 0);
    watch.stop();
    setState("error", "");
    return;
  }
  // Three independent starts run at once: the lab file, and in the worker (started as
  // this module ran, below) Pyodide and the TF.js backend.
  editor = CodeMirror.fromTextArea($("code"), {
    mode: "python", lineNumbers: true, indentUnit: 4, matchBrackets: true,
    // the whole lab is shown (the editor grows with its code) and long lines wrap
    lineWrapping: true, viewportMargin: Infinity,
    // a contenteditable input sits inside the scroller (keyboard-scrollable) and reads
    // better in screen readers than CodeMirror's hidden textarea
    inputStyle: "contenteditable", screenReaderLabel: t("Python source of the lab"),
    extraKeys: {
      "Ctrl-Enter": () => run(), "Cmd-Enter": () => run(),
      // Tab indents inside the editor; Esc lets go of the keyboard, so that the next
      // Tab / Shift+Tab moves focus on to the next / previous control (docs/learners.md).
      Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
      "Shift-Tab": "indentLess",
      Esc: (cm) => cm.getInputField().blur(),
    },
  });
  const labLoading = fetch(siteUrl(`labs/${labId}.json`)).then((response) => {
    if (!response.ok) throw new Error(t("there is no lab \"{lab}\" in this build", { lab: labId }));
    return response.json();
  });
  labLoading.then(() => watch.done("lab"), (e) => watch.fail("lab", String(e.message || e)));
  labLoading.catch(() => {}); // reported below
  loading.step("lab", t("Loading the lab…"));
  loading.step("backend", t("TensorFlow.js: starting its backend…"));
  loading.step("python", t("Python: starting…"));
  try {
    lab = inLanguage(await labLoading);
    loading.steps.delete("lab");
    loading.watch(lab.startup || []);
    window.pytfjs.lab = { id: lab.id, title: lab.title, week: lab.week };
    document.title = `${lab.title} · pytfjs`;
    $("lab-title").textContent = `${lab.title}`;
    const week = document.createElement("p");
    week.className = "week";
    week.textContent = lab.heading || t("Course week {week}", { week: String(lab.week) });
    $("lesson-body").innerHTML = lab.lesson_html;
    $("lesson-body").prepend(week);
    linkParameterHints($("lesson-body"), lab.id);
    // a draft made in another language is the learner's, not an old build's (js/page/drafts.js)
    drafts = new Drafts(lab.id, lab.source, lab.sources);
    const draft = drafts.load();
    editor.setValue(draft ? draft.code : lab.source);
    editor.clearHistory(); // Ctrl+Z does not undo the loading itself
    savedCode = editor.getValue();
    saveDraft();
    if (draft && draft.stale) showStaleNotice();
    editor.on("changes", () => {
      markErrorLine(0);
      clearTimeout(saveTimer);
      saveTimer = setTimeout(saveDraft, 500);
    });
    window.addEventListener("pagehide", saveDraft);
    $("download-code").disabled = false;
    $("download-code").addEventListener("click", downloadCode);
    addWheelButton($("download-code"), (type, fields) => runtime.request(type, fields),
      (text, ok) => (ok ? info : err)(text)); // issue 31: a learner's own .whl
    $("reset").addEventListener("click", reset);
    setState("loading");

    const backend = await life.runtimeReady();
    watch.done("packages");
    watch.stop();
    if (backend.note) err(backend.note);
    loading.stop();
    $("loading").hidden = true;
  } catch (e) {
    err(t("Could not start: {error}", { error: e.message || e }));
    if (!watch.problem) watch.fail(watch.current() || "python", String(e.message || e));
    loading.stop();
    showLoading(t("Failed to start: see Output"), 0);
    setState("error", "");
    return;
  }
  $("run").addEventListener("click", () => run());
  $("stop").addEventListener("click", stop);
  $("backend").addEventListener("change", (e) => changeBackend(e.target.value));
  setState("ready", t("Ready"));
  performance.mark("lab-ready"); // for bench/: Run works from here on
  document.dispatchEvent(new Event("pytfjs:ready"));
  if (query.get("run") === "1") run();
}

// The worker started before this module ran (js/page/runtime_start.js): Pyodide and TF.js
// take the longest.
if (runtime) life.attach(handlers);
if (document.readyState === "loading") window.addEventListener("DOMContentLoaded", start);
else start();

