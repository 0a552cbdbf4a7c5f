#!/usr/bin/env python3
"""Week 2 benchmark: the MNIST lab at the course's scale, next to Keras, in one table.

    .venv/bin/python -m bench.bench_mnist            # after `python3 build.py build`
    .venv/bin/python -m bench.bench_mnist --default-epochs 2 --samples 11000   # quicker

Rows, measured in headless Debian Chromium against dist/ on loopback:
1. the lab's default run (full data: 55,000 training digits, 5,000 validation, 10 epochs,
   batch 512) on wasm: test accuracy on the official 10,000 test digits (goal >= 0.985)
   and its wall time, next to the same model, data split, epochs, batch size and Adam
   learning rate in Keras on the CPU, mean of 3 seeds (goal: the browser within 0.003);
2. ms per epoch (``--samples`` training digits, batch 512, after a warm-up epoch, the lab's
   own path: pytfjs.fit_batches from uint8 sprites) on wasm and webgpu, next to Keras' ms
   per epoch, as the ratio browser / Keras (scaled to Keras' epoch size when they differ);
3. loading the full sprites (fetch + the browser's PNG decoder -> uint8 numpy): ms, bytes
   on the wire and bytes in memory.

Keras runs when bench/.keras-venv has TensorFlow (python3 -m venv bench/.keras-venv &&
bench/.keras-venv/bin/pip install tensorflow-cpu); else its rows say "not measured".
webgpu here is SwiftShader's fallback adapter (the shaders run on the CPU): its figures
say nothing about a GPU, only that the backend trains. Figures vary 10-30% between runs.
4. wasm with pytfjs' WebAssembly SIMD kernels off and on (``simd_rows``: pages alternate,
   two of each, ``--simd-samples`` digits an epoch), each as a multiple of Keras' epoch
   scaled to the same number of digits (issue 19's goal: <= 2); ``--before DIR`` adds
   another build's dist/ with its kernels on, pages alternating with this build's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import bench  # the shared page helpers and the guard
from testkit.harness import in_worker, serve_site  # TF.js is in the runtime worker

ROOT = bench.ROOT
KERAS_PYTHON = ROOT / "bench/.keras-venv/bin/python"
KERAS_SEEDS = 3

TRAIN = """
import math, numpy as np, pytfjs
from js import performance
from pytfjs import param, report, tf
from pytfjs.data import sprites
digits = await sprites.load("data/mnist")
n, epochs = param("n", 55000), param("epochs", 2)
train = np.arange(n)
""" + bench.COURSE_CNN_PY + """steps = math.ceil(n / 512)
await pytfjs.fit_batches(model, lambda e: digits.batches(train, 512, epoch=e), epochs=1,
                         steps_per_epoch=steps, charts=False)  # warm-up
ends = [performance.now()]  # each epoch timed on its own, inside one fit
await pytfjs.fit_batches(model, lambda e: digits.batches(train, 512, epoch=e + 1),
                         epochs=epochs, steps_per_epoch=steps, charts=False,
                         on_epoch_end=lambda epoch, logs: ends.append(performance.now()))
report(epoch_ms=[b - a for a, b in zip(ends, ends[1:])])
"""

LOAD = """
from js import performance
from pytfjs import report
from pytfjs.data import sprites
t0 = performance.now()
digits = await sprites.load("data/mnist")
report(ms=performance.now() - t0, count=len(digits),
       memory=digits.images.nbytes + digits.labels.nbytes)
