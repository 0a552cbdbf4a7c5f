/*
 * studio.js: the webcam studio of transfer-learning labs (Python side: pytfjs/studio.py).
 *
 * Glue only: the webcam (a mirrored preview; frames go to Python unmirrored), buttons,
 * thumbnails and bars drawn from what Python sends. Every click becomes an event that
 * Python takes with next(); Python decides what happens and answers with classes(),
 * samples(), mode(), status(), say(), prediction(), settings() and confirmImport().
 *
 * Hold to capture sends a frame at most `rate` times a second; the next frame is read
 * from the camera while Python embeds the previous one, and no more than that one waits
 * (HOLD_IN_FLIGHT), so frames never pile up. While predicting, the next webcam frame is
 * read as soon as Python takes one and waits for it (one at most), so the loop runs as
 * fast as the model does; none is sent while the tab is hidden.
 */
import { bitmapPixels } from "../shared/pixels.js";
import { formatNumber, nt, t } from "./i18n.js";

const percent = (p) => formatNumber(p, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  node.append(...children);
  return node;
}

function button(text, action) {
  const b = el("button", { type: "button", textContent: text });
  b.dataset.action = action;
  return b;
}

/** A button that needs a second click within 4 s (for what cannot be undone). */
function confirmButton(text, action, question, onConfirm) {
  const b = button(text, action);
  let armed = null;
  b.addEventListener("click", () => {
    if (armed) {
      clearTimeout(armed);
      armed = null;
      b.textContent = text;
      b.classList.remove("armed");
      onConfirm();
      return;
    }
    b.textContent = question();
    b.classList.add("armed");
    armed = setTimeout(() => { armed = null; b.textContent = text; b.classList.remove("armed"); }, 4000);
  });
  return b;
}

/** A file picker that looks like a button (a label wrapping the input, keyboard-usable). */
function filePicker(text, action, multiple, onFiles, accept = "image/*") {
  const input = el("input", { type: "file", accept, multiple, className: "visually-hidden" });
  input.dataset.action = action;
  const label = el("label", { className: "file-button" }, text, input);
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    if (files.length) onFiles(files);
  });
  input.addEventListener("focus", () => label.classList.add("focus"));
  input.addEventListener("blur", () => label.classList.remove("focus"));
  return { label, input };
}

