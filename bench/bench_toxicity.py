#!/usr/bin/env python3
"""Toxicity lab: milliseconds per sentence, the Keras tokenizer in Python vs the LSTM in TF.js.

    python3 build.py bench                      # all benchmarks (builds dist/ first)
    .venv/bin/python -m bench.bench_toxicity --sentences 512 --batch 64 --backends wasm,cpu,webgl

In headless Debian Chromium against dist/ on loopback, per backend: the reference
sentences repeated to ``--sentences`` lines, classified ``--batch`` per batch as the lab
does, timed in three parts: word indices (``KerasTokenizer``, pure Python + numpy in
Pyodide), the numpy -> tensor copy, and tox_block's bidirectional LSTM in TF.js with the
read-back of the probabilities. Then one sentence on its own, end to end (what typing one
line costs). The same tokenizer on CPython is the yardstick for Pyodide. Figures vary
10-30% between runs: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench.bench import (  # shared helpers
    new_page,
    print_table,
    run_python,
    site_and_browser,
    wait,
)
from pytfjs.text import KerasTokenizer
from testkit.harness import ROOT

REFS = json.loads((ROOT / "tests" / "fixtures" / "toxicity_refs.json").read_text("utf-8"))

BENCH_PY = """
import json
import numpy as np
from js import performance
import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.text import KerasTokenizer

tokenizer = KerasTokenizer.from_json(
    json.loads(await ui.fetch_bytes("models/toxicity/tokenizer.json")))
model = await tf.load_layers_model("models/toxicity/model.json")
refs = json.loads(await ui.fetch_bytes("_bench/toxicity_refs.json"))["sentences"]
n = param("n", 2560)
size = param("batch", 256)
lines = (refs * (n // len(refs) + 1))[:n]
times = {"vectorize": 0.0, "copy": 0.0, "model": 0.0}

def batch(chunk, timed=True):
    t0 = performance.now()
    x = tokenizer.encode(chunk)
    t1 = performance.now()
    with pytfjs.to_tensor(x) as features:
        t2 = performance.now()
        with model.predict(features) as out:
            scores = out.numpy()
    t3 = performance.now()
    if timed:
        times["vectorize"] += t1 - t0
        times["copy"] += t2 - t1
        times["model"] += t3 - t2
    return scores

batch(lines[:size], timed=False)  # warm-up: kernels, shaders
for start in range(0, n, size):
    batch(lines[start:start + size])
single = []
for line in refs[:20]:
    t0 = performance.now()
    batch([line], timed=False)
    single.append(performance.now() - t0)
report(**{k: v / n for k, v in times.items()}, single_ms=sorted(single)[len(single) // 2])
"""


def cpython_ms_per_sentence(n: int, size: int) -> float:
    folder = ROOT / "dist" / "models" / "toxicity"
    tok = KerasTokenizer.from_json(json.loads((folder / "tokenizer.json").read_text("utf-8")))
    lines = (REFS["sentences"] * (n // len(REFS["sentences"]) + 1))[:n]
    tok.encode(lines[:size])
    t0 = time.perf_counter()
    for start in range(0, n, size):
        tok.encode(lines[start:start + size])
    return (time.perf_counter() - t0) * 1000 / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--backends", default="wasm,cpu,webgl")
    parser.add_argument("--batch", type=int, default=64, help="sentences per batch (the "
                        "lab's pytfjs.text.toxicity.BATCH)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with site_and_browser(mounts={"_bench": ROOT / "tests" / "fixtures"}) as (_, browser, base):
        for backend in args.backends.split(","):
            context, page = new_page(browser)
            page.goto(f"{base}lab.html?lab=toxicity&backend={backend}&n={args.sentences}"
                      f"&batch={args.batch}")
            wait(page, "ready")
            r = run_python(page, BENCH_PY)
            context.close()
            total = r["vectorize"] + r["copy"] + r["model"]
            rows += [
                (f"{backend}: tokenizer in Python (Pyodide)", f"{r['vectorize']:.3f}",
                 f"{r['vectorize'] / total:.0%} of the time"),
                (f"{backend}: numpy -> tensor copy", f"{r['copy']:.3f}",
                 f"{r['copy'] / total:.0%}"),
                (f"{backend}: LSTM model in TF.js + read-back", f"{r['model']:.3f}",
                 f"{r['model'] / total:.0%}"),
                (f"{backend}: total, batches of {args.batch}", f"{total:.3f}",
                 f"{1000 / total:.0f} sentences/s"),
                (f"{backend}: one sentence alone, end to end", f"{r['single_ms']:.2f}",
                 "median of 20"),
            ]
    rows.append(("CPython: tokenizer (same code, yardstick)",
                 f"{cpython_ms_per_sentence(args.sentences, args.batch):.3f}", ""))
    return print_table(rows, "Toxicity: ms per sentence", "ms",
                       f"{args.sentences} sentences, {len(REFS['sentences'])} distinct; "
                       f"headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback")


if __name__ == "__main__":
    sys.exit(main())
