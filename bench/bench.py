#!/usr/bin/env python3
"""pytfjs benchmarks: one run, one table, side-by-side comparisons.

    python3 build.py bench            # builds dist/ first, then runs this
    .venv/bin/python -m bench.bench --repeat 5 --samples 2048

Measures, in headless Debian Chromium against dist/ served on loopback:
1. cold load of a lab page to "Python ready" and "numpy ready" (fresh browser context
   each time, so nothing is cached), and pandas loaded on demand afterwards;
2. the course MNIST CNN trained from pure JavaScript and from Python (pytfjs) on each
   backend, ms per epoch, and the Python/JS ratio;
3. numpy -> tensor and tensor -> numpy for a 10000x784 float32 array, next to the
   naive ``to_js(arr.tolist())`` path.
Figures vary 10-30% between runs: compare ratios taken in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import urllib.parse

from testkit.harness import (  # noqa: F401  (site_and_browser: for the other benchmarks)
    ROOT,
    PageLog,
    in_worker,
    install_guard,
    one_wasm_thread,
    site_and_browser,
    wait_state,
)

# The course CNN from JavaScript: tests/node/course_cnn.js (the one definition the Node
# checks and the step profile use too) inside the function the runtime worker runs.
COURSE_CNN_JS = (ROOT / "tests" / "node" / "course_cnn.js").read_text("utf-8")
CNN_JS = """
async ({n, batch, epochs}) => {
""" + COURSE_CNN_JS + """
  let s = 12345;
  const rnd = () => (s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296;
  const xs = tf.tensor4d(Float32Array.from({length: n * 784}, rnd), [n, 28, 28, 1]);
  const labels = tf.tensor1d(Int32Array.from({length: n}, () => Math.floor(rnd() * 10)), "int32");
  const ys = tf.oneHot(labels, 10).toFloat();
  const model = courseCnn(tf);  // tests/node/course_cnn.js, defined above
  await model.fit(xs, ys, {epochs: 1, batchSize: batch});  // warm-up: kernels, shaders
  const t0 = performance.now();
  await model.fit(xs, ys, {epochs, batchSize: batch, shuffle: true});
  const ms = (performance.now() - t0) / epochs;
  model.dispose(); xs.dispose(); ys.dispose(); labels.dispose();
  return ms;
}
"""

# The course MNIST CNN in Python (pytfjs), shared by both benchmark scripts.
COURSE_CNN_PY = """
model = tf.sequential()
model.add(tf.layers.conv2d(input_shape=[28, 28, 1], kernel_size=3, filters=8, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.conv2d(filters=16, kernel_size=3, activation="relu"))
model.add(tf.layers.max_pooling2d(pool_size=[2, 2]))
model.add(tf.layers.flatten())
model.add(tf.layers.dense(units=128, activation="relu"))
model.add(tf.layers.dense(units=10, activation="softmax"))
model.compile(optimizer="adam", loss="categoricalCrossentropy", metrics=["accuracy"])
"""

CNN_PY = """
import numpy as np
from js import performance
from pytfjs import report, tf, param

n, batch, epochs = param("n", 2048), param("batch", 256), param("epochs", 1)
charts = param("charts", False)
rng = np.random.default_rng(12345)
xs = rng.random((n, 28, 28, 1), dtype=np.float32)
ys = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
""" + COURSE_CNN_PY + """
await model.fit(xs, ys, epochs=1, batch_size=batch, charts=charts)  # warm-up
t0 = performance.now()
await model.fit(xs, ys, epochs=epochs, batch_size=batch, shuffle=True, charts=charts)
report(ms_per_epoch=(performance.now() - t0) / epochs)
"""

TRANSFER_PY = """
import numpy as np
from js import performance
from pyodide.ffi import to_js
import pytfjs
from pytfjs import report, tf

arr = np.random.default_rng(0).random((10000, 784), dtype=np.float32)
def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = performance.now()
        out = fn()
        times.append(performance.now() - t0)
        out.dispose() if hasattr(out, "dispose") else None
    return sorted(times)[len(times) // 2]
to_tensor_ms = timed(lambda: pytfjs.to_tensor(arr), 7)
t = pytfjs.to_tensor(arr)
to_numpy_ms = timed(lambda: pytfjs.to_numpy(t), 7)
assert np.array_equal(pytfjs.to_numpy(t), arr)
t.dispose()
tolist_ms = timed(lambda: tf.js.tensor2d(to_js(arr.tolist()), to_js([10000, 784])), 1)
report(to_tensor_ms=to_tensor_ms, to_numpy_ms=to_numpy_ms, tolist_ms=tolist_ms)
"""


GUARD_LOG = PageLog()  # the benchmark refuses to report if a page reached another host


def reached_other_hosts() -> bool:
    """True (and says so) if a benchmark page requested a non-loopback host."""
    if GUARD_LOG.external:
        print(f"FAILED: pages requested other hosts: {GUARD_LOG.external}", file=sys.stderr)
    return bool(GUARD_LOG.external)


def print_table(rows: list[tuple[str, str, str]], first: str, second: str,
                footer: str) -> int:
    """Print (name, value, note) rows as one table; 1 if a page reached another host."""
    if reached_other_hosts():
        return 1
    width = max(len(r[0]) for r in rows)
    value_width = max(8, *(len(r[1]) for r in rows))
    print(f"\n{first.ljust(width)}  {second:>{value_width}}  note")
    print("-" * (width + value_width + 16))
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>{value_width}}  {note}")
    print(f"\n({footer})")
    return 0


# True: every page starts wasm on one thread (bench_mobilenet/bench_rpsls --one-thread), as
# a browser does once threaded wasm blocked its start (js/page/runtime_client.js). On a
# busy machine the page falls back to one thread at random; this takes the chance away.
ONE_THREAD = {"on": False}


def new_page(browser):
    context = browser.new_context(service_workers="block")  # a first visit, no offline copy
    if ONE_THREAD["on"]:  # the flag runtime_client.js reads (an init script: not the page's)
        one_wasm_thread(context)
    install_guard(context, GUARD_LOG)
    page = context.new_page()
    page.set_default_timeout(600_000)
    return context, page


NO_SIMD = "-nosimd"  # "wasm-nosimd": the wasm backend without pytfjs' SIMD kernels (?simd=0)


def backend_params(backend: str) -> dict[str, str]:
    """URL parameters for a benchmark's backend name: "wasm-nosimd" is wasm with ?simd=0,
    so a table can show the SIMD kernels' effect as two rows of one run."""
    if backend.endswith(NO_SIMD):
        return {"backend": backend.removesuffix(NO_SIMD), "simd": "0"}
    return {"backend": backend}


def lab(base: str, backend: str, lab_id: str = "one-neuron", **params) -> str:
    query = urllib.parse.urlencode({"lab": lab_id, **backend_params(backend), **params})
    return f"{base}lab.html?{query}"


def wait(page, *states):
    return wait_state(page, *states, timeout=600_000)


def run_python(page, code: str) -> dict:
    page.evaluate("c => window.pytfjs.setCode(c)", code)
    status = page.evaluate("window.pytfjs.run()")
    if status != "done":
        raise RuntimeError(page.evaluate("document.getElementById('console').innerText"))
    return page.evaluate("window.pytfjs.results")


def cold_load(browser, base: str, repeat: int) -> dict[str, float]:
    marks: dict[str, list[float]] = {"python-ready": [], "numpy-ready": [], "pandas": []}
    for _ in range(repeat):
        context, page = new_page(browser)
        page.goto(lab(base, "wasm"))
        wait(page, "ready")
        for name in ("python-ready", "numpy-ready"):
            marks[name].append(page.evaluate(
                f"performance.getEntriesByName('{name}')[0].startTime"))
        marks["pandas"].append(run_python(page, (
            "from js import performance\nfrom pytfjs import report\nt0 = performance.now()\n"
            "import pandas\nreport(ms=performance.now() - t0)\n"))["ms"])
        context.close()
    return {k: statistics.median(v) for k, v in marks.items()}


def cnn(browser, base: str, backend: str, n: int, batch: int, epochs: int,
        reverse: bool = False) -> tuple[float, float, float]:
    """ms/epoch: pure JS; Python with the progress bar; Python with progress and live charts.

    The three fits share one page, one after another; ``reverse`` runs them in the
    opposite order, so that a caller alternating it cancels out where each one ran.
    """
    context, page = new_page(browser)
    page.goto(lab(base, backend, n=n, batch=batch, epochs=epochs))
    wait(page, "ready")
    fits = {
        # the same model from JavaScript, in the same runtime worker
        "js": lambda: in_worker(page, CNN_JS, {"n": n, "batch": batch, "epochs": epochs}),
        "py": lambda: run_python(page, CNN_PY)["ms_per_epoch"],
        "charts": lambda: run_python(
            page, CNN_PY.replace('param("charts", False)', "True"))["ms_per_epoch"],
    }
    order = list(fits)[::-1] if reverse else list(fits)
    ms = {name: fits[name]() for name in order}
    context.close()
    return ms["js"], ms["py"], ms["charts"]


def transfer(browser, base: str) -> dict:
    context, page = new_page(browser)
    page.goto(lab(base, "cpu"))
    wait(page, "ready")
    out = run_python(page, TRANSFER_PY)
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="cold loads to take the median of")
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--backends", default="wasm,cpu,webgl")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with site_and_browser() as (_, browser, base):
        load = cold_load(browser, base, args.repeat)
        rows.append(("cold load -> Python ready", f"{load['python-ready']:.0f} ms", "<= 3000 ms"))
        rows.append(("cold load -> numpy ready", f"{load['numpy-ready']:.0f} ms", "<= 3000 ms"))
        rows.append(("import pandas on demand", f"{load['pandas']:.0f} ms", "only labs using it"))
        for backend in args.backends.split(","):
            js_ms, py_ms, charts_ms = cnn(browser, base, backend, args.samples, args.batch,
                                          args.epochs)
            label = f"course CNN, {args.samples} samples, {backend}"
            rows.append((f"{label}: JS", f"{js_ms:.0f} ms/epoch", ""))
            rows.append((f"{label}: Python", f"{py_ms:.0f} ms/epoch", "progress bar on"))
            rows.append((f"  Python/JS on {backend}", f"x{py_ms / js_ms:.3f}", "<= 1.05"))
            rows.append((f"{label}: Python + live charts", f"{charts_ms:.0f} ms/epoch",
                         f"x{charts_ms / js_ms:.3f} of JS (uPlot drawing)"))
        moved = transfer(browser, base)
        rows.append(("numpy -> tensor 10000x784 f32", f"{moved['to_tensor_ms']:.1f} ms",
                     "<= 20 ms"))
        rows.append(("tensor -> numpy 10000x784 f32", f"{moved['to_numpy_ms']:.1f} ms", ""))
        rows.append(("  naive to_js(arr.tolist())", f"{moved['tolist_ms']:.0f} ms",
                     f"x{moved['tolist_ms'] / moved['to_tensor_ms']:.0f} slower"))
    return print_table(rows, "measure", "value (goal in note)",
                       f"headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback, "
                       f"median of {args.repeat} cold loads")


if __name__ == "__main__":
    sys.exit(main())
