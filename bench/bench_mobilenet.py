#!/usr/bin/env python3
"""Week 3 benchmark: MobileNetV2 (224x224, ImageNet) per backend, from Python and from JS.

    .venv/bin/python -m bench.bench_mobilenet        # after `python3 build.py build`

For each backend, in a fresh browser context (nothing cached): the time to load the
model files (model.json + 14 MB of weight shards, fetch and build), the first
prediction (kernel set-up, WebGL shader compilation), then the median of ``--n``
predictions of one photo after that warm-up, driven from Python the way the lab does
it (numpy in, numpy out) and, for comparison, from plain JavaScript. A second load in
the same context shows the load time with the files in the HTTP cache.

``--before DIR``: another build's ``dist/`` (an older commit's) measured in the same run,
its pages alternating with this build's (``--rounds``, order reversed each round, medians
of the rounds), so both see the same machine load. When ``bench/.keras-venv`` has
TensorFlow, the very network of each build's model.json runs in Keras too
(``bench/keras_mobilenet.py``: ``tf.function``, median of 30 after a warm-up), and each
row gives its JS time over TensorFlow's. The ``threads`` column is the wasm backend's
thread count on that page: under a heavy load the page may start it on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import bench  # the shared page helpers and the guard
from testkit.harness import in_worker, serve_site  # TF.js is in the runtime worker

ROOT = bench.ROOT
KERAS_PYTHON = ROOT / "bench/.keras-venv/bin/python"
MODEL = "models/mobilenet_v2"

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
    out["threads"] = in_worker(page, "tf.getBackend() === 'wasm' ? tf.wasm.getThreadsCount() : 0")
    context.close()
    return out


def keras_run(n: int, dists: list[Path], threads: int = 0) -> dict | None:
    """bench/keras_mobilenet.py on each build's model (None: no TensorFlow there)."""
    if not KERAS_PYTHON.exists():
        return None
    proc = subprocess.run([str(KERAS_PYTHON), "-m", "bench.keras_mobilenet", str(n),
                           *(str(d.resolve() / MODEL) for d in dists)],
                          capture_output=True, text=True, timeout=1800, cwd=ROOT,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                               "PYTHONPATH": os.pathsep.join([str(ROOT / "py"), str(ROOT)]),
                               "KERAS_MOBILENET_THREADS": str(threads or "")})
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    by_dist = list(out["results"].values())
    return {"tensorflow": out["tensorflow"],
            "by_dist": {str(d): r for d, r in zip(dists, by_dist, strict=True)}}


def merged(runs: list[dict]) -> dict:
    """One row from the rounds of one build and backend: the median of each figure."""
    out = dict(runs[0])
    for key in ("median_ms", "js_median_ms", "first_ms", "load_ms", "cached_load_ms"):
        out[key] = statistics.median(r[key] for r in runs)
    out["threads"] = "/".join(sorted({str(r["threads"]) for r in runs}))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="wasm,webgl,cpu", help="wasm-nosimd: wasm "
                        "without pytfjs' SIMD kernels (?simd=0), to compare with wasm")
    parser.add_argument("--n", type=int, default=10, help="timed predictions per backend")
    parser.add_argument("--before", type=Path, help="another build's dist/ (an older "
                        "commit's), measured in the same run, pages alternating")
    parser.add_argument("--rounds", type=int, default=1, help="pages per build and backend "
                        "(alternating with --before; medians of the rounds)")
    parser.add_argument("--one-thread", action="store_true", help="every page on one wasm "
                        "thread (a busy machine otherwise sends some pages there at random)")
    args = parser.parse_args()
    bench.ONE_THREAD["on"] = args.one_thread
    dist = Path(os.environ.get("PYTFJS_DIST", ROOT / "dist"))
    builds = {"this build": dist} | ({f"before ({args.before})": args.before}
                                     if args.before else {})
    runs: dict[tuple[str, str], list[dict]] = {}
    with bench.site_and_browser() as (_, browser, base):
        bases = {"this build": base}
        servers = []
        if args.before:
            server, bases[f"before ({args.before})"] = serve_site(args.before)
            servers.append(server)
        for backend in args.backends.split(","):
            n = max(3, args.n // 3) if backend == "cpu" else args.n
            for round_ in range(args.rounds):
                order = list(bases.items())
                for build, url in order[::-1] if round_ % 2 else order:
                    runs.setdefault((backend, build), []).append(
                        measure(browser, url, backend, n))
        for server in servers:
            server.shutdown()
    if bench.reached_other_hosts():
        return 1
    keras = keras_run(30, list(builds.values()), 1 if args.one_thread else 0)
    header = ("backend", "build", "threads", "load (cold)", "load (cached)", "1st predict",
              "ms/image Python", "ms/image JS", "Python/JS", "TF ms/image", "JS/TF")
    rows = []
    for (backend, build), build_runs in runs.items():
        r = merged(build_runs)
        tf_ms = keras["by_dist"][str(builds[build])]["ms"] if keras else None
        rows.append((backend, build, r["threads"], f"{r['load_ms']:.0f} ms",
                     f"{r['cached_load_ms']:.0f} ms", f"{r['first_ms']:.0f} ms",
                     f"{r['median_ms']:.1f}", f"{r['js_median_ms']:.1f}",
                     f"x{r['median_ms'] / r['js_median_ms']:.2f}",
                     f"{tf_ms:.1f}" if tf_ms else "-",
                     f"x{r['js_median_ms'] / tf_ms:.2f}" if tf_ms else "-"))
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    print("\nMobileNetV2 224x224, one image per prediction (median after a warm-up"
          + (f", median of {args.rounds} pages" if args.rounds > 1 else "") + ")")
    for row in (header, *rows):
        print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)))
    if keras:
        diffs = ", ".join(f"{b}: top-1 {keras['by_dist'][str(d)]['top1']}, max |p - numpy| "
                          f"{keras['by_dist'][str(d)]['max_diff']:.1e}"
                          for b, d in builds.items())
        print(f"\nTF: TensorFlow {keras['tensorflow']} (CPU"
              + (", one thread" if args.one_thread else ", its default threads")
              + f"), the same model.json as a Keras model, tf.function, median of 30 after "
              f"a warm-up; {diffs}")
    else:
        print("\nTF: not measured (bench/.keras-venv has no TensorFlow)")
    print(f"(headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback; "
          "WebGL here is SwiftShader, a software renderer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
