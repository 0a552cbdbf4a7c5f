/*
 * charts.js: the Charts panel. Each chart, picture or table lives in a "surface" (a
 * figure named after its title, whose accessible name is the chart's text summary).
 * Every chart is drawn by one library, uPlot (js/page/plots.js; vendor/uplot, loaded by
 * lab.html: 51 kB, no eval, no inline <style>): line charts (every live training chart,
 * redrawn on each update), scatter plots, bar charts, histograms and heatmaps. Confusion matrices are shaded tables: readable, copyable, read out cell by
 * cell. Pointing at a chart writes the values under the pointer below it.
 *
 * Data is what pytfjs.ui.render sends (tfjs-vis' shapes, which the course uses):
 * linechart/scatterplot {values: [[{x, y}, ...] per series], series: [names]};
 * barchart [{index, value}, ...]; histogram [numbers]; heatmap {values: [[...] per x
 * column], xTickLabels, yTickLabels}; confusionMatrix {values: [[...] per true class],
 * tickLabels}.
 */
import { $ } from "./dom.js";
import { err } from "./output.js";
import { t } from "./i18n.js";
import { plot } from "./plots.js";
import { reveal } from "./reveal.js";

const KINDS = ["linechart", "scatterplot", "barchart", "histogram", "heatmap", "confusionMatrix"];

/** Empty the Charts panel (a new run). */
export function clearCharts() {
  $("charts").replaceChildren();
}

/** A uint8 image, grayscale (a grid of samples) or RGB (a photo), drawn pixel-exact. */
export function image(title, json, pixels) {
  const { width, height, scale, caption, channels = 1 } = JSON.parse(json);
  const element = surface(title);
  element.setAttribute("aria-label", caption || title);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width * scale}px`;
  if (scale > 1) canvas.style.imageRendering = "pixelated";
  const rgba = new ImageData(width, height);
  const out = rgba.data;
  const colour = channels === 3 ? 1 : 0; // gray: one byte read three times
  for (let i = 0, j = 0, k = 0; i < width * height; i += 1, j += channels, k += 4) {
    out[k] = pixels[j];
    out[k + 1] = pixels[j + colour];
    out[k + 2] = pixels[j + 2 * colour];
    out[k + 3] = 255;
  }
  canvas.getContext("2d").putImageData(rgba, 0, 0);
  const note = document.createElement("p");
  note.className = "caption";
  note.textContent = caption || "";
  element.replaceChildren(canvas, note);
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

/** A surface holding a table that may be wider than the page: it scrolls sideways on
 * its own, and (being scrollable) is a named region keyboard users can focus. */
export function scrollRegion(element, title) {
  element.setAttribute("role", "region");
  element.setAttribute("aria-label", title);
  element.tabIndex = 0;
  element.classList.add("scroll");
  return element;
}

/** A plain HTML table in a chart surface (accessible, copyable). */
export function table(title, json) {
  const { headers, rows, caption } = JSON.parse(json);
  const element = scrollRegion(surface(title), title);
  const grid = document.createElement("table");
  grid.className = "data-table";
  if (caption) grid.createCaption().textContent = caption;
  const head = grid.createTHead().insertRow();
  for (const h of headers) { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th); }
  const body = grid.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const v of r) {
      const cell = tr.insertCell();
      if (v !== null && typeof v === "object" && "meter" in v) meterCell(cell, v);
      else cell.textContent = v === null ? "" : String(v);
    }
  }
  element.replaceChildren(grid);
}

/**
 * A confusion matrix as a table: rows are the true classes, columns the predicted ones,
 * each cell shaded by its share of the row. Readable, copyable, and read out cell by cell.
 */
function confusionTable(element, { values, tickLabels }) {
  const labels = tickLabels || values.map((_, i) => String(i));
  const grid = document.createElement("table");
  grid.className = "data-table confusion";
  const head = grid.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.textContent = t("true \\ predicted");
  head.appendChild(corner);
  for (const name of labels) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.appendChild(th);
  }
  const body = grid.createTBody();
  values.forEach((row, i) => {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = labels[i];
    tr.appendChild(th);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      const cell = tr.insertCell();
      cell.textContent = String(count);
      // right answers in blue by their share of the row; mix-ups in orange, three times
      // as strong, so a 10% confusion stands out. At most 45% of the colour: the dark
      // text keeps a contrast of 8:1 or more (WCAG asks 4.5:1).
      const share = count / total;
      const alpha = Math.min(0.45, i === j ? share * 0.45 : share * 1.5);
      cell.style.background = `rgba(${i === j ? "0, 114, 178" : "213, 94, 0"}, ${alpha.toFixed(3)})`;
    });
  });
  element.replaceChildren(grid);
}

/**
 * Draw a chart (one of KINDS) into a surface. ``summary`` (from pytfjs.ui.describe) is
 * its text alternative: the accessible name of the picture, and a caption under it.
 */
export function render(kind, title, dataJson, optionsJson, summary) {
  try {
    draw(kind, title, JSON.parse(dataJson), JSON.parse(optionsJson || "{}"), summary);
  } catch (e) {
    err(t("chart \"{title}\": {error}", { title, error: e.message || e }));
  }
}

function draw(kind, title, data, options, summary) {
  if (!KINDS.includes(kind)) {
    throw new Error(t("there is no \"{kind}\" chart: draw one of {kinds}", { kind, kinds: KINDS.join(", ") }));
  }
  let element = surface(title);
  if (kind === "confusionMatrix") element = scrollRegion(element, title);
  if (summary) {
    element.setAttribute("aria-label", `${title}: ${summary}`);
    const note = element.parentElement.querySelector(".chart-summary");
    note.textContent = summary;
    note.hidden = false;
  }
  if (kind === "confusionMatrix") {
    confusionTable(element, data);
    return;
  }
  plot(element, kind, data, options);
}

export function surface(title) {
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
  body.setAttribute("aria-label", t("{title} chart", { title }));
  // the text alternative, shown to everyone; screen readers get it as the picture's name
  const summary = document.createElement("p");
  summary.className = "chart-summary";
  summary.setAttribute("aria-hidden", "true");
  summary.hidden = true;
  fig.append(caption, body, summary);
  charts.appendChild(fig);
  reveal(fig, true); // whatever a run produces comes into view as it appears
  return body;
}
