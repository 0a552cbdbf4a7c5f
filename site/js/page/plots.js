/*
 * plots.js: every chart drawn by uPlot (vendor/uplot/uPlot.iife.min.js, a classic script
 * lab.html loads before the page's modules: `globalThis.uPlot`). One plot per surface,
 * kept between updates: a live chart whose kind, series and options are unchanged gets
 * its new data (`setData`, about a millisecond for 2,000 points); anything else makes a
 * new plot. Its width follows the surface's.
 *
 * Below each plot a readout (aria-hidden: the surface's accessible name is the chart's
 * text summary) says the values under the pointer. Numbers (axis ticks, readouts) are
 * formatted for the page's language (js/page/i18n.js: 0,5 in Ukrainian).
 */

import { formatNumber, t } from "./i18n.js";

// Okabe-Ito: told apart with the common colour-vision deficiencies
const COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];
const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';

const X = t("x");
const Y = t("y");
const finite = (v) => typeof v === "number" && Number.isFinite(v);
const short = (v) => (!finite(v) ? "–" : Number.isInteger(v) ? formatNumber(v, { useGrouping: false })
  : formatNumber(Number(v.toPrecision(4)), { useGrouping: false, maximumFractionDigits: 20 }));
/** uPlot's tick labels for a numeric axis, in the page's language (its own default
 *  follows the browser's language, not the page's). */
const numberTicks = (u, splits) => splits.map((v) => (finite(v) ? formatNumber(v, { maximumFractionDigits: 6 }) : ""));
const ink = () => getComputedStyle(document.documentElement).color || "#1d1f21";
const gridColour = () => getComputedStyle(document.documentElement).getPropertyValue("--line").trim() || "#d9d9d6";

/** The series as [name, points with a finite x], names filled in where missing. */
function seriesOf(data) {
  const values = Array.isArray(data) ? data : data.values || [];
  const lines = values.length && !Array.isArray(values[0]) ? [values] : values;
  const names = (Array.isArray(data) ? [] : data.series) || [];
  return lines.map((points, i) => [names[i] ?? t("series {n}", { n: i + 1 }), points.filter((p) => p && finite(p.x))]);
}

function axis(label, extra = {}) {
  const colour = ink();
  return {
    label, stroke: colour, font: FONT, labelFont: FONT, labelSize: 18, values: numberTicks,
    grid: { stroke: gridColour(), width: 1 }, ticks: { stroke: gridColour(), width: 1 }, ...extra,
  };
}

/** A y range with a little room, from 0 when ``fromZero`` (bars, or zoomToFit: false);
 *  never below 0 for values that are all positive (no negative loss axis). */
function yRange(fromZero) {
  return (u, lo, hi) => {
    if (lo === null || hi === null) return [0, 1];
    if (fromZero) { lo = Math.min(0, lo); hi = Math.max(0, hi); }
    const room = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
    const floor = lo >= 0 && lo - room < 0 ? 0 : lo - room;
    return [fromZero && lo === 0 ? 0 : floor, hi + room];
  };
}

/** Line chart: series of {x, y} aligned on their x values (uPlot.join); a null or
 *  non-finite y is a gap, validation series (val_...) are dashed. */
function lineSpec(data, options) {
  const series = seriesOf(data);
  const tables = series.map(([, points]) => [points.map((p) => p.x), points.map((p) => (finite(p.y) ? p.y : null))]);
  const aligned = tables.length ? globalThis.uPlot.join(tables) : [[]];
  const sparse = (u) => u.data[0].length <= 40;
  return {
    key: `line|${series.map(([n]) => n).join("|")}`,
    data: aligned,
    opts: {
      scales: { x: { time: false }, y: { range: yRange(options.zoomToFit === false) } },
      axes: [axis(options.xLabel || X), axis(options.yLabel || "")],
      series: [{ label: options.xLabel || X }, ...series.map(([name], i) => ({
        label: name, stroke: COLORS[i % COLORS.length], width: 2,
        dash: /^val/.test(name) ? [6, 4] : undefined,
        points: { show: sparse, size: 5, fill: COLORS[i % COLORS.length] },
      }))],
    },
    readout: (u, i) => `${options.xLabel || X} ${short(u.data[0][i])}: ${u.series.slice(1)
      .map((s, k) => (finite(u.data[k + 1][i]) ? `${s.label} ${short(u.data[k + 1][i])}` : null))
      .filter(Boolean).join(", ")}`,
  };
}

