#!/usr/bin/env python3
"""Week 2 benchmark: the course MNIST CNN per backend, driven from Python, next to Keras.

    .venv/bin/python bench/bench_mnist.py            # after `python3 build.py build`

Rows: ms per epoch (5,500 training digits, batch 512, after a warm-up epoch) on wasm,
webgl and cpu, trained by the MNIST lab's own path (pytfjs.fit_batches from uint8
sprites); the same model in Keras on the CPU when bench/.keras-venv has TensorFlow
(python3 -m venv bench/.keras-venv && bench/.keras-venv/bin/pip install tensorflow-cpu);
and the accuracy of the lab's full default run on the 1,000 held-out digits. wasm and
Keras time each of --epochs epochs (5) inside one fit and compare medians: Keras alone
varies by up to 1.6x between runs on this machine. Then wasm with pytfjs' WebAssembly
SIMD kernels off and on (``simd_rows``: pages alternate, two of each), each as a multiple
of Keras's median (issue 19's goal: on <= 2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the shared page helpers and the guard)

ROOT = bench.ROOT
KERAS_PYTHON = ROOT / "bench/.keras-venv/bin/python"

TRAIN = """
import math, numpy as np, pytfjs
from js import performance
from pytfjs import param, report, tf
from pytfjs.data import sprites
digits = await sprites.load("data/mnist")
n, epochs = param("n", 5500), param("epochs", 2)
train = np.arange(n)
""" + bench.COURSE_CNN_PY + """steps = math.ceil(n / 512)
await pytfjs.fit_batches(model, lambda e: digits.batches(train, 512, seed=e), epochs=1,
                         steps_per_epoch=steps, charts=False)  # warm-up
ends = [performance.now()]  # each epoch timed on its own, inside one fit
await pytfjs.fit_batches(model, lambda e: digits.batches(train, 512, seed=e + 1),
                         epochs=epochs, steps_per_epoch=steps, charts=False,
                         on_epoch_end=lambda epoch, logs: ends.append(performance.now()))
report(epoch_ms=[b - a for a, b in zip(ends, ends[1:])])
"""


def browser_runs(backends: list[str], samples: int, epochs: int
                 ) -> tuple[dict[str, list[float]], dict]:
    times = {}
    with bench.site_and_browser() as (_, browser, base):
        for backend in backends:
            context, page = bench.new_page(browser)
            n_epochs = epochs if backend == "wasm" else 1  # webgl here is SwiftShader: slow
            page.goto(bench.lab(base, backend, n=samples, epochs=n_epochs))
            bench.wait(page, "ready")
            times[backend] = bench.run_python(page, TRAIN)["epoch_ms"]
            context.close()
        context, page = bench.new_page(browser)
        page.goto(f"{base}lab.html?lab=mnist&run=1&backend=wasm")
        bench.wait(page, "done", "error")
        full = page.evaluate("window.pytfjs.results")
        context.close()
    if bench.GUARD_LOG.external:
        raise SystemExit(f"pages requested other hosts: {bench.GUARD_LOG.external}")
    return times, full


def keras_run(samples: int, epochs: int) -> dict | None:
    if not KERAS_PYTHON.exists():
        return None
    proc = subprocess.run([str(KERAS_PYTHON), str(ROOT / "bench/keras_mnist.py"),
                           str(samples), str(epochs)], capture_output=True, text=True,
                          timeout=1200,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def simd_runs(samples: int, epochs: int, rounds: int = 2) -> dict[str, list[float]]:
    """wasm ms per epoch with pytfjs' WebAssembly SIMD kernels off (``?simd=0``: the JS
    kernels of wasm_kernels.js and TF.js's own) and on, alternating page by page so that
    both see the same machine load; each page reports whether the SIMD module was loaded
    and which kernels it served."""
    times: dict[str, list[float]] = {"wasm, SIMD kernels off": [], "wasm, SIMD kernels on": []}
    with bench.site_and_browser() as (_, browser, base):
        for _ in range(rounds):
            for label, simd in (("wasm, SIMD kernels off", "0"), ("wasm, SIMD kernels on", "1")):
                context, page = bench.new_page(browser)
                page.goto(bench.lab(base, "wasm", n=samples, epochs=epochs, simd=simd))
                bench.wait(page, "ready")
                times[label] += bench.run_python(page, TRAIN)["epoch_ms"]
                loaded = page.evaluate("pytfjsWasmSimd.loaded")
                calls = page.evaluate("JSON.stringify(pytfjsWasmSimd.calls)")
                context.close()
                if loaded != (simd == "1"):
                    raise SystemExit(f"{label}: the SIMD module loaded = {loaded}")
                if simd == "1":
                    print(f"  SIMD kernels served: {calls}", file=sys.stderr)
    if bench.GUARD_LOG.external:
        raise SystemExit(f"pages requested other hosts: {bench.GUARD_LOG.external}")
    return times


def simd_rows(samples: int, epochs: int, keras: dict | None) -> list[tuple[str, str]]:
    """The rows of the SIMD comparison (issue 19), each against Keras when measured."""
    rows = []
    for label, epoch_ms in simd_runs(samples, epochs).items():
        value = spread(epoch_ms)
        if keras:
            ratio = statistics.median(epoch_ms) / statistics.median(keras["epoch_ms"])
            value += f"  = Keras x{ratio:.2f}"
        rows.append((f"course CNN, {samples} digits, batch 512: {label}", value))
    return rows


def spread(epoch_ms: list[float]) -> str:
    """Median ms per epoch, with the fastest and slowest epoch when there are several."""
    median = f"{statistics.median(epoch_ms):.0f} ms/epoch"
    if len(epoch_ms) < 2:
        return median
    return f"{median} (median of {len(epoch_ms)}: {min(epoch_ms):.0f}-{max(epoch_ms):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5500)
    parser.add_argument("--backends", default="wasm,webgl,cpu")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs for wasm and Keras (webgl and cpu: 1)")
    parser.add_argument("--no-simd-comparison", action="store_true",
                        help="skip wasm with the SIMD kernels off vs on (two pages each)")
    args = parser.parse_args()
    keras = keras_run(args.samples, args.epochs)
    simd = [] if args.no_simd_comparison else simd_rows(args.samples, args.epochs, keras)
    times, full = browser_runs(args.backends.split(","), args.samples, args.epochs)
    rows = [(f"course CNN, {args.samples} digits, batch 512: {b} (Python)", spread(ms))
            for b, ms in times.items()]
    best = min(times, key=lambda b: statistics.median(times[b]))
    if keras:
        rows.append((f"same model, Keras {keras['tensorflow']} on CPU",
                     spread(keras["epoch_ms"])))
        ratio = statistics.median(times[best]) / statistics.median(keras["epoch_ms"])
        rows.append((f"best browser backend ({best}) / Keras, medians",
                     f"x{ratio:.2f}  (goal <= 2)"))
    else:
        rows.append(("Keras", "not measured: bench/.keras-venv has no TensorFlow"))
    rows += simd
    rows.append(("MNIST lab default run (10 epochs, wasm): validation accuracy",
                 f"{full.get('val_accuracy', float('nan')):.4f}"))
    rows.append(("MNIST lab default run: held-out test accuracy",
                 f"{full.get('test_accuracy', float('nan')):.4f}  (goal >= 0.98)"))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print(f"\n(headless Debian Chromium and Keras on the same {os.cpu_count()}-core machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
