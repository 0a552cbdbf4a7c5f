/*
 * linechart.js: line charts (the live loss and accuracy charts of every training run),
 * drawn by the page on a canvas. A redraw of a few thousand points takes about a
 * millisecond of the page's main thread; a tfjs-vis (vega) redraw took 50-350 ms, long
 * enough to delay clicks and to take CPU from the training worker on a 2-core laptop.
 *
 * Data is tfjs-vis's: {values: [[{x, y}, ...] per series], series: [names]}. Points are
 * drawn at their own x; a null or non-finite y leaves a gap. Validation series (val_...)
 * are dashed, so they differ by more than colour. Pointing at the chart reads out the
 * values at the nearest x.
 */

// Okabe-Ito: told apart with the common colour-vision deficiencies
const COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';

/**
 * Round tick values (1, 2, 2.5 or 5 times a power of ten apart, about ``count`` of them)
 * inside lo..hi, and the range itself (widened when it is a single value).
 */
export function niceTicks(lo, hi, count, whole = false) {
  if (!(hi > lo)) {
    const pad = whole ? 1 : Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10].map((m) => m * power);
  let step = steps.reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  if (whole) step = Math.max(1, Math.round(step));
  const values = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i += 1) {
    values.push(i * step);
  }
  return { values, step, lo, hi };
}

