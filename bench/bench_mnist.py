#!/usr/bin/env python3
"""Week 2 benchmark: the course MNIST CNN per backend, driven from Python, next to Keras.

    .venv/bin/python bench/bench_mnist.py            # after `python3 build.py build`

Rows: ms per epoch (5,500 training digits, batch 512, after a warm-up epoch) on wasm,
webgl and cpu, trained by the MNIST lab's own path (pytfjs.fit_batches from uint8
sprites); the same model in Keras on the CPU when bench/.keras-venv has TensorFlow
(python3 -m venv bench/.keras-venv && bench/.keras-venv/bin/pip install tensorflow-cpu);
and the accuracy of the lab's full default run on the 1,000 held-out digits.
"""

from __future__ import annotations

import argparse
import json
import os
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
t0 = performance.now()
await pytfjs.fit_batches(model, lambda e: digits.batches(train, 512, seed=e), epochs=epochs,
                         steps_per_epoch=steps, charts=False)
report(ms_per_epoch=(performance.now() - t0) / epochs)
"""


def browser_runs(backends: list[str], samples: int) -> tuple[dict[str, float], dict]:
    times = {}
    with bench.site_and_browser() as (_, browser, base):
        for backend in backends:
            context, page = bench.new_page(browser)
            epochs = 1 if backend == "cpu" else 2
            page.goto(bench.lab(base, backend, n=samples, epochs=epochs))
            bench.wait(page, "ready")
            times[backend] = bench.run_python(page, TRAIN)["ms_per_epoch"]
            context.close()
        context, page = bench.new_page(browser)
        page.goto(f"{base}lab.html?lab=mnist&run=1&backend=wasm")
        bench.wait(page, "done", "error")
        full = page.evaluate("window.pytfjs.results")
        context.close()
    if bench.GUARD_LOG.external:
        raise SystemExit(f"pages requested other hosts: {bench.GUARD_LOG.external}")
    return times, full


def keras_run(samples: int) -> dict | None:
    if not KERAS_PYTHON.exists():
        return None
    proc = subprocess.run([str(KERAS_PYTHON), str(ROOT / "bench/keras_mnist.py"),
                           str(samples), "3"], capture_output=True, text=True, timeout=1200,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5500)
    parser.add_argument("--backends", default="wasm,webgl,cpu")
    args = parser.parse_args()
    keras = keras_run(args.samples)
    times, full = browser_runs(args.backends.split(","), args.samples)
    rows = [(f"course CNN, {args.samples} digits, batch 512: {b} (Python)",
             f"{ms:.0f} ms/epoch") for b, ms in times.items()]
    best = min(times, key=times.get)
    if keras:
        rows.append((f"same model, Keras {keras['tensorflow']} on CPU",
                     f"{keras['ms_per_epoch']:.0f} ms/epoch"))
        rows.append((f"best browser backend ({best}) / Keras",
                     f"x{times[best] / keras['ms_per_epoch']:.2f}  (goal <= 2)"))
    else:
        rows.append(("Keras", "not measured: bench/.keras-venv has no TensorFlow"))
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
