/*
 * prompts.js: what a lab asks the learner (a file, a choice, text, a webcam picture) in
 * the Lab inputs panel, and notes and downloads there. Python awaits each answer (a
 * request from the worker); Stop, or the next run, rejects what is still open.
 */
import { $, downloadFile } from "./dom.js";
import { bitmapPixels } from "../shared/pixels.js";
import { reveal } from "./reveal.js";
import { t } from "./i18n.js";

// Python awaits these (pytfjs.ui.ask_file / choose); Stop cancels them.
export const asks = new Set();
export function cancelAsks() {
  for (const ask of asks) {
    if (ask.cleanup) ask.cleanup();
    ask.reject(new Error("pytfjs:stopped"));
  }
  asks.clear();
  $("inputs").replaceChildren();
  $("inputs").hidden = true;
}

/** A panel in Lab inputs (a question, a note, the studio), brought into view. */
export function askPanel(message) {
  const panel = document.createElement("div");
  panel.className = "ask";
  panel.setAttribute("role", "group");
  const text = document.createElement("p");
  text.textContent = message;
  panel.appendChild(text);
  $("inputs").appendChild(panel);
  $("inputs").hidden = false;
  reveal(panel);
  return panel;
}

function settle(panel, entry) {
  asks.delete(entry);
  panel.remove();
  if (!$("inputs").children.length) $("inputs").hidden = true;
}

function ask(build) {
  const entry = {};
  const promise = new Promise((resolve, reject) => Object.assign(entry, { resolve, reject }));
  asks.add(entry);
  build(entry);
  return promise;
}

/** A drop zone plus a file button; resolves with the File. */
/**
 * A drop zone plus a file button; resolves with the File. ``samples`` ([label, path]
 * pairs of files on this site) add a button each: that resolves with {sample: path}.
 */
export function askFile(message, accept, samples = []) {
  return ask((entry) => {
    const panel = askPanel(message);
    const zone = document.createElement("label");
    zone.className = "drop-zone";
    zone.tabIndex = 0;
    const input = document.createElement("input");
    input.type = "file";
    input.accept = accept || "";
    input.className = "file-input";
    zone.append(t("Drop a file here or") + " ", input);
    const done = (file) => { if (!file) return; settle(panel, entry); entry.resolve(file); };
    input.addEventListener("change", () => done(input.files[0]));
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); done(e.dataTransfer.files[0]); });
    panel.appendChild(zone);
    if (samples.length) {
      const row = document.createElement("div");
      row.className = "choices samples";
      row.append(t("Or try a sample:") + " ");
      for (const [label, path] of samples) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.dataset.sample = path;
        button.addEventListener("click", () => { settle(panel, entry); entry.resolve({ sample: path }); });
        row.appendChild(button);
      }
      panel.appendChild(row);
    }
    input.focus();
  });
}

/** Why getUserMedia failed, in words a learner can act on. */
export function cameraProblem(e) {
  const name = e && e.name;
  if (name === "NotAllowedError") return t("the camera permission was refused (allow it from the address bar)");
  if (name === "NotFoundError" || name === "OverconstrainedError") return t("no camera was found");
  if (name === "NotReadableError") return t("the camera is in use by another program");
  return String((e && e.message) || e);
}

/**
 * A live webcam preview (mirrored, like a mirror) and a "Take photo" button; resolves
 * with the (unmirrored) frame's pixels (see js/shared/pixels.js bitmapPixels), rejects with
 * a readable reason when there is no camera. The camera is off again once it settles.
 */
export function askCamera(message, maxSide) {
  return ask((entry) => {
    const panel = askPanel(message);
    let stream = null;
    entry.cleanup = () => { if (stream) stream.getTracks().forEach((track) => track.stop()); stream = null; };
    const fail = (reason) => { entry.cleanup(); settle(panel, entry); entry.reject(new Error(reason)); };
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      fail(t("this page has no camera access (browsers allow it on https and localhost only)"));
      return;
    }
    const video = document.createElement("video");
    video.className = "camera";
    video.muted = true;
    video.playsInline = true;
    video.setAttribute("aria-label", t("webcam preview"));
    const snap = document.createElement("button");
    snap.type = "button";
    snap.textContent = t("Take photo");
    snap.dataset.choice = "take-photo";
    snap.disabled = true;
    panel.append(video, snap);
    navigator.mediaDevices.getUserMedia({ video: true, audio: false })
      .then(async (s) => {
        stream = s;
        video.srcObject = s;
        await video.play();
        snap.disabled = false;
        snap.focus();
      })
      .catch((e) => fail(cameraProblem(e)));
    snap.addEventListener("click", async () => {
      try {
        const frame = await createImageBitmap(video);
        try {
          const result = await bitmapPixels(frame, frame.width, frame.height, maxSide);
          entry.cleanup();
          settle(panel, entry);
          entry.resolve(result);
        } finally {
          frame.close();
        }
      } catch (e) {
        fail(t("could not take the picture: {error}", { error: e.message || e }));
      }
    });
  });
}