/** A canvas showing RGB bytes [size, size, 3] starting at ``offset``. */
function thumbCanvas(rgb, offset, size) {
  const canvas = el("canvas", { width: size, height: size });
  const image = new ImageData(size, size);
  for (let i = 0, j = offset; i < size * size; i += 1, j += 3) {
    image.data[i * 4] = rgb[j];
    image.data[i * 4 + 1] = rgb[j + 1];
    image.data[i * 4 + 2] = rgb[j + 2];
    image.data[i * 4 + 3] = 255;
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas;
}

/**
 * Open a studio in the Lab inputs panel. `hooks` (js/page/lab.js): panel(text), track(entry)
 * (Stop and the next run end it like a prompt), cameraProblem(error), and
 * stopTraining(on) (tells the worker, where Python reads it between batches).
 * Returns the handle Python drives: next() and the drawing calls.
 */
export function openStudio(configJson, hooks) {
  const ui = hooks;
  const config = JSON.parse(configJson);
  const panel = ui.panel("");
  panel.classList.add("studio");
  panel.setAttribute("aria-label", t("Webcam studio"));
  panel.replaceChildren();

  // ---------------------------------------------------------------- layout
  const video = el("video", { className: "camera", muted: true, playsInline: true });
  video.setAttribute("aria-label", t("webcam preview (mirrored)"));
  const cameraNote = el("p", { className: "studio-camera-note", textContent: t("Starting the webcam…") });
  const messages = el("ul", { className: "studio-messages" });
  messages.setAttribute("aria-live", "polite");
  const classList = el("ol", { className: "studio-classes" });
  const addClass = button(t("Add a class"), "add-class");

  const fields = {};
  const settings = el("div", { className: "studio-settings" });
  for (const [key, text, step] of [["lr", t("Learning rate"), "any"], ["epochs", t("Epochs"), "1"], ["batch", t("Batch size"), "1"]]) {
    const input = el("input", { type: "number", step, min: key === "lr" ? "0" : "1", value: String(config.settings[key]), name: key });
    input.dataset.setting = key;
    fields[key] = input;
    settings.append(el("label", {}, `${text} `, input));
  }
  const train = button(t("Train"), "train");
  const stopTraining = button(t("Stop training"), "stop-training");
  stopTraining.disabled = true;
  const trainBox = el("fieldset", { className: "studio-train" }, el("legend", { textContent: t("Train the classifier") }), settings, train, stopTraining);

  const predict = button(t("Predict from the webcam"), "predict");
  predict.setAttribute("aria-pressed", "false");
  const classify = filePicker(t("Classify a photo…"), "classify", false, (files) => push({ kind: "classify", file: files[0] }));
  const top = el("p", { className: "studio-top" });
  top.setAttribute("aria-live", "polite");
  const bars = el("ol", { className: "studio-bars" });
  const fps = el("p", { className: "studio-fps" });
  const predictBox = el("fieldset", { className: "studio-predict" }, el("legend", { textContent: t("Predict") }), predict, classify.label, top, bars, fps);

  const exportButton = button(t("Export model (.zip)"), "export");
  const exportProject = button(t("Export project (.zip)"), "export-project");
  exportProject.title = t("Samples, thumbnails, the trained model and settings in one file, to open on another computer");
  const importProject = filePicker(t("Import project…"), "import-project", false,
    (files) => push({ kind: "import-project", file: files[0] }), ".zip,application/zip");
  const clear = confirmButton(t("Clear all samples"), "clear", () => nt("Click again to delete all {n} sample", "Click again to delete all {n} samples", total()), () => push({ kind: "clear" }));
  const footer = el("div", { className: "studio-footer" }, exportButton, exportProject, importProject.label, clear);
  const modelStatus = el("p", { className: "studio-model" });
  modelStatus.setAttribute("aria-live", "polite");
  const storageStatus = el("p", { className: "studio-storage" });

  panel.append(el("div", { className: "studio-camera" }, video, cameraNote), messages,
    el("h3", { textContent: t("Classes") }), classList, addClass, trainBox, modelStatus, predictBox,
    footer, storageStatus);

  // ---------------------------------------------------------------- state
  const state = { training: false, trained: false, predicting: false, finished: false };
  const handle = { stopTraining: false }; // Python reads stopTraining during fit
  const rows = new Map(); // class id -> {row, count, thumbs, name, captureButtons}
  let stream = null;
  let cameraReady = false;

  // ---------------------------------------------------------------- events to Python
  const queue = [];
  let waiter = null; // Python's pending next(): {resolve, reject}
  let taken = null; // the event Python is working on
  let capturesInFlight = 0; // grabbed or queued or being embedded
  // Hold to capture: one frame embedded in Python, the next grabbed and waiting meanwhile
  // (grabbing is page work, embedding the worker's: they overlap)
  const HOLD_IN_FLIGHT = 2;
  let grabbingFrame = false;

  /** While predicting, one webcam frame is read ahead: grabbed as soon as Python takes
   *  the previous one, so it is waiting when Python asks (grabbing is page work, the
   *  prediction the worker's). Never more than one, and none while the tab is hidden. */
  function wantFrame() {
    return state.predicting && cameraReady && !grabbingFrame && document.visibilityState === "visible"
      && !queue.some((event) => event.kind === "frame");
  }

  function grabFrame() {
    grabbingFrame = true;
    grab().then((frame) => { grabbingFrame = false; if (wantFrame()) push({ kind: "frame", ...frame }); })
      .catch((e) => { grabbingFrame = false; say(t("could not read the webcam: {error}", { error: e.message || e }), "error"); });
  }

  function deliver() {
    if (waiter && queue.length) {
      const event = queue.shift();
      const w = waiter;
      waiter = null;
      taken = event;
      w.resolve(event);
    }
    if (wantFrame() && (waiter || (taken && taken.kind === "frame"))) grabFrame();
  }

  function push(event) {
    if (state.finished) return;
    queue.push(event);
    deliver();
  }

  let cancelled = null; // the error Stop (or the next run) ended the studio with

  function next() {
    if (taken && taken.kind === "capture") capturesInFlight -= 1;
    taken = null;
    return new Promise((resolve, reject) => {
      if (cancelled) { reject(cancelled); return; }
      waiter = { resolve, reject };
      deliver();
      pumpHold();
    });
  }

  // ---------------------------------------------------------------- webcam
  async function grab() {
    // only the centred square (what Python's center_square keeps): a 4:3 frame's sides
    // are not copied, sent or dropped again
    const width = video.videoWidth, height = video.videoHeight, side = Math.min(width, height);
    const frame = await createImageBitmap(video, (width - side) >> 1, (height - side) >> 1,
                                          side, side);
    try {
      return await bitmapPixels(frame, frame.width, frame.height, 2048);
    } finally {
      frame.close();
    }
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    cameraReady = false;
    release();
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error(t("this page has no camera access (browsers allow it on https and localhost only)")), { name: "NoMediaDevices" });
    }
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    if (state.finished) { stopCamera(); return; }
    video.srcObject = stream;
    await video.play();
    cameraReady = true;
    cameraNote.textContent = t("Mirrored like a mirror; the pictures are not.");
    push({ kind: "camera", ok: true, width: video.videoWidth, height: video.videoHeight });
    refresh();
  }

  startCamera().catch((e) => {
    stopCamera();
    video.hidden = true;
    cameraNote.textContent = t("No webcam.");
    const reason = e && e.name === "NoMediaDevices" ? e.message : ui.cameraProblem(e);
    push({ kind: "camera", ok: false, reason });
    refresh();
  });

  // ---------------------------------------------------------------- capturing
  let held = null; // class id while "Hold to capture" is pressed
  let holdTimer = null;
  let lastShot = 0;

  async function shoot(classId) {
    capturesInFlight += 1;
    lastShot = performance.now();
    try {
      push({ kind: "capture", classId, ...(await grab()) });
      pumpHold(); // the next frame, while Python embeds this one
    } catch (e) {
      capturesInFlight -= 1;
      say(t("could not take the picture: {error}", { error: e.message || e }), "error");
    }
  }

  function pumpHold() {
    clearTimeout(holdTimer);
    if (held === null || capturesInFlight >= HOLD_IN_FLIGHT || !cameraReady || state.training) return;
    const wait = lastShot + 1000 / config.rate - performance.now();
    if (wait > 0) holdTimer = setTimeout(pumpHold, wait);
    else shoot(held);
  }

  function hold(classId, on) {
    const row = rows.get(classId);
    if (on && held === null && cameraReady && !state.training) {
      held = classId;
      if (row) row.hold.setAttribute("aria-pressed", "true");
      pumpHold();
    } else if (!on && held === classId) {
      release();
    }
  }

  function release() {
    const row = rows.get(held);
    if (row) row.hold.setAttribute("aria-pressed", "false");
    held = null;
    clearTimeout(holdTimer);
  }

  function holdButton(classId) {
    const b = button(t("Hold to capture"), "hold");
    b.setAttribute("aria-pressed", "false");
    b.title = nt("Captures up to {n} picture a second while pressed (mouse, touch, or Space)", "Captures up to {n} pictures a second while pressed (mouse, touch, or Space)", config.rate);
    b.addEventListener("pointerdown", (e) => { if (b.setPointerCapture && e.pointerId !== undefined) { try { b.setPointerCapture(e.pointerId); } catch (_) { /* synthetic */ } } hold(classId, true); });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture", "blur"]) {
      b.addEventListener(type, () => hold(classId, false));
    }
    b.addEventListener("keydown", (e) => {
      if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); hold(classId, true); }
    });
    b.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") hold(classId, false); });
    b.addEventListener("click", (e) => e.preventDefault());
    return b;
  }

  // ---------------------------------------------------------------- drawing what Python sends
  function total() {
    let n = 0;
    for (const row of rows.values()) n += row.n;
    return n;
  }

  function classes(json) {
    release();
    rows.clear();
    classList.replaceChildren();
    for (const { id, name, count } of JSON.parse(json)) {
      const nameInput = el("input", { type: "text", value: name, maxLength: 40 });
      nameInput.dataset.action = "rename";
      nameInput.setAttribute("aria-label", t("Name of class {name}", { name }));
      nameInput.addEventListener("change", () => push({ kind: "rename", classId: id, name: nameInput.value }));
      const countText = el("span", { className: "studio-count" });
      const capture = button(t("Capture"), "capture");
      capture.addEventListener("click", () => { if (cameraReady && !state.training) shoot(id); });
      const holdB = holdButton(id);
      const files = filePicker(t("Add photos…"), "files", true, (list) => push({ kind: "files", classId: id, files: list }));
      const clearClass = confirmButton(t("Delete samples"), "clear-class", () => nt("Click again to delete {n} sample", "Click again to delete {n} samples", rows.get(id).n), () => push({ kind: "clear-class", classId: id }));
      const remove = confirmButton(t("Remove class"), "remove-class", () => t("Click again to remove {name}", { name: nameInput.value }), () => push({ kind: "remove-class", classId: id }));
      const thumbs = el("ul", { className: "studio-thumbs" });
      const row = el("li", { className: "studio-class" },
        el("div", { className: "studio-class-head" }, nameInput, countText),
        el("div", { className: "studio-class-buttons" }, capture, holdB, files.label, clearClass, remove),
        thumbs);
      row.dataset.classId = String(id);
      row.dataset.name = name;
      classList.append(row);
      rows.set(id, { row, countText, thumbs, hold: holdB, n: count, name,
        controls: [capture, holdB, files.input, clearClass, remove, nameInput] });
      setCount(id, count);
    }
    refresh();
  }

  function setCount(classId, count) {
    const row = rows.get(classId);
    row.n = count;
    row.row.dataset.count = String(count);
    row.countText.textContent = nt("{n} sample", "{n} samples", count);
  }

  function samples(classId, count, idsJson, buffer) {
    const row = rows.get(classId);
    if (!row) return;
    setCount(classId, count);
    const rgb = new Uint8Array(buffer);
    const size = config.thumb;
    row.thumbs.replaceChildren(...JSON.parse(idsJson).map((sampleId, i) => {
      const canvas = thumbCanvas(rgb, i * size * size * 3, size);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", t("sample {id} of {name}", { id: String(sampleId), name: row.name }));
      const del = el("button", { type: "button", textContent: "×", className: "studio-delete" });
      del.dataset.action = "delete-sample";
      del.dataset.sampleId = String(sampleId);
      del.setAttribute("aria-label", t("Delete sample {id} of {name}", { id: String(sampleId), name: row.name }));
      del.addEventListener("click", () => push({ kind: "delete-sample", sampleId }));
      const item = el("li", {}, canvas, del);
      item.dataset.sampleId = String(sampleId);
      return item;
    }));
  }

  function refresh() {
    const busy = state.training || state.finished;
    for (const row of rows.values()) {
      for (const control of row.controls) control.disabled = busy;
      row.controls[0].disabled = busy || !cameraReady;
      row.controls[1].disabled = busy || !cameraReady;
    }
    addClass.disabled = busy;
    train.disabled = busy;
    for (const input of Object.values(fields)) input.disabled = busy;
    stopTraining.disabled = !state.training || state.finished || handle.stopTraining;
    predict.disabled = busy || !state.trained || !cameraReady;
    predict.setAttribute("aria-pressed", String(state.predicting));
    predict.textContent = state.predicting ? t("Stop predicting") : t("Predict from the webcam");
    classify.input.disabled = busy || !state.trained;
    exportButton.disabled = busy || !state.trained;
    exportProject.disabled = busy;
    importProject.input.disabled = busy;
    clear.disabled = busy;
    if (!state.predicting) fps.textContent = "";
    else if (document.visibilityState !== "visible") fps.textContent = t("Paused: this tab is hidden.");
  }

  function mode(json) {
    const wasTraining = state.training;
    Object.assign(state, JSON.parse(json));
    if (state.training && !wasTraining) handle.stopTraining = false; // a new fit
    if (state.training) release();
    refresh();
    deliver();
  }

  /** The trained model's state ("none", "current" or "stale") and the storage used. */
  function status(json) {
    const { model, state: modelState, storage } = JSON.parse(json);
    modelStatus.textContent = model;
    modelStatus.dataset.state = modelState;
    storageStatus.textContent = storage;
    train.classList.toggle("suggested", modelState === "stale");
  }

  /** Training settings from Python (an imported project's). */
  function setSettings(json) {
    for (const [key, value] of Object.entries(JSON.parse(json))) {
      if (fields[key]) fields[key].value = String(value);
    }
  }

  /** Ask before an import replaces the project: Replace or Keep this project. */
  function confirmImport(text) {
    const item = el("li", { className: "note studio-confirm" }, el("span", { textContent: text }));
    const answer = (ok) => { item.remove(); push({ kind: "confirm-import", ok }); };
    const yes = button(t("Replace"), "confirm-import");
    const no = button(t("Keep this project"), "keep-project");
    yes.addEventListener("click", () => answer(true));
    no.addEventListener("click", () => answer(false));
    item.append(" ", yes, " ", no);
    messages.prepend(item);
    no.focus();
  }

  function say(text, kind) {
    const item = el("li", { className: kind || "note" });
    // the alert role goes on the text, not the <li>: a list holds only list items
    const words = el("span", { textContent: text });
    if (kind === "error") words.setAttribute("role", "alert");
    item.append(words);
    messages.prepend(item);
    while (messages.children.length > 4) messages.lastChild.remove();
  }

  function prediction(json) {
    const { labels, probabilities, top: best, source, fps: rate } = JSON.parse(json);
    top.textContent = `${labels[best]} (${percent(probabilities[best])})${source === "webcam" ? "" : ` · ${source}`}`;
    top.dataset.top = labels[best];
    bars.replaceChildren(...labels.map((label, i) => {
      const bar = el("span", { className: "studio-bar" }, el("span"));
      bar.firstChild.style.width = `${Math.round(probabilities[i] * 100)}%`;
      const item = el("li", { className: i === best ? "top" : "" },
        el("span", { className: "studio-label", textContent: label }), bar,
        el("span", { className: "studio-p", textContent: percent(probabilities[i]) }));
      return item;
    }));
    if (source === "webcam") {
      fps.textContent = document.visibilityState === "visible"
        ? t("{rate} frames per second", { rate: formatNumber(rate, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })
        : t("Paused: this tab is hidden.");
    }
  }

  function finish() {
    state.finished = true;
    stopCamera();
    say(t("The lab has stopped: press Run to start it again (your samples are kept)."), "note");
    refresh();
  }

  // ---------------------------------------------------------------- wiring
  addClass.addEventListener("click", () => push({ kind: "add-class" }));
  train.addEventListener("click", () => push({ kind: "train", epochs: fields.epochs.value, lr: fields.lr.value, batch: fields.batch.value }));
  stopTraining.addEventListener("click", () => { handle.stopTraining = true; hooks.stopTraining(true); refresh(); });
  predict.addEventListener("click", () => push({ kind: "predicting", on: !state.predicting }));
  exportButton.addEventListener("click", () => push({ kind: "export" }));
  const onVisibility = () => {
    if (document.visibilityState !== "visible") { // a frame read ahead is not predicted
      const kept = queue.filter((event) => event.kind !== "frame");
      queue.splice(0, queue.length, ...kept);
    }
    refresh();
    deliver();
  };
  document.addEventListener("visibilitychange", onVisibility);

  exportProject.addEventListener("click", () => push({ kind: "export-project" }));
  Object.assign(handle, { next, classes, samples, mode, status, settings: setSettings, confirmImport, say, prediction, finish });
  ui.track({
    reject: (error) => { cancelled = error; if (waiter) { waiter.reject(error); waiter = null; } },
    cleanup: () => { state.finished = true; stopCamera(); document.removeEventListener("visibilitychange", onVisibility); },
    finish: () => { finish(); document.removeEventListener("visibilitychange", onVisibility); },
  });
  return handle;
}