/** Scatter plot: every point of every series on one x axis (sorted), dots only. */
function scatterSpec(data, options) {
  const series = seriesOf(data);
  const all = series.flatMap(([, points], k) => points.filter((p) => finite(p.y)).map((p) => [p.x, p.y, k]));
  all.sort((a, b) => a[0] - b[0]);
  const xs = all.map((p) => p[0]);
  const columns = series.map((_, k) => all.map((p) => (p[2] === k ? p[1] : undefined)));
  return {
    key: `scatter|${series.map(([n]) => n).join("|")}`,
    data: [xs, ...columns],
    opts: {
      scales: { x: { time: false }, y: { range: yRange(false) } },
      axes: [axis(options.xLabel || X), axis(options.yLabel || Y)],
      series: [{ label: options.xLabel || X }, ...series.map(([name], i) => ({
        label: name, stroke: COLORS[i % COLORS.length], paths: () => null,
        points: { show: true, size: 6, fill: COLORS[i % COLORS.length], stroke: COLORS[i % COLORS.length] },
      }))],
    },
    readout: (u, i) => {
      const k = u.data.slice(1).findIndex((col) => finite(col[i]));
      return k < 0 ? "" : `${u.series[k + 1].label}: ${options.xLabel || X} ${short(u.data[0][i])}, ${options.yLabel || Y} ${short(u.data[k + 1][i])}`;
    },
  };
}

/** Bars (a bar chart's [{index, value}], or a histogram's bins): horizontal when the
 *  labels are words, so they stay readable. */
function barSpec(labels, values, options, { horizontal, name = t("value") }) {
  const xs = labels.map((_, i) => i);
  const width = Math.min(260, 16 + 7 * Math.max(0, ...labels.map((l) => l.length)));
  const categories = axis(options.xLabel || "", {
    values: (u, splits) => splits.map((v) => (Number.isInteger(v) && labels[v] !== undefined ? labels[v] : "")),
    splits: () => xs, ...(horizontal ? { side: 3, size: width, label: "" } : {}),
  });
  const measure = axis(options.yLabel || name, horizontal ? { side: 2 } : {});
  return {
    key: `bars|${horizontal}|${labels.length}`,
    data: [xs, values],
    opts: {
      scales: {
        x: { time: false, ori: horizontal ? 1 : 0, dir: 1, range: () => [-0.5, labels.length - 0.5] },
        y: { ori: horizontal ? 0 : 1, range: yRange(true) },
      },
      axes: [categories, measure],
      series: [{ label: "" }, {
        label: name, fill: `${COLORS[0]}cc`, stroke: COLORS[0], width: 1,
        paths: globalThis.uPlot.paths.bars({ size: [0.7, 80] }), points: { show: false },
      }],
    },
    readout: (u, i) => `${labels[i]}: ${short(values[i])}`,
  };
}

function barchartSpec(data, options) {
  const bars = Array.isArray(data) ? data : data.values || [];
  const labels = bars.map((b) => String(b.index ?? b.x ?? ""));
  const horizontal = labels.some((l) => !/^-?[\d.]+$/.test(l));
  return barSpec(labels, bars.map((b) => b.value), options, { horizontal });
}

/** A histogram: the values counted in about √n equal bins (at most 30). */
function histogramSpec(data, options) {
  const raw = Array.isArray(data) ? data : data.values || [];
  const values = raw.map((v) => (v !== null && typeof v === "object" ? v.value : v)).filter(finite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!values.length) { lo = 0; hi = 1; }
  const bins = Math.max(1, Math.min(options.maxBins || 30, Math.ceil(Math.sqrt(values.length))));
  const width = (hi - lo) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1;
  const labels = counts.map((_, i) => short(lo + i * width));
  const count = t("count");
  const spec = barSpec(labels, counts, { yLabel: count, ...options }, { horizontal: false, name: count });
  spec.readout = (u, i) => t("{from} to {to}: {count}", { from: short(lo + i * width), to: short(lo + (i + 1) * width), count: counts[i] });
  return spec;
}