/** One button per option (or a select for many); resolves with the chosen value. */
export function askChoice(message, options, defaultValue) {
  return ask((entry) => {
    const panel = askPanel(message);
    const row = document.createElement("div");
    row.className = "choices";
    const pick = (value) => { settle(panel, entry); entry.resolve(value); };
    if (options.length <= 4) {
      for (const option of options) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = option;
        button.dataset.choice = option;
        button.addEventListener("click", () => pick(option));
        row.appendChild(button);
      }
    } else {
      const select = document.createElement("select");
      select.setAttribute("aria-label", message);
      for (const option of options) select.add(new Option(option, option, false, option === defaultValue));
      const ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = t("OK");
      ok.addEventListener("click", () => pick(select.value));
      row.append(select, ok);
    }
    panel.appendChild(row);
    const first = row.querySelector("button, select");
    if (first) first.focus();
  });
}

/** Checkboxes for several options; resolves with the checked ones (at least one). */
export function askMany(message, options, checked) {
  return ask((entry) => {
    const panel = askPanel(message);
    const box = document.createElement("fieldset");
    box.className = "many";
    const legend = document.createElement("legend");
    legend.className = "visually-hidden";
    legend.textContent = message;
    box.appendChild(legend);
    for (const option of options) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = option;
      input.checked = checked.includes(option);
      label.append(input, ` ${option}`);
      box.appendChild(label);
    }
    const ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = t("OK");
    ok.dataset.choice = "ok";
    ok.addEventListener("click", () => {
      const values = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      if (!values.length) return;
      settle(panel, entry);
      entry.resolve(values);
    });
    panel.append(box, ok);
    ok.focus();
  });
}

/**
 * A labelled text area (and an optional labelled slider); Ctrl+Enter or the button
 * submits. Resolves with JSON {text, value}.
 */
let textFields = 0;
export function askText(message, specJson) {
  const spec = JSON.parse(specJson);
  return ask((entry) => {
    const panel = askPanel(message);
    if (spec.error) {
      const problem = document.createElement("p");
      problem.className = "ask-problem";
      problem.setAttribute("role", "alert");
      problem.textContent = spec.error;
      panel.prepend(problem);
    }
    const form = document.createElement("form");
    form.className = "ask-text";
    textFields += 1;
    const area = document.createElement("textarea");
    area.id = `ask-text-${textFields}`;
    area.rows = 8;
    area.value = spec.default || "";
    const areaLabel = document.createElement("label");
    areaLabel.htmlFor = area.id;
    areaLabel.textContent = spec.label;
    form.append(areaLabel, area);
    let range = null;
    if (spec.slider) {
      const s = spec.slider;
      range = document.createElement("input");
      range.type = "range";
      range.id = `ask-range-${textFields}`;
      Object.assign(range, { min: s.minimum, max: s.maximum, step: s.step });
      range.value = s.value;
      const rangeLabel = document.createElement("label");
      rangeLabel.htmlFor = range.id;
      rangeLabel.textContent = s.label;
      const shown = document.createElement("output");
      shown.htmlFor = range.id;
      shown.value = range.value;
      range.addEventListener("input", () => { shown.value = range.value; });
      const row = document.createElement("div");
      row.className = "ask-slider";
      row.append(rangeLabel, range, shown);
      form.appendChild(row);
    }
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = spec.button || t("OK");
    form.appendChild(submit);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      settle(panel, entry);
      entry.resolve(JSON.stringify({ text: area.value, value: range ? Number(range.value) : null }));
    });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    panel.appendChild(form);
    area.focus();
  });
}

/** A button that downloads ``bytes`` when pressed; stays until the next run. */
export function offerDownload(text, name, bytes, type) {
  const panel = askPanel(text);
  panel.classList.add("ask-note");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "download";
  button.textContent = t("Download {name}", { name });
  button.addEventListener("click", () => download(name, bytes, type));
  panel.appendChild(button);
}

/** Offer bytes as a file download (nothing leaves the computer). */
export function download(name, bytes, type) {
  downloadFile(name, bytes, type || "application/octet-stream");
}

/** When a run ends, panels that live for the whole run (the studio) are told so. */
export function finishRunPanels() {
  for (const ask of [...asks]) {
    if (ask.finish) {
      ask.finish();
      asks.delete(ask);
    }
  }
}

/** A note (or, with kind "error", an alert) in the Lab inputs panel. */
export function message(text, kind) {
  const panel = askPanel(text);
  panel.classList.add(kind === "error" ? "ask-error" : "ask-note");
  panel.setAttribute("role", kind === "error" ? "alert" : "status");
}
