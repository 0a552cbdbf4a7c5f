#!/usr/bin/env python3
"""The strict Content-Security-Policy's cost, side by side in one run: this build against
a build from before it (TF.js's ES5 bundle, tfjs-vis and the hand-made line chart).

    .venv/bin/python -m bench.bench_csp --before /tmp/dist-before [--after dist] [--repeat 3]

Measures, in headless Debian Chromium, both sites served on loopback at once:
1. the bytes the mnist page downloads (counted by the server as it sends them, gzip
   where the browser accepts it): to "lab ready", and in all after a short run that
   draws its charts (1 epoch of 600 digits), with the TF.js and chart scripts apart;
2. training with live charts divided by the same training without them: the course CNN
   from Python (bench.bench's CNN_PY), wasm, the two fits alternating in one page;
3. one redraw of a 2,000-point line chart (two series of 2,000 points) through the page's
   own charts.render, JSON parsing included, median of 60 on the page's thread.
Visits alternate between the builds; compare the columns of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
from pathlib import Path

from bench.bench import CNN_PY, lab, new_page, print_table, run_python, wait
from testkit.harness import ROOT, launch_browser

REDRAW_JS = """
async ({n, reps}) => {
  const { render } = await import('./js/page/charts.js');
  const points = (f) => Array.from({length: n}, (_, i) => ({x: i + 1, y: f(i)}));
  const loss = points((i) => Math.exp(-i / 500) + 0.05 * Math.sin(i));
  const acc = points((i) => 1 - Math.exp(-i / 400));
  const options = JSON.stringify({xLabel: "batch", yLabel: "loss", height: 220, zoomToFit: true});
  const times = [];
  for (let r = 0; r < reps; r += 1) {
    loss[r % n].y += 1e-6;  // new data each time, as while training
    const json = JSON.stringify({values: [loss, acc], series: ["loss", "accuracy"]});
    const t0 = performance.now();
    render("linechart", "Redraw bench", json, options, "bench");
    await Promise.resolve();  // uPlot commits its new data in a microtask
    times.push(performance.now() - t0);
    await new Promise(requestAnimationFrame);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
"""


class Counter:
    """Bytes a server sent, by path, since the last reset."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_path: dict[str, int] = {}

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.by_path[path] = self.by_path.get(path, 0) + n

    def reset(self) -> dict[str, int]:
        with self.lock:
            seen, self.by_path = self.by_path, {}
        return seen


def counting_server(root: Path, counter: Counter):
    """buildlib.serve.server's server for ``root`` whose every written byte is counted."""
    import urllib.parse

    from buildlib.serve.server import DistHandler, QuietServer

    class Writer:
        def __init__(self, inner, path: str) -> None:
            self.inner, self.path = inner, path

        def write(self, data) -> int:
            counter.add(self.path, len(data))
            return self.inner.write(data)

        def flush(self) -> None:
            self.inner.flush()

        def __getattr__(self, name: str):
            return getattr(self.inner, name)  # closed, ...

    class Handler(DistHandler):
        def send_response(self, code, message=None) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if not isinstance(self.wfile, Writer):
                self.wfile = Writer(self.wfile, path)
            self.wfile.path = path
            super().send_response(code, message)

        def log_message(self, format, *args) -> None:  # noqa: A002
            pass

    from functools import partial

    server = QuietServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def page_bytes(browser, base: str, counter: Counter) -> dict[str, int]:
    """What the mnist page downloads: to lab ready, then with a short run's charts."""
    counter.reset()
    context, page = new_page(browser)
    page.goto(lab(base, "wasm", "mnist", epochs=1, samples=600, tests=500))
    wait(page, "ready")
    ready = counter.reset()
    page.click("#run")
    wait(page, "done", "error")
    page.evaluate("new Promise(requestAnimationFrame)")
    ran = counter.reset()
    context.close()
    every = {p: ready.get(p, 0) + ran.get(p, 0) for p in {*ready, *ran}}
    return {
        "ready": sum(ready.values()),
        "all": sum(every.values()),
        "tfjs": sum(n for p, n in every.items() if p.startswith("/vendor/tfjs")),
        "chart code": sum(n for p, n in every.items()
                      if p.startswith(("/vendor/uplot", "/vendor/tfjs-vis"))
                      or p.endswith(("/linechart.js", "/plots.js", "/charts.js"))),
    }


def charts_ratio(browser, base: str, reverse: bool) -> tuple[float, float]:
    """ms/epoch of the course CNN from Python without and with live charts, one page."""
    context, page = new_page(browser)
    page.goto(lab(base, "wasm", n=2048, batch=32, epochs=2))
    wait(page, "ready")
    fits = {
        "plain": lambda: run_python(page, CNN_PY)["ms_per_epoch"],
        "charts": lambda: run_python(
            page, CNN_PY.replace('param("charts", False)', "True"))["ms_per_epoch"],
    }
    order = ["charts", "plain"] if reverse else ["plain", "charts"]
    ms = {name: fits[name]() for name in order}
    context.close()
    return ms["plain"], ms["charts"]


def redraw(browser, base: str) -> float:
    context, page = new_page(browser)
    page.goto(lab(base, "wasm"))
    wait(page, "ready")
    ms = page.evaluate(REDRAW_JS, {"n": 2000, "reps": 60})
    context.close()
    return ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a build from before")
    parser.add_argument("--after", type=Path,
                        default=Path(os.environ.get("PYTFJS_DIST", ROOT / "dist")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    counters = {"before": Counter(), "after": Counter()}
    servers = {name: counting_server(path, counters[name])
               for name, path in (("before", args.before), ("after", args.after))}
    results: dict[str, dict[str, list[float]]] = {name: {} for name in servers}
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            try:
                for i in range(args.repeat):
                    order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
                    for name in order:
                        _, base = servers[name]
                        got = results[name]
                        for key, value in page_bytes(browser, base, counters[name]).items():
                            got.setdefault(key, []).append(value)
                        plain, charts = charts_ratio(browser, base, reverse=i % 2 == 1)
                        got.setdefault("plain", []).append(plain)
                        got.setdefault("charts", []).append(charts)
                        got.setdefault("ratio", []).append(charts / plain)
                        got.setdefault("redraw", []).append(redraw(browser, base))
            finally:
                browser.close()
    finally:
        for server, _ in servers.values():
            server.shutdown()
    med = {name: {k: statistics.median(v) for k, v in got.items()}
           for name, got in results.items()}
    b, a = med["before"], med["after"]

    def kb(n: float) -> str:
        return f"{n / 1000:,.0f} kB"

    rows = [
        ("mnist page to lab ready: bytes", f"{kb(b['ready'])} -> {kb(a['ready'])}",
         f"{(a['ready'] - b['ready']) / b['ready']:+.1%}"),
        ("mnist page + a run's charts: bytes", f"{kb(b['all'])} -> {kb(a['all'])}",
         f"{(a['all'] - b['all']) / b['all']:+.1%}"),
        ("  of which TF.js scripts", f"{kb(b['tfjs'])} -> {kb(a['tfjs'])}",
         "tf.min.js + backend -> the ES2017 builds"),
        ("  of which chart code", f"{kb(b['chart code'])} -> {kb(a['chart code'])}",
         "linechart.js + charts.js -> uPlot + plots.js + charts.js"),
        ("CNN fit, Python, no charts", f"{b['plain']:.0f} -> {a['plain']:.0f} ms/epoch",
         "2,048 samples, batch 32, wasm"),
        ("CNN fit, Python, live charts", f"{b['charts']:.0f} -> {a['charts']:.0f} ms/epoch", ""),
        ("  live charts / no charts", f"x{b['ratio']:.3f} -> x{a['ratio']:.3f}", "<= 1.05"),
        ("2,000-point line chart: one redraw", f"{b['redraw']:.2f} -> {a['redraw']:.2f} ms",
         "2 series, charts.render on the page's thread"),
    ]
    return print_table(rows, "measure (before -> after)", "value",
                       f"headless Debian Chromium, {os.cpu_count()} cores, both builds on "
                       f"loopback, visits alternating, median of {args.repeat}; before: "
                       f"{args.before}, after: {args.after}")


if __name__ == "__main__":
    sys.exit(main())
