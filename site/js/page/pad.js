/*
 * pad.js: the drawing pad of the MNIST labs. The prediction comes from Python in the
 * runtime worker: ``predict(gray)`` is a request (js/shared/protocol.js: pad).
 */
import { surface } from "./charts.js";
import { err } from "./output.js";
import { reveal } from "./reveal.js";
import { formatNumber, t } from "./i18n.js";

let padCount = 0;

/**
 * A drawing pad: white ink on black, mouse, touch and pen (pointer events), or the
 * keyboard (arrow keys move a pen one MNIST pixel, Shift four; Space or Enter puts it
 * down or lifts it). After each stroke (and every 150 ms while drawing) the pixels go
 * to the Python handler in the worker (pad number ``pad``), which answers with JSON
 * [[label, probability], ...] shown as bars. One request at a time: strokes drawn
 * while one is out are sent (as one picture) when it comes back.
 */
export function drawingPad(title, pad, size, predict) {
  const element = surface(title);
  element.removeAttribute("role");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  canvas.className = "pad";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "application"); // it takes the arrow keys and Space itself
  const hint = document.createElement("p");
  hint.className = "caption";
  padCount += 1;
  hint.id = `pad-hint-${padCount}`;
  hint.textContent = t("Keyboard: arrow keys move the pen (Shift: 4 times as far), Space puts it down or lifts it.");
  canvas.setAttribute("aria-label", t("{title}: draw with the mouse, a finger, a pen or the keyboard", { title }));
  canvas.setAttribute("aria-describedby", hint.id);
  canvas.style.touchAction = "none";
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const clearButton = document.createElement("button");
  clearButton.type = "button";
  clearButton.textContent = t("Clear");
  const output = document.createElement("ol");
  output.className = "pad-top";
  output.setAttribute("aria-live", "polite");
  const count = { predictions: 0 };
  const blank = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, size, size); output.replaceChildren(); };
  blank();
  let drawing = false;
  let last = null;
  let lastSent = 0;
  let inFlight = false;
  let again = false;
  const send = async () => {
    lastSent = performance.now();
    if (inFlight) { again = true; return; }
    inFlight = true;
    const rgba = ctx.getImageData(0, 0, size, size).data;
    const gray = new Uint8Array(size * size);
    for (let i = 0; i < gray.length; i += 1) gray[i] = rgba[i * 4];
    let top;
    try {
      top = JSON.parse(await predict(gray));
    } catch (e) {
      if (String(e.message || e) !== "pytfjs:restarted") err(t("drawing pad: {error}", { error: e.message || e }));
      return;
    } finally {
      inFlight = false;
      if (again) { again = false; send(); }
    }
    count.predictions += 1;
    canvas.dataset.predictions = String(count.predictions);
    canvas.dataset.top = top.length ? top[0][0] : "";
    output.replaceChildren(...top.map(([label, p]) => {
      const li = document.createElement("li");
      li.innerHTML = `<span class="pad-label"></span><span class="pad-bar"><span></span></span><span class="pad-p"></span>`;
      li.querySelector(".pad-label").textContent = label;
      li.querySelector(".pad-bar span").style.width = `${Math.round(p * 100)}%`;
      li.querySelector(".pad-p").textContent = formatNumber(p, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
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
  reveal(element.closest("figure") || element);
}
