/*
 * lab.js: the lab page. Editor, Run/Stop/Reset, console, progress bar, results,
 * charts, backend selector and memory meter. The lab itself is Python: this file only
 * moves text and clicks between the page and pytfjs.runner.
 *
 * Scriptable contract (tests, demos, shared links):
 *   lab.html?lab=<id>[&run=1][&backend=webgl|wasm|cpu][&<lab params>]
 *   document.body.dataset.state: loading | ready | running | done | error
 *   window.pytfjs.results: what the lab reported with pytfjs.report(...)
 */
import { Drafts, downloadFile } from "./drafts.js";

(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  const runtime = globalThis.pytfjsRuntime;

  let editor = null;
  let pyodide = null;
  let runner = null;
  let lab = null;
  let drafts = null;
  let running = false;
  let runCount = 0;

  let selectorHadFocus = false; // see setState

  function setState(state, message) {
    document.body.dataset.state = state;
    if (message !== undefined) $("status").textContent = message;
    const busy = state === "loading" || state === "running";
    const focused = document.activeElement;
    $("run").disabled = busy || !runner;
    $("reset").disabled = busy || !runner;
    $("stop").disabled = state !== "running";
    $("backend").disabled = busy || !runner;
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

  // ---------------------------------------------------------------- console
  const consoleEl = $("console");
  function write(text, kind) {
    const span = document.createElement("span");
    span.className = kind;
    span.textContent = text.endsWith("\n") ? text : text + "\n";
    consoleEl.appendChild(span);
    consoleEl.scrollTop = consoleEl.scrollHeight;
  }
  const err = (line) => write(line, "err");
  const info = (line) => write(line, "info");

  // ---------------------------------------------------------------- panels
  function showLoading(text, percent) {
    const bar = $("loading-bar");
    bar.value = percent;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", text);
    $("loading-text").textContent = text;
  }

  /**
   * The loading bar. The build lists, per lab, the files its page downloads to start
   * (Pyodide runtime, standard library, each package wheel) with their sizes; the bar is
   * the share of those bytes that has arrived, seen through the browser's resource
   * timing, and the text names what is still coming and the start-up steps that follow
   * (the TF.js backend, Python). Nothing is estimated.
   */
  const loading = {
    files: [],
    done: new Set(),
    steps: new Map(),
    observer: null,
    watch(files) {
      this.files = files;
      const byUrl = new Map(files.map((f) => [runtime.siteUrl(f.path), f]));
      const seen = (entries) => {
        for (const entry of entries) {
          const file = byUrl.get(entry.name.split("?")[0]);
          if (file) this.done.add(file);
        }
        this.show();
      };
      this.observer = new PerformanceObserver((list) => seen(list.getEntries()));
      this.observer.observe({ type: "resource", buffered: true });
    },
    step(name, text) {
      this.steps.set(name, text);
      this.show();
    },
    show() {
      const mb = (n) => (n / 1048576).toFixed(1);
      const total = this.files.reduce((sum, f) => sum + f.bytes, 0);
      const got = [...this.done].reduce((sum, f) => sum + f.bytes, 0);
      const pending = this.files.filter((f) => !this.done.has(f));
      const parts = [];
      if (this.files.length) {
        parts.push(pending.length
          ? `Downloading ${pending.map((f) => f.what).join(", ")} (${mb(got)} of ${mb(total)} MB)`
          : `Downloaded ${this.files.length} files (${mb(total)} MB)`);
      }
      parts.push(...this.steps.values());
      showLoading(parts.join(" · "), total ? Math.round((100 * got) / total) : 0);
    },
    stop() {
      if (this.observer) this.observer.disconnect();
    },
  };

  function formatValue(value) {
    if (typeof value === "number") {
      return Number.isInteger(value) ? String(value) : value.toPrecision(5).replace(/\.?0+$/, "");
    }
    return JSON.stringify(value);
  }

  function renderResults() {
    const body = $("results").tBodies[0];
    body.replaceChildren();
    const entries = Object.entries(window.pytfjs.results);
    if (!entries.length) {
      body.innerHTML = '<tr><td class="empty">No results yet: press Run.</td></tr>';
      return;
    }
    for (const [name, value] of entries) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = name;
      row.appendChild(th);
      row.insertCell().textContent = formatValue(value);
    }
  }

  // Drawing pads outlive the run that made them (their Python handler is a proxy the
  // page owns); they go, and their proxies are destroyed, when the next run starts.
  const pads = [];
  function clearCharts() {
    for (const pad of pads.splice(0)) pad.destroy();
    $("charts").replaceChildren();
  }

  /** A uint8 image, grayscale (a grid of samples) or RGB (a photo), drawn pixel-exact. */
  function image(title, json, pixels) {
    const { width, height, scale, caption, channels = 1 } = JSON.parse(json);
    const element = ui.surface(title);
    element.setAttribute("aria-label", caption || title);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${width * scale}px`;
    if (scale > 1) canvas.style.imageRendering = "pixelated";
    const rgba = new ImageData(width, height);
    for (let i = 0, j = 0; i < width * height; i += 1, j += channels) {
      const g = channels === 3 ? [pixels[j], pixels[j + 1], pixels[j + 2]] : [pixels[j], pixels[j], pixels[j]];
      rgba.data.set([...g, 255], i * 4);
    }
    canvas.getContext("2d").putImageData(rgba, 0, 0);
    const note = document.createElement("p");
    note.className = "caption";
    note.textContent = caption || "";
    element.replaceChildren(canvas, note);
  }

  /**
   * A drawing pad: white ink on black, mouse, touch and pen (pointer events), or the
   * keyboard (arrow keys move a pen one MNIST pixel, Shift four; Space or Enter puts it
   * down or lifts it). After each stroke (and every 150 ms while drawing) the pixels go
   * to the Python ``handler``, which answers with JSON [[label, probability], ...] shown
   * as bars.
   */
  function drawingPad(title, handler, size) {
    const element = ui.surface(title);
    element.removeAttribute("role");
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    canvas.className = "pad";
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "application"); // it takes the arrow keys and Space itself
    const hint = document.createElement("p");
    hint.className = "caption";
    hint.id = `pad-hint-${pads.length}`;
    hint.textContent = "Keyboard: arrow keys move the pen (Shift: 4 times as far), Space puts it down or lifts it.";
    canvas.setAttribute("aria-label", `${title}: draw with the mouse, a finger, a pen or the keyboard`);
    canvas.setAttribute("aria-describedby", hint.id);
    canvas.style.touchAction = "none";
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const clearButton = document.createElement("button");
    clearButton.type = "button";
    clearButton.textContent = "Clear";
    const output = document.createElement("ol");
    output.className = "pad-top";
    output.setAttribute("aria-live", "polite");
    const count = { predictions: 0 };
    const blank = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, size, size); output.replaceChildren(); };
    blank();
    let drawing = false;
    let last = null;
    let lastSent = 0;
    const send = () => {
      lastSent = performance.now();
      const rgba = ctx.getImageData(0, 0, size, size).data;
      const gray = new Uint8Array(size * size);
      for (let i = 0; i < gray.length; i += 1) gray[i] = rgba[i * 4];
      let top;
      try {
        top = JSON.parse(handler(gray));
      } catch (e) {
        err(`drawing pad: ${e.message || e}`);
        return;
      }
      count.predictions += 1;
      canvas.dataset.predictions = String(count.predictions);
      canvas.dataset.top = top.length ? top[0][0] : "";
      output.replaceChildren(...top.map(([label, p]) => {
        const li = document.createElement("li");
        li.innerHTML = `<span class="pad-label"></span><span class="pad-bar"><span></span></span><span class="pad-p"></span>`;
        li.querySelector(".pad-label").textContent = label;
        li.querySelector(".pad-bar span").style.width = `${Math.round(p * 100)}%`;
        li.querySelector(".pad-p").textContent = `${(p * 100).toFixed(1)}%`;
        return li;
      }));
    };
    /** Pen down at p: a dot, and the start of a stroke. */
    const startStroke = (p) => {
      drawing = true;
      last = p;
      ctx.strokeStyle = "#fff";
      ctx.fillStyle = "#fff";
      ctx.lineWidth = size / 14;
      ctx.lineCap = ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.arc(p[0], p[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    };
    const strokeTo = (p) => {
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      last = p;
      if (performance.now() - lastSent > 150) send();
    };
    const end = () => { if (drawing) { drawing = false; send(); } };
    const point = (e) => {
      const r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * (size / r.width), (e.clientY - r.top) * (size / r.height)];
    };
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      startStroke(point(e));
    });
    canvas.addEventListener("pointermove", (e) => { if (drawing) strokeTo(point(e)); });
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    // The keyboard pen moves on the 28x28 grid the model sees; a marker shows where it is.
    const pen = { col: 14, row: 14 };
    const marker = document.createElement("span");
    marker.className = "pad-pen";
    marker.hidden = true;
    const penAt = () => [(pen.col + 0.5) * size / 28, (pen.row + 0.5) * size / 28];
    const showPen = () => {
      marker.style.left = `${(pen.col + 0.5) * 100 / 28}%`;
      marker.style.top = `${(pen.row + 0.5) * 100 / 28}%`;
      marker.classList.toggle("down", drawing);
      canvas.dataset.pen = `${pen.col},${pen.row}${drawing ? ",down" : ""}`;
    };
    const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    canvas.addEventListener("keydown", (e) => {
      if (e.key === " " || e.key === "Enter") {
        e.preventDefault();
        if (drawing) end(); else startStroke(penAt());
      } else if (MOVES[e.key]) {
        e.preventDefault();
        const k = e.shiftKey ? 4 : 1;
        pen.col = Math.min(27, Math.max(0, pen.col + MOVES[e.key][0] * k));
        pen.row = Math.min(27, Math.max(0, pen.row + MOVES[e.key][1] * k));
        if (drawing) strokeTo(penAt());
      } else {
        return;
      }
      showPen();
    });
    canvas.addEventListener("focus", () => {
      marker.hidden = !canvas.matches(":focus-visible"); // not after a mouse click
      showPen();
    });
    canvas.addEventListener("keyup", () => { marker.hidden = false; });
    canvas.addEventListener("blur", () => { marker.hidden = true; end(); });

    clearButton.addEventListener("click", () => { blank(); canvas.dataset.top = ""; });
    const row = document.createElement("div");
    row.className = "pad-row";
    const frame = document.createElement("div");
    frame.className = "pad-frame";
    frame.append(canvas, marker);
    const side = document.createElement("div");
    side.append(output, clearButton);
    row.append(frame, side);
    element.replaceChildren(row, hint);
    pads.push({ destroy: () => handler.destroy() });
  }

  // ---------------------------------------------------------------- prompts
  // Python awaits these (pytfjs.ui.ask_file / choose); Stop cancels them.
  const asks = new Set();
  function cancelAsks() {
    for (const ask of asks) {
      if (ask.cleanup) ask.cleanup();
      ask.reject(new Error("pytfjs:stopped"));
    }
    asks.clear();
    $("inputs").replaceChildren();
    $("inputs").hidden = true;
  }

  /** When a run ends, panels that live for the whole run (the studio) are told so. */
  function finishRunPanels() {
    for (const ask of [...asks]) {
      if (ask.finish) {
        ask.finish();
        asks.delete(ask);
      }
    }
  }

  function askPanel(message) {
    const panel = document.createElement("div");
    panel.className = "ask";
    panel.setAttribute("role", "group");
    const text = document.createElement("p");
    text.textContent = message;
    panel.appendChild(text);
    $("inputs").appendChild(panel);
    $("inputs").hidden = false;
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
  function askFile(message, accept) {
    return ask((entry) => {
      const panel = askPanel(message);
      const zone = document.createElement("label");
      zone.className = "drop-zone";
      zone.tabIndex = 0;
      const input = document.createElement("input");
      input.type = "file";
      input.accept = accept || "";
      input.className = "file-input";
      zone.append("Drop a file here or ", input);
      const done = (file) => { if (!file) return; settle(panel, entry); entry.resolve(file); };
      input.addEventListener("change", () => done(input.files[0]));
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("over"));
      zone.addEventListener("drop", (e) => { e.preventDefault(); done(e.dataTransfer.files[0]); });
      panel.appendChild(zone);
      input.focus();
    });
  }

  /** Why getUserMedia failed, in words a learner can act on. */
  function cameraProblem(e) {
    const name = e && e.name;
    if (name === "NotAllowedError") return "the camera permission was refused (allow it from the address bar)";
    if (name === "NotFoundError" || name === "OverconstrainedError") return "no camera was found";
    if (name === "NotReadableError") return "the camera is in use by another program";
    return String((e && e.message) || e);
  }

  /**
   * A live webcam preview (mirrored, like a mirror) and a "Take photo" button; resolves
   * with the (unmirrored) frame's pixels (see pytfjsRuntime.bitmapPixels), rejects with
   * a readable reason when there is no camera. The camera is off again once it settles.
   */
  function askCamera(message, maxSide) {
    return ask((entry) => {
      const panel = askPanel(message);
      let stream = null;
      entry.cleanup = () => { if (stream) stream.getTracks().forEach((t) => t.stop()); stream = null; };
      const fail = (reason) => { entry.cleanup(); settle(panel, entry); entry.reject(new Error(reason)); };
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        fail("this page has no camera access (browsers allow it on https and localhost only)");
        return;
      }
      const video = document.createElement("video");
      video.className = "camera";
      video.muted = true;
      video.playsInline = true;
      video.setAttribute("aria-label", "webcam preview");
      const snap = document.createElement("button");
      snap.type = "button";
      snap.textContent = "Take photo";
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
            const result = await runtime.bitmapPixels(frame, frame.width, frame.height, maxSide);
            entry.cleanup();
            settle(panel, entry);
            entry.resolve(result);
          } finally {
            frame.close();
          }
        } catch (e) {
          fail(`could not take the picture: ${e.message || e}`);
        }
      });
    });
  }

  /** One button per option (or a select for many); resolves with the chosen value. */
  function askChoice(message, options, defaultValue) {
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
        ok.textContent = "OK";
        ok.addEventListener("click", () => pick(select.value));
        row.append(select, ok);
      }
      panel.appendChild(row);
      const first = row.querySelector("button, select");
      if (first) first.focus();
    });
  }

  /** Checkboxes for several options; resolves with the checked ones (at least one). */
  function askMany(message, options, checked) {
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
      ok.textContent = "OK";
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
  function askText(message, specJson) {
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
      submit.textContent = spec.button || "OK";
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

  /** A table cell from pytfjs.ui.meter: a 0..1 bar and its text. */
  function meterCell(cell, { meter, text, low, high }) {
    const bar = document.createElement("meter");
    Object.assign(bar, { min: 0, max: 1, optimum: 0, value: meter });
    if (low !== undefined) bar.low = low;
    if (high !== undefined) bar.high = high;
    bar.setAttribute("aria-label", text || String(meter));
    cell.className = "meter-cell";
    cell.append(bar, ` ${text || ""}`);
  }

  /** A button that downloads ``bytes`` when pressed; stays until the next run. */
  function offerDownload(text, name, bytes, type) {
    const panel = askPanel(text);
    panel.classList.add("ask-note");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "download";
    button.textContent = `Download ${name}`;
    button.addEventListener("click", () => download(name, bytes, type));
    panel.appendChild(button);
  }

  /** Offer bytes as a file download (nothing leaves the computer). */
  function download(name, bytes, type) {
    downloadFile(name, bytes, type || "application/octet-stream");
  }

  /** A surface holding a table that may be wider than the page: it scrolls sideways on
   * its own, and (being scrollable) is a named region keyboard users can focus. */
  function scrollRegion(element, title) {
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", title);
    element.tabIndex = 0;
    element.classList.add("scroll");
    return element;
  }

  /** A plain HTML table in a chart surface (accessible, copyable). */
  function table(title, json) {
    const { headers, rows, caption } = JSON.parse(json);
    const element = scrollRegion(ui.surface(title), title);
    const t = document.createElement("table");
    t.className = "data-table";
    if (caption) t.createCaption().textContent = caption;
    const head = t.createTHead().insertRow();
    for (const h of headers) { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th); }
    const body = t.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      for (const v of r) {
        const cell = tr.insertCell();
        if (v !== null && typeof v === "object" && "meter" in v) meterCell(cell, v);
        else cell.textContent = v === null ? "" : String(v);
      }
    }
    element.replaceChildren(t);
  }

  // A zero-delay task (no 4 ms timer clamp, no wait for the next frame): long-running
  // Python work awaits it now and then so clicks and painting get through.
  const channel = new MessageChannel();
  const resumes = [];
  channel.port1.onmessage = () => { const resume = resumes.shift(); if (resume) resume(); };

  /** Hooks that pytfjs (Python) calls: see py/pytfjs/ui.py. */
  const ui = {
    askFile,
    askChoice,
    askCamera,
    cameraProblem,
    /** For panels made by other scripts (js/studio.js): a panel in Lab inputs, and
     *  track({cleanup, reject, finish}) so Stop and the next run end it like a prompt. */
    panel: askPanel,
    track(entry) { asks.add(entry); },
    studio(configJson) { return globalThis.pytfjsStudio.studio(configJson); },
    image,
    drawingPad,
    modelSummary(title, model) {
      const element = scrollRegion(ui.surface(title), title);
      runtime.loadVis().then((vis) => vis.show.modelSummary(element, model))
        .catch((e) => err(`model summary: ${e.message || e}`));
    },
    askMany,
    askText,
    offerDownload,
    download,
    table,
    message(text, kind) {
      const panel = askPanel(text);
      panel.classList.add(kind === "error" ? "ask-error" : "ask-note");
      panel.setAttribute("role", kind === "error" ? "alert" : "status");
    },
    yieldNow() {
      return new Promise((resolve) => { resumes.push(resolve); channel.port2.postMessage(0); });
    },
    progress(json) {
      const p = JSON.parse(json);
      $("train-bar").value = p.fraction;
      $("train-text").textContent = p.text;
    },
    report(json) {
      Object.assign(window.pytfjs.results, JSON.parse(json));
      renderResults();
    },
    /**
     * Draw a tfjs-vis chart ("linechart", "scatterplot", "heatmap", ...) into a surface.
     * ``summary`` (from pytfjs.ui.describe) is its text alternative: the accessible name
     * of the picture, and a caption under it.
     */
    render(kind, title, dataJson, optionsJson, summary) {
      const element = ui.surface(title);
      if (summary) {
        element.setAttribute("aria-label", `${title}: ${summary}`);
        const note = element.parentElement.querySelector(".chart-summary");
        note.textContent = summary;
        note.hidden = false;
      }
      // vega gives the element it draws into its own role and name ("Vega
      // visualization"): draw one level down, so the picture keeps the text alternative
      let target = element.querySelector(":scope > .vis");
      if (!target) {
        target = document.createElement("div");
        target.className = "vis";
        element.replaceChildren(target);
      }
      runtime.loadVis()
        .then((vis) => vis.render[kind](target, JSON.parse(dataJson), JSON.parse(optionsJson || "{}")))
        .catch((e) => err(`chart "${title}": ${e.message || e}`));
    },
    surface(title) {
      const charts = $("charts");
      for (const fig of charts.querySelectorAll("figure.surface")) {
        if (fig.dataset.title === title) return fig.querySelector(".surface-body");
      }
      const fig = document.createElement("figure");
      fig.className = "surface";
      fig.dataset.title = title;
      const caption = document.createElement("figcaption");
      caption.textContent = title;
      const body = document.createElement("div");
      body.className = "surface-body";
      body.setAttribute("role", "img");
      body.setAttribute("aria-label", `${title} chart`);
      // the text alternative, shown to everyone; screen readers get it as the picture's name
      const summary = document.createElement("p");
      summary.className = "chart-summary";
      summary.setAttribute("aria-hidden", "true");
      summary.hidden = true;
      fig.append(caption, body, summary);
      charts.appendChild(fig);
      return body;
    },
  };
  globalThis.pytfjsUI = ui;

  function updateMemory() {
    if (!globalThis.tf || !tf.getBackend()) return;
    const m = tf.memory();
    const mb = m.numBytes / 1048576;
    $("memory").textContent = `${m.numTensors} tensors · ${mb < 10 ? mb.toFixed(2) : mb.toFixed(0)} MB`;
  }

  // ---------------------------------------------------------------- actions
  async function run() {
    if (running || !runner) return false;
    running = true;
    runCount += 1;
    cancelAsks();
    window.pytfjs.results = {};
    renderResults();
    clearCharts();
    ui.progress(JSON.stringify({ fraction: 0, text: "not training" }));
    const backend = tf.getBackend();
    info(`── run ${runCount} · ${lab.id} · backend ${backend} ──`);
    setState("running", "Running…");
    const code = editor.getValue();
    saveDraft(); // at once: if this run freezes or crashes the tab, the code is kept
    const started = performance.now();
    let status = "error";
    try {
      await pyodide.loadPackagesFromImports(code, { messageCallback: () => {}, errorCallback: err });
      const params = Object.fromEntries([...query].filter(([k]) => !["lab", "run", "backend"].includes(k)));
      status = await runner.run_lab(code, lab.id, JSON.stringify(params));
    } catch (e) {
      err(String(e && e.message ? e.message : e));
    }
    running = false;
    finishRunPanels();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    updateMemory();
    if (status === "done") {
      info(`finished in ${seconds} s`);
      setState("done", `Done in ${seconds} s`);
    } else if (status === "stopped") {
      info(`stopped after ${seconds} s`);
      setState("ready", "Stopped");
    } else {
      setState("error", "The lab raised an error: see Output. Fix the code and Run again.");
    }
    return status;
  }

  function stop() {
    if (!running || !runner) return;
    runner.request_stop();
    cancelAsks();
    info("Stop requested: training stops after the current batch.");
    $("status").textContent = "Stopping…";
  }

  function reset() {
    if (!lab || running) return;
    hideDraftNotice();
    if (editor.getValue() === lab.source) {
      $("status").textContent = "The code is already the lab's original.";
      return;
    }
    editor.setValue(lab.source);
    saveDraft();
    info("Reset: the lab's original code is back, and your edited version is no longer kept."
      + " Ctrl+Z in the editor brings your edits back.");
    $("status").textContent = "Original code restored";
  }

  // ---------------------------------------------------------------- drafts
  // The editor's code is saved per lab (js/drafts.js) half a second after each change,
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
    mark.textContent = stored ? "edited · saved in this browser" : "edited · NOT saved (browser storage is off)";
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
    text.textContent = "This lab's code has changed since you edited it (the site was updated)."
      + " The editor shows your version.";
    notice.replaceChildren(text,
      noticeButton("Keep my version", () => { drafts.adopt(editor.getValue()); hideDraftNotice(); }),
      noticeButton("Use the new code", () => {
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
    text.textContent = "The editor shows the new code. Your previous version is kept:";
    notice.replaceChildren(text,
      noticeButton("Download it as .py", () => downloadFile(`${lab.id}-my-version.py`,
        drafts.previous() || "", "text/x-python")),
      noticeButton("Bring it back", () => {
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
    if (running) throw new Error("cannot switch backend while a lab runs");
    selectorHadFocus = document.activeElement === $("backend");
    setState("loading", `Switching to ${name}…`);
    try {
      const active = await runtime.setBackend(name);
      query.set("backend", active);
      history.replaceState(null, "", `${location.pathname}?${query}`);
      info(`backend: ${active}`);
      setState("ready", `Backend: ${active}`);
    } catch (e) {
      err(String(e.message || e));
      $("backend").value = tf.getBackend();
      setState("ready", `Backend: ${tf.getBackend()}`);
    }
    return tf.getBackend();
  }

  window.pytfjs = {
    results: {},
    lab: null,
    get state() { return document.body.dataset.state; },
    get runs() { return runCount; },
    run,
    stop,
    reset,
    getCode: () => (editor ? editor.getValue() : ""),
    setCode: (code) => editor && editor.setValue(code),
    backend: () => tf.getBackend(),
    setBackend: changeBackend,
    memory: () => tf.memory(),
  };

  // ---------------------------------------------------------------- start-up
  async function start() {
    setState("loading", "");
    const labId = query.get("lab");
    if (!labId || !/^[a-z0-9-]+$/.test(labId)) {
      $("lab-title").textContent = "No lab chosen";
      err("This page needs ?lab=<id>. Go back to the list of labs and pick one.");
      showLoading("No lab chosen", 0);
      setState("error", "");
      return;
    }
    editor = CodeMirror.fromTextArea($("code"), {
      mode: "python", lineNumbers: true, indentUnit: 4, matchBrackets: true,
      // a contenteditable input sits inside the scroller (keyboard-scrollable) and reads
      // better in screen readers than CodeMirror's hidden textarea
      inputStyle: "contenteditable", screenReaderLabel: "Python source of the lab",
      extraKeys: {
        "Ctrl-Enter": () => run(), "Cmd-Enter": () => run(),
        // Tab indents inside the editor; Esc lets go of the keyboard, so that the next
        // Tab / Shift+Tab moves focus on to the next / previous control (README).
        Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
        "Shift-Tab": "indentLess",
        Esc: (cm) => cm.getInputField().blur(),
      },
    });
    // Three independent starts run at once: the lab file, Pyodide, the TF.js backend.
    const labLoading = fetch(runtime.siteUrl(`labs/${labId}.json`)).then((response) => {
      if (!response.ok) throw new Error(`there is no lab "${labId}" in this build`);
      return response.json();
    });
    runtime.setOutput((kind, line) => write(line, kind));
    const pythonStarting = globalThis.pytfjsPython;
    const backendStarting = runtime.initBackend(query.get("backend"));
    // Whatever fails first is reported below; the others must not become unhandled.
    for (const p of [labLoading, pythonStarting, backendStarting]) p.catch(() => {});
    loading.step("lab", "Loading the lab…");
    loading.step("backend", "TensorFlow.js: starting its backend…");
    loading.step("python", "Python: starting…");
    backendStarting.then((b) => loading.step("backend", `TensorFlow.js: ${b.name} backend ready`))
      .catch(() => {}); // failures are reported below
    pythonStarting.then(() => loading.step("python", "Python: started")).catch(() => {});
    try {
      lab = await labLoading;
      loading.steps.delete("lab");
      loading.watch(lab.startup || []);
      window.pytfjs.lab = { id: lab.id, title: lab.title, week: lab.week };
      document.title = `${lab.title} · pytfjs`;
      $("lab-title").textContent = `${lab.title}`;
      $("lesson-body").innerHTML = `<p class="week">Course week ${lab.week}</p>${lab.lesson_html}`;
      drafts = new Drafts(lab.id, lab.source);
      const draft = drafts.load();
      editor.setValue(draft ? draft.code : lab.source);
      editor.clearHistory(); // Ctrl+Z does not undo the loading itself
      savedCode = editor.getValue();
      saveDraft();
      if (draft && draft.stale) showStaleNotice();
      editor.on("changes", () => {
        clearTimeout(saveTimer);
        saveTimer = setTimeout(saveDraft, 500);
      });
      window.addEventListener("pagehide", saveDraft);
      $("download-code").disabled = false;
      $("download-code").addEventListener("click", downloadCode);

      const backend = await backendStarting;
      performance.mark("backend-ready");
      $("backend").value = backend.name;
      if (backend.note) err(backend.note);
      setInterval(updateMemory, 300);

      pyodide = await pythonStarting;
      loading.step("python", `Python: loading ${["pytfjs", ...lab.packages].join(", ")}…`);
      await runtime.loadPackages(pyodide, lab.packages, err);
      loading.step("python", "Python: ready");
      runner = pyodide.pyimport("pytfjs.runner");
      loading.stop();
      $("loading").hidden = true;
      info(`Python ${pyodide.version} ready · TensorFlow.js ${tf.version.tfjs} · backend ${backend.name}${backend.threads ? ` (${backend.threads} threads)` : ""}`);
    } catch (e) {
      err(`Could not start: ${e.message || e}`);
      loading.stop();
      showLoading("Failed to start: see Output", 0);
      setState("error", "");
      return;
    }
    $("run").addEventListener("click", () => run());
    $("stop").addEventListener("click", stop);
    $("reset").addEventListener("click", reset);
    $("backend").addEventListener("change", (e) => changeBackend(e.target.value));
    setState("ready", "Ready");
    updateMemory();
    performance.mark("lab-ready"); // for bench/: Run works from here on
    document.dispatchEvent(new Event("pytfjs:ready"));
    if (query.get("run") === "1") run();
  }

  window.addEventListener("DOMContentLoaded", start);
})();
