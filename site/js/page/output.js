/*
 * output.js: the output console, the loading bar, the Results panel and the memory meter.
 */
import { $ } from "./dom.js";
import { siteUrl } from "../shared/site_url.js";
import { describeValue } from "./format.js";
import { formatNumber, nt, t } from "./i18n.js";

const consoleEl = () => $("console");
export function write(text, kind) {
  const span = document.createElement("span");
  span.className = kind;
  span.textContent = text.endsWith("\n") ? text : text + "\n";
  consoleEl().appendChild(span);
  consoleEl().scrollTop = consoleEl().scrollHeight;
}
export const err = (line) => write(line, "err");
export const info = (line) => write(line, "info");

export function showLoading(text, percent) {
  const bar = $("loading-bar");
  bar.value = percent;
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-valuetext", text);
  $("loading-text").textContent = text;
}

// What the build calls the runtime's start-up files (buildlib/site/labs.py RUNTIME_FILES);
// a package's "name version" is not translated.
const FILE_NAMES = {
  "Pyodide runtime (JavaScript)": t("Pyodide runtime (JavaScript)"),
  "Pyodide runtime (WebAssembly)": t("Pyodide runtime (WebAssembly)"),
  "Python standard library": t("Python standard library"),
  "Python package list": t("Python package list"),
};

/**
 * The loading bar. The build lists, per lab, the files its page downloads to start
 * (Pyodide runtime, standard library, each package wheel) with their sizes; the bar is
 * the share of those bytes that has arrived, seen through the browser's resource
 * timing, and the text names what is still coming and the start-up steps that follow
 * (the TF.js backend, Python). Nothing is estimated.
 */
export const loading = {
  files: [],
  done: new Set(),
  steps: new Map(),
  observer: null,
  urls: new Set(), // fetched so far, by the page or the worker
  watch(files) {
    this.files = files;
    this.byUrl = new Map(files.map((f) => [siteUrl(f.path), f]));
    this.seen([...this.urls]);
    this.observer = new PerformanceObserver((list) => this.seen(list.getEntries().map((e) => e.name)));
    this.observer.observe({ type: "resource", buffered: true });
  },
  /** Resource URLs that have arrived (the worker's come in "fetched" messages). */
  seen(urls) {
    for (const url of urls) {
      const bare = url.split("?")[0];
      this.urls.add(bare);
      const file = this.byUrl && this.byUrl.get(bare);
      if (file) this.done.add(file);
    }
    if (this.byUrl) this.show();
  },
  step(name, text) {
    this.steps.set(name, text);
    this.show();
  },
  show() {
    const mb = (n) => formatNumber(n / 1048576, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const total = this.files.reduce((sum, f) => sum + f.bytes, 0);
    const got = [...this.done].reduce((sum, f) => sum + f.bytes, 0);
    const pending = this.files.filter((f) => !this.done.has(f));
    const parts = [];
    if (this.files.length) {
      parts.push(pending.length
        ? t("Downloading {what} ({got} of {total} MB)", { what: pending.map((f) => FILE_NAMES[f.what] || f.what).join(", "), got: mb(got), total: mb(total) })
        : nt("Downloaded {n} file ({total} MB)", "Downloaded {n} files ({total} MB)", this.files.length, { total: mb(total) }));
    }
    parts.push(...this.steps.values());
    showLoading(parts.join(" · "), total ? Math.round((100 * got) / total) : 0);
  },
  stop() {
    if (this.observer) this.observer.disconnect();
  },
};

/** One result's cell: text, or a small table for pairs and per-name values (js/page/format.js). */
function fillResult(cell, value) {
  const shown = describeValue(value);
  if (shown.kind === "text") {
    cell.textContent = shown.text;
    if (shown.title) cell.title = shown.title;
    return;
  }
  const table = document.createElement("table");
  table.className = "result-table";
  for (const row of shown.rows) {
    const tr = table.insertRow();
    row.forEach((text, i) => {
      const c = i === 0 ? document.createElement("th") : tr.insertCell();
      if (i === 0) { c.scope = "row"; tr.appendChild(c); }
      c.textContent = text;
    });
  }
  cell.appendChild(table);
}

export function renderResults(results) {
  const body = $("results").tBodies[0];
  body.replaceChildren();
  const entries = Object.entries(results);
  if (!entries.length) {
    const cell = body.insertRow().insertCell();
    cell.className = "empty";
    cell.textContent = t("No results yet: press Run.");
    return;
  }
  for (const [name, value] of entries) {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = name;
    row.appendChild(th);
    fillResult(row.insertCell(), value);
  }
}

/** The memory meter, from the worker's tf.memory() (sent every 300 ms while it is idle). */
export function updateMemory(m) {
  const mb = m.numBytes / 1048576;
  const digits = mb < 10 ? 2 : 0;
  $("memory").textContent = nt("{n} tensor · {mb} MB", "{n} tensors · {mb} MB", m.numTensors,
    { mb: formatNumber(mb, { minimumFractionDigits: digits, maximumFractionDigits: digits }) });
}