"""


def wire_bytes(folder: Path) -> int:
    """Bytes a browser fetches for a sprite data set: its meta.json, sheets and labels."""
    meta = json.loads((folder / "meta.json").read_text())
    files = ["meta.json", meta["labels"], *(s["path"] for s in meta["sprites"])]
    return sum((folder / name).stat().st_size for name in files)


def browser_runs(backends: list[str], samples: int, epochs: int, default_epochs: int
                 ) -> tuple[dict[str, list[float]], dict, float, list[dict]]:
    times, loads = {}, []
    with bench.site_and_browser() as (_, browser, base):
        for backend in backends:
            context, page = bench.new_page(browser)
            n_epochs = epochs if backend == "wasm" else 1  # webgpu here: SwiftShader, slow
            page.goto(bench.lab(base, backend, n=samples, epochs=n_epochs))
            bench.wait(page, "ready")
            if backend == "wasm":
                loads = [bench.run_python(page, LOAD) for _ in range(3)]
            times[backend] = bench.run_python(page, TRAIN)["epoch_ms"]
            context.close()
        context, page = bench.new_page(browser)
        query = "" if default_epochs == 10 else f"&epochs={default_epochs}"
        start = time.perf_counter()
        page.goto(f"{base}lab.html?lab=mnist&run=1&backend=wasm{query}")
        bench.wait(page, "done", "error")
        wall = time.perf_counter() - start
        full = page.evaluate("window.pytfjs.results")
        context.close()
    if bench.GUARD_LOG.external:
        raise SystemExit(f"pages requested other hosts: {bench.GUARD_LOG.external}")
    return times, full, wall, loads


def keras_run(epochs: int, samples: int = 0) -> dict | None:
    if not KERAS_PYTHON.exists():
        return None
    proc = subprocess.run([str(KERAS_PYTHON), "-m", "bench.keras_mnist",
                           str(epochs), str(KERAS_SEEDS), str(samples)],
                          capture_output=True, text=True, timeout=3600, cwd=ROOT,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def simd_runs(samples: int, epochs: int, rounds: int = 2,
              before: Path | None = None) -> dict[str, list[float]]:
    """wasm ms per epoch with pytfjs' WebAssembly SIMD kernels off (``?simd=0``: the JS
    kernels of wasm_kernels.js and TF.js's own) and on, and with ``before`` (another
    build's dist/) the same with its kernels on, alternating page by page so that all see
    the same machine load; each page reports whether the SIMD module was loaded and which
    kernels it served."""
    pages = [("wasm, SIMD kernels off", "0", None), ("wasm, SIMD kernels on", "1", None)]
    if before:
        pages.append((f"wasm, SIMD kernels on, before ({before})", "1", before))
    times: dict[str, list[float]] = {label: [] for label, _, _ in pages}
    with bench.site_and_browser() as (_, browser, here):
        server, other = serve_site(before) if before else (None, here)
        for round_ in range(rounds):
            for label, simd, dist in pages if round_ % 2 == 0 else pages[::-1]:
                context, page = bench.new_page(browser)
                base = other if dist else here
                page.goto(bench.lab(base, "wasm", n=samples, epochs=epochs, simd=simd))
                bench.wait(page, "ready")
                times[label] += bench.run_python(page, TRAIN)["epoch_ms"]
                loaded = in_worker(page, "pytfjsHost.wasmKernels.simd.loaded")
                calls = in_worker(page, "JSON.stringify(pytfjsHost.wasmKernels.simd.calls)")
                context.close()
                if loaded != (simd == "1"):
                    raise SystemExit(f"{label}: the SIMD module loaded = {loaded}")
                if simd == "1":
                    print(f"  {label}: SIMD kernels served: {calls}", file=sys.stderr)
        if server:
            server.shutdown()
    if bench.GUARD_LOG.external:
        raise SystemExit(f"pages requested other hosts: {bench.GUARD_LOG.external}")
    return times


def simd_rows(samples: int, epochs: int, keras: dict | None,
              before: Path | None = None) -> list[tuple[str, str]]:
    """The rows of the SIMD comparison (issue 19), each against Keras when measured."""
    rows = []
    for label, epoch_ms in simd_runs(samples, epochs, before=before).items():
        value = spread(epoch_ms)
        if keras:  # Keras' epoch is keras["train"] digits: compare per digit
            scaled = statistics.median(epoch_ms) * keras["train"] / samples
            value += f"  = Keras x{scaled / statistics.median(keras['epoch_ms']):.2f}"
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
    parser.add_argument("--samples", type=int, default=55_000,
                        help="training digits per timed epoch (default: the lab's 55,000)")
    parser.add_argument("--backends", default="wasm,webgpu")
    parser.add_argument("--epochs", type=int, default=3,
                        help="timed epochs on wasm (webgpu: 1)")
    parser.add_argument("--default-epochs", type=int, default=10,
                        help="epochs of the lab's default run and of Keras (the lab: 10)")
    parser.add_argument("--simd-samples", type=int, default=5500,
                        help="training digits per epoch for the SIMD kernels off/on rows")
    parser.add_argument("--no-simd-comparison", action="store_true",
                        help="skip wasm with the SIMD kernels off vs on (two pages each)")
    parser.add_argument("--before", type=Path, help="another build's dist/ (an older "
                        "commit's): its wasm epoch beside this build's in the SIMD rows")
    args = parser.parse_args()
    keras = keras_run(args.default_epochs)
    simd = [] if args.no_simd_comparison else simd_rows(args.simd_samples, args.epochs, keras,
                                                        args.before)
    times, full, wall, loads = browser_runs(args.backends.split(","), args.samples,
                                            args.epochs, args.default_epochs)
    default = ("default run" if args.default_epochs == 10
               else f"default run shortened to {args.default_epochs} epochs")
    rows = [(f"MNIST lab {default}, wasm: test accuracy ({full.get('test_count')} test "
             "digits)", f"{full.get('test_accuracy', float('nan')):.4f}  (goal >= 0.985)"),
            ("  its validation accuracy (5,000 training digits kept apart)",
             f"{full.get('val_accuracy', float('nan')):.4f}"),
            ("  its wall time (page load, data, training, test)", f"{wall:.0f} s")]
    if keras:
        mean = statistics.mean(keras["test_accuracy"])
        seeds = ", ".join(f"{a:.4f}" for a in keras["test_accuracy"])
        rows.append((f"same model, data, epochs, batch in Keras {keras['tensorflow']} (CPU), "
                     f"mean of {KERAS_SEEDS} seeds", f"{mean:.4f}  ({seeds})"))
        gap = mean - full.get("test_accuracy", float("nan"))
        rows.append(("  Keras minus browser", f"{gap:+.4f}  (goal <= 0.003)"))
    else:
        rows.append(("Keras", "not measured: bench/.keras-venv has no TensorFlow"))
    for backend, ms in times.items():
        rows.append((f"ms per epoch, {args.samples} digits, batch 512: {backend} (Python)",
                     spread(ms)))
    if keras:
        keras_ms = statistics.median(keras["epoch_ms"])
        rows.append((f"ms per epoch, {keras['train']} digits, batch 512: Keras (CPU)",
                     spread(keras["epoch_ms"])))
        for backend, ms in times.items():
            scaled = statistics.median(ms) * keras["train"] / args.samples
            rows.append((f"  {backend} / Keras, medians per {keras['train']}-digit epoch",
                         f"x{scaled / keras_ms:.2f}"))
    if loads:
        load_ms = statistics.median(r["ms"] for r in loads)
        rows.append((f"load + decode the full sprites ({loads[0]['count']} digits), "
                     "median of 3", f"{load_ms:.0f} ms"))
        rows.append(("  bytes on the wire (PNG sheets, labels, meta.json)",
                     f"{wire_bytes(bench.ROOT / 'dist/data/mnist'):,}"))
        rows.append(("  bytes in memory (uint8 images + labels)", f"{loads[0]['memory']:,}"))
    rows += simd
    width = max(len(r[0]) for r in rows)
    print()
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print(f"\n(headless Debian Chromium and Keras on the same {os.cpu_count()}-core machine; "
          "webgpu: SwiftShader's fallback adapter, no GPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
