#!/usr/bin/env python3
"""Toxicity lab: milliseconds per sentence, TF-IDF in Python vs the model in TF.js.

    python3 build.py bench                      # all benchmarks (builds dist/ first)
    .venv/bin/python -m bench.bench_toxicity --sentences 2560 --backends wasm,cpu,webgl

In headless Debian Chromium against dist/ on loopback, per backend: the reference
sentences repeated to ``--sentences`` lines, scored 256 per batch as the lab does, timed
in three parts: TF-IDF rows (pure Python + numpy in Pyodide), the numpy -> tensor copy,
and the three Dense layers in TF.js with the read-back of the scores. Then one sentence on
its own, end to end (what typing one line costs). The same vectorizer on CPython is the
yardstick for Pyodide. Figures vary 10-30% between runs: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from bench.bench import (  # shared helpers
    new_page,
    print_table,
    run_python,
    site_and_browser,
    wait,
)
from pytfjs.text import TfidfVectorizer
from tests.harness import ROOT

REFS = json.loads((ROOT / "tests" / "fixtures" / "toxicity_refs.json").read_text("utf-8"))

BENCH_PY = """
import json
import numpy as np
from js import performance
import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.text import TfidfVectorizer

vectorizer = TfidfVectorizer.from_json(
    json.loads(await ui.fetch_bytes("models/toxicity/vectorizer.json")))
model = await tf.load_layers_model("models/toxicity/model.json")
refs = json.loads(await ui.fetch_bytes("_bench/toxicity_refs.json"))["sentences"]
n = param("n", 2560)
lines = (refs * (n // len(refs) + 1))[:n]
times = {"vectorize": 0.0, "copy": 0.0, "model": 0.0}

def batch(chunk, timed=True):
    t0 = performance.now()
    x = vectorizer.transform(chunk, np.float32)
    t1 = performance.now()
    with pytfjs.to_tensor(x) as features:
        t2 = performance.now()
        with model.predict(features) as out:
            scores = out.numpy()[:, 0]
    t3 = performance.now()
    if timed:
        times["vectorize"] += t1 - t0
        times["copy"] += t2 - t1
        times["model"] += t3 - t2
    return scores

batch(lines[:256], timed=False)  # warm-up: kernels, shaders
for start in range(0, n, 256):
    batch(lines[start:start + 256])
single = []
for line in refs[:20]:
    t0 = performance.now()
    batch([line], timed=False)
    single.append(performance.now() - t0)
report(**{k: v / n for k, v in times.items()}, single_ms=sorted(single)[len(single) // 2])
"""


def cpython_ms_per_sentence(n: int) -> float:
    folder = ROOT / "dist" / "models" / "toxicity"
    vec = TfidfVectorizer.from_json(json.loads((folder / "vectorizer.json").read_text()))
    lines = (REFS["sentences"] * (n // len(REFS["sentences"]) + 1))[:n]
    vec.transform(lines[:256], np.float32)
    t0 = time.perf_counter()
    for start in range(0, n, 256):
        vec.transform(lines[start:start + 256], np.float32)
    return (time.perf_counter() - t0) * 1000 / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=2560)
    parser.add_argument("--backends", default="wasm,cpu,webgl")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with site_and_browser(mounts={"_bench": ROOT / "tests" / "fixtures"}) as (_, browser, base):
        for backend in args.backends.split(","):
            context, page = new_page(browser)
            page.goto(f"{base}lab.html?lab=toxicity&backend={backend}&n={args.sentences}")
            wait(page, "ready")
            r = run_python(page, BENCH_PY)
            context.close()
            total = r["vectorize"] + r["copy"] + r["model"]
            rows += [
                (f"{backend}: TF-IDF in Python (Pyodide)", f"{r['vectorize']:.3f}",
                 f"{r['vectorize'] / total:.0%} of the time"),
                (f"{backend}: numpy -> tensor copy", f"{r['copy']:.3f}",
                 f"{r['copy'] / total:.0%}"),
                (f"{backend}: Dense layers in TF.js + read-back", f"{r['model']:.3f}",
                 f"{r['model'] / total:.0%}"),
                (f"{backend}: total, batches of 256", f"{total:.3f}",
                 f"{1000 / total:.0f} sentences/s"),
                (f"{backend}: one sentence alone, end to end", f"{r['single_ms']:.2f}",
                 "median of 20"),
            ]
    rows.append(("CPython: TF-IDF (same code, yardstick)",
                 f"{cpython_ms_per_sentence(args.sentences):.3f}", ""))
    return print_table(rows, "Toxicity: ms per sentence", "ms",
                       f"{args.sentences} sentences, {len(REFS['sentences'])} distinct; "
                       f"headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback")


if __name__ == "__main__":
    sys.exit(main())