/** A tick label with as many decimals as the step needs (no 0.30000000000000004). */
export function tickLabel(value, step) {
  if (Math.abs(value) < step * 1e-6) return "0";
  const exponent = Math.floor(Math.log10(step) + 1e-9);
  const extra = Math.round((step / 10 ** exponent) * 10) === 25 ? 1 : 0; // 2.5, 0.25, ...
  const size = Math.abs(value);
  if (size >= 1e6 || size < 1e-4) {
    const digits = Math.floor(Math.log10(size)) - exponent + extra;
    return value.toExponential(Math.max(0, Math.min(4, digits)));
  }
  const decimals = Math.max(0, extra - exponent);
  return value.toLocaleString("en", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function finite(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/** The series as [name, points with a finite x] pairs, names filled in where missing. */
function seriesOf(data) {
  const values = Array.isArray(data) ? data : data.values || [];
  const lines = values.length && !Array.isArray(values[0]) ? [values] : values;
  const names = (Array.isArray(data) ? [] : data.series) || [];
  return lines.map((points, i) => [names[i] ?? `series ${i + 1}`, points.filter((p) => p && finite(p.x))]);
}

function extent(numbers) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of numbers) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Where things go: the plot box and the scales, for a canvas ``width`` x ``height``. */
function layout(ctx, series, options, width, height) {
  const xs = series.flatMap(([, points]) => points.map((p) => p.x));
  const ys = series.flatMap(([, points]) => points.map((p) => p.y).filter(finite));
  const whole = xs.every(Number.isInteger);
  const [x0, x1] = xs.length ? extent(xs) : [0, 1];
  const [low, y1] = ys.length ? extent(ys) : [0, 1];
  const y0 = options.zoomToFit === false ? Math.min(0, low) : low;
  const margin = (y1 - y0) * 0.06 || Math.abs(y1) * 0.1 || 1; // no point on an edge
  const box = { top: 24, bottom: height - 38 };
  const floor = y0 >= 0 ? Math.max(0, y0 - margin) : y0 - margin; // no negative loss axis
  const yTicks = niceTicks(floor, y1 + margin,
    Math.max(2, Math.floor((box.bottom - box.top) / 40)));
  const labels = yTicks.values.map((v) => tickLabel(v, yTicks.step));
  box.left = 10 + Math.max(...labels.map((t) => ctx.measureText(t).width));
  box.right = width - 12;
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor((box.right - box.left) / 60)), whole);
  const x = (v) => box.left + ((v - xTicks.lo) / (xTicks.hi - xTicks.lo)) * (box.right - box.left);
  const y = (v) => box.bottom - ((v - yTicks.lo) / (yTicks.hi - yTicks.lo)) * (box.bottom - box.top);
  return {
    box, x, y, yTicks, labels, xTicks: xTicks.values, xStep: xTicks.step,
  };
}

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function draw(chart) {
  const { canvas, options } = chart;
  const width = Math.max(160, Math.round(canvas.parentElement.clientWidth || 480));
  const height = options.height || 220;
  const ratio = globalThis.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;
  const ink = getComputedStyle(canvas).color || "#1d1f21";
  const grid = cssVar("--line", "#d9d9d6");
  const at = layout(ctx, chart.series, options, width, height);
  chart.at = at;
  const { box } = at;

  // grid and tick labels
  ctx.lineWidth = 1;
  ctx.strokeStyle = grid;
  ctx.fillStyle = ink;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  at.yTicks.values.forEach((v, i) => {
    const py = Math.round(at.y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(box.left, py);
    ctx.lineTo(box.right, py);
    ctx.stroke();
    ctx.fillText(at.labels[i], box.left - 6, py);
  });
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of at.xTicks) {
    const px = Math.round(at.x(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, box.bottom);
    ctx.lineTo(px, box.bottom + 4);
    ctx.stroke();
    ctx.fillText(tickLabel(v, at.xStep), px, box.bottom + 6);
  }
  ctx.fillText(options.xLabel || "x", (box.left + box.right) / 2, box.bottom + 21);
  ctx.textAlign = "left";
  ctx.fillText(options.yLabel || "", 4, 4);

  // the lines, then the legend (right-aligned above the plot)
  chart.series.forEach(([name, points], i) => {
    const color = COLORS[i % COLORS.length];
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(/^val/.test(name) ? [6, 4] : []);
    ctx.beginPath();
    let pen = false;
    for (const p of points) {
      if (!finite(p.y)) { pen = false; continue; }
      const px = at.x(p.x);
      const py = at.y(p.y);
      if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
    if (points.length <= 40) {
      for (const p of points) {
        if (!finite(p.y)) continue;
        ctx.beginPath();
        ctx.arc(at.x(p.x), at.y(p.y), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  });
  ctx.setLineDash([]);
  let right = width - 4;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  for (let i = chart.series.length - 1; i >= 0; i -= 1) {
    const name = chart.series[i][0];
    const w = ctx.measureText(name).width;
    ctx.fillStyle = ink;
    ctx.fillText(name, right - w, 4);
    ctx.strokeStyle = COLORS[i % COLORS.length];
    ctx.lineWidth = 2;
    ctx.setLineDash(/^val/.test(name) ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(right - w - 22, 11);
    ctx.lineTo(right - w - 4, 11);
    ctx.stroke();
    right -= w + 36;
  }
  ctx.setLineDash([]);
  if (chart.hover !== null) hoverGuide(chart, ctx);
}

/** The values at the x nearest the pointer: a guide line, and the text under the chart. */
function hoverGuide(chart, ctx) {
  const { at } = chart;
  let best = null;
  for (const [, points] of chart.series) {
    for (const p of points) {
      if (best === null || Math.abs(at.x(p.x) - chart.hover) < Math.abs(at.x(best) - chart.hover)) best = p.x;
    }
  }
  if (best === null) return;
  const px = Math.round(at.x(best)) + 0.5;
  ctx.strokeStyle = getComputedStyle(chart.canvas).color || "#000";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px, at.box.top);
  ctx.lineTo(px, at.box.bottom);
  ctx.stroke();
  const parts = chart.series.map(([name, points]) => {
    const p = points.find((q) => q.x === best && finite(q.y));
    return p ? `${name} ${Number(p.y.toPrecision(4))}` : null;
  }).filter(Boolean);
  chart.readout.textContent = `${chart.options.xLabel || "x"} ${best}: ${parts.join(", ")}`;
}

/**
 * Draw (or redraw, keeping the canvas) a line chart into ``container``. Cheap enough to
 * call on every update; redrawn by itself when the container's width changes.
 */
export function drawLineChart(container, data, options = {}) {
  let chart = container.__lineChart;
  if (!chart) {
    const canvas = document.createElement("canvas");
    canvas.className = "linechart";
    const readout = document.createElement("p");
    readout.className = "chart-readout";
    readout.setAttribute("aria-hidden", "true");
    chart = { canvas, readout, hover: null, width: 0 };
    canvas.addEventListener("pointermove", (e) => {
      chart.hover = e.offsetX;
      draw(chart);
    });
    canvas.addEventListener("pointerleave", () => {
      chart.hover = null;
      chart.readout.textContent = "";
      draw(chart);
    });
    container.replaceChildren(canvas, readout);
    container.__lineChart = chart;
    new ResizeObserver(() => {
      if (container.clientWidth && container.clientWidth !== chart.width) {
        chart.width = container.clientWidth;
        draw(chart);
      }
    }).observe(container);
  }
  chart.series = seriesOf(data);
  chart.options = options;
  chart.width = container.clientWidth;
  draw(chart);
}
