#!/usr/bin/env python3
"""Week 3 benchmark: MobileNetV2 (224x224, ImageNet) per backend, from Python and from JS.

    .venv/bin/python -m bench.bench_mobilenet        # after `python3 build.py build`

For each backend, in a fresh browser context (nothing cached): the time to load the
model files (model.json + 14 MB of weight shards, fetch and build), the first
prediction (kernel set-up, WebGL shader compilation), then the median of ``--n``
predictions of one photo after that warm-up, driven from Python the way the lab does
it (numpy in, numpy out) and, for comparison, from plain JavaScript. A second load in
the same context shows the load time with the files in the HTTP cache.
"""

from __future__ import annotations

import argparse
import os
import sys

from bench import bench  # the shared page helpers and the guard
from testkit.harness import in_worker  # TF.js is in the runtime worker

ROOT = bench.ROOT

PYTHON = """
import json
from js import performance
import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.data import images

folder = "models/mobilenet_v2"
t0 = performance.now()
model = await tf.load_layers_model(f"{folder}/model.json")
load_ms = performance.now() - t0
meta = json.loads(await ui.fetch_bytes(f"{folder}/metadata.json"))
photo = await images.sample("chelsea")
x = images.normalize(images.center_square(photo.pixels, 224), meta["mean"], meta["std"])[None]


def predict():
    t0 = performance.now()
    with pytfjs.tidy():
        p = model.predict(x).numpy()
    return performance.now() - t0, p


first_ms, _ = predict()
times = []
for _ in range(param("n", 10)):
    ms, p = predict()
    times.append(ms)
report(load_ms=load_ms, first_ms=first_ms, median_ms=sorted(times)[len(times) // 2],
       top1=meta["labels"][int(p.argmax())])
"""

JS = """
async (n) => {
  const t0 = performance.now();
  const model = await tf.loadLayersModel("models/mobilenet_v2/model.json");
  const loadMs = performance.now() - t0;
  const x = tf.randomUniform([1, 224, 224, 3], -2, 2, "float32", 1);
  const once = async () => {
    const t = performance.now();
    const y = model.predict(x);
    await y.data();
    y.dispose();
    return performance.now() - t;
  };
  await once();
  const times = [];
  for (let i = 0; i < n; i += 1) times.push(await once());
  x.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return { loadMs, medianMs: times[Math.floor(n / 2)] };
}
"""


def measure(browser, base: str, backend: str, n: int) -> dict:
    context, page = bench.new_page(browser)
    page.goto(bench.lab(base, backend, "mobilenet", n=n))
    bench.wait(page, "ready")
    out = bench.run_python(page, PYTHON)
    if out["top1"] != "Egyptian cat":
        raise RuntimeError(f"{backend}: chelsea.png classified as {out['top1']}")
    js = in_worker(page, JS, n)  # TF.js lives in the runtime worker
    out["js_median_ms"] = js["medianMs"]
    out["cached_load_ms"] = js["loadMs"]
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="wasm,webgl,cpu", help="wasm-nosimd: wasm "
                        "without pytfjs' SIMD kernels (?simd=0), to compare with wasm")
    parser.add_argument("--n", type=int, default=10, help="timed predictions per backend")
    args = parser.parse_args()
    results = {}
    with bench.site_and_browser() as (_, browser, base):
        for backend in args.backends.split(","):
            n = max(3, args.n // 3) if backend == "cpu" else args.n
            results[backend] = measure(browser, base, backend, n)
    if bench.reached_other_hosts():
        return 1
    header = ("backend", "load (cold)", "load (cached)", "1st predict", "ms/image Python",
              "ms/image JS", "Python/JS")
    rows = [(b, f"{r['load_ms']:.0f} ms", f"{r['cached_load_ms']:.0f} ms",
             f"{r['first_ms']:.0f} ms", f"{r['median_ms']:.1f}", f"{r['js_median_ms']:.1f}",
             f"x{r['median_ms'] / r['js_median_ms']:.2f}") for b, r in results.items()]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    print("\nMobileNetV2 224x224, one image per prediction (median after a warm-up)")
    for row in (header, *rows):
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))
    print(f"\n(headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback; "
          "WebGL here is SwiftShader, a software renderer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