/** A colour from dark blue (low) to yellow (high): viridis' ends and middle. */
function shade(level) {
  const stops = [[68, 1, 84], [33, 145, 140], [253, 231, 37]];
  const x = Math.max(0, Math.min(1, level)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** A heatmap: values[i][j] is column i (x), row j (y), as tfjs-vis has it; each cell
 *  painted on uPlot's canvas by its axes' scales. */
function heatmapSpec(data, options) {
  const columns = data.values || [];
  const nx = columns.length;
  const ny = nx ? columns[0].length : 0;
  const flat = columns.flat().filter(finite);
  const lo = flat.length ? Math.min(...flat) : 0;
  const hi = flat.length ? Math.max(...flat) : 1;
  const xLabels = data.xTickLabels || columns.map((_, i) => String(i));
  const yLabels = data.yTickLabels || (columns[0] || []).map((_, j) => String(j));
  const ticks = (labels) => ({
    splits: () => labels.map((_, i) => i),
    values: (u, splits) => splits.map((v) => labels[v] ?? ""),
  });
  const cell = (u, i, j) => {
    const x0 = u.valToPos(i - 0.5, "x", true);
    const x1 = u.valToPos(i + 0.5, "x", true);
    const y0 = u.valToPos(j - 0.5, "y", true);
    const y1 = u.valToPos(j + 0.5, "y", true);
    return [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
  };
  return {
    key: `heatmap|${nx}x${ny}`,
    data: [columns.map((_, i) => i), columns.map(() => null)],
    opts: {
      scales: { x: { time: false, range: () => [-0.5, nx - 0.5] }, y: { range: () => [-0.5, ny - 0.5] } },
      axes: [axis(options.xLabel || "", ticks(xLabels)), axis(options.yLabel || "", ticks(yLabels))],
      series: [{ label: options.xLabel || X }, { label: t("value"), show: true, points: { show: false } }],
      cursor: { points: { show: false } },
      hooks: {
        draw: [(u) => {
          const { ctx } = u;
          ctx.save();
          columns.forEach((column, i) => column.forEach((v, j) => {
            if (!finite(v)) return;
            ctx.fillStyle = shade((v - lo) / (hi - lo || 1));
            ctx.fillRect(...cell(u, i, j));
          }));
          ctx.restore();
        }],
      },
    },
    readout: (u) => {
      const i = Math.round(u.posToVal(u.cursor.left, "x"));
      const j = Math.round(u.posToVal(u.cursor.top, "y"));
      const v = columns[i] && columns[i][j];
      return v === undefined ? "" : `${xLabels[i]}, ${yLabels[j]}: ${short(v)}`;
    },
  };
}

const SPECS = {
  linechart: lineSpec, scatterplot: scatterSpec, barchart: barchartSpec,
  histogram: histogramSpec, heatmap: heatmapSpec,
};

/**
 * Draw (or update) the chart in ``element`` (a surface's body). Cheap enough to call on
 * every update of a live chart.
 */
export function plot(element, kind, data, options = {}) {
  const spec = SPECS[kind](data, options);
  const key = `${kind}|${spec.key}|${JSON.stringify(options)}`;
  let chart = element.__plot;
  if (chart && chart.key === key && element.contains(chart.u.root)) {
    chart.spec = spec;
    chart.u.setData(spec.data);
    return;
  }
  if (chart) {
    chart.observer.disconnect();
    chart.u.destroy();
  }
  const holder = document.createElement("div");
  holder.className = `plot ${kind}`;
  const readout = document.createElement("p");
  readout.className = "chart-readout";
  readout.setAttribute("aria-hidden", "true");
  element.replaceChildren(holder, readout);
  chart = { key, spec };
  const width = () => Math.max(160, Math.round(element.clientWidth || 480));
  const opts = {
    ...spec.opts,
    width: width(),
    height: options.height || 220,
    legend: { show: kind === "linechart" || kind === "scatterplot", live: false },
    cursor: { ...(spec.opts.cursor || {}), drag: { x: false, y: false } },
    hooks: {
      ...(spec.opts.hooks || {}),
      setCursor: [(u) => {
        const i = u.cursor.idx;
        const inside = u.cursor.left >= 0;
        readout.textContent = inside && (i !== null && i !== undefined || kind === "heatmap") ? chart.spec.readout(u, i) : "";
      }],
    },
  };
  chart.u = new globalThis.uPlot(opts, spec.data, holder);
  chart.u.ctx.canvas.classList.add(kind);
  element.__plot = chart;
  const made = chart;
  made.observer = new ResizeObserver(() => {
    const w = width();
    if (w !== made.u.width) made.u.setSize({ width: w, height: made.u.height });
  });
  made.observer.observe(element);
}
