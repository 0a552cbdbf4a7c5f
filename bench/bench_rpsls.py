#!/usr/bin/env python3
"""Week 4 benchmark: the rock-paper-scissors-lizard-Spock transfer-learning lab.

    .venv/bin/python -m bench.bench_rpsls           # after `python3 build.py build`

1. MobileNetV2 embedding (cut at ``embedding``), ms per frame, median after a warm-up,
   on wasm and webgl, the way the lab computes it (numpy square -> normalise -> predict
   inside tidy -> numpy);
2. training the lab's head (dense 100 relu -> dense 5 softmax, Adam) on 500 samples for
   10 epochs (batch 16, 15% validation), per backend;
3. memory after ``--captures`` (2,000) webcam captures, in one browser run with Chromium's
   fake webcam, on wasm:
   - this lab: Hold to capture until 2,000 samples (embeddings in numpy, IndexedDB);
   - the course's way, in JavaScript on the same webcam and the same cut of the same
     model: each capture a ``tf.browser.fromPixels`` image tensor that is never disposed,
     the model's output concatenated onto one growing tensor (``xs = xs.concat(example)``,
     the old ``xs`` disposed, ``example`` not);
   - the course's way with those two leaks fixed, still concatenating.
   For each: tensors, tensor bytes, numpy bytes, the page's JS heap, WebAssembly heap of
   TF.js, ms per capture over the first and the last 100 captures; for this lab also
   webcam predictions a second (a head trained on a second class, then Predict).
Figures vary 10-30% between runs on 2 shared cores: compare rows of the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench import bench  # the shared page helpers and the guard
from testkit.harness import camera_args, in_worker, launch_browser, serve_site, wait_until

ROOT = bench.ROOT

EMBED = """
import json
import numpy as np
from js import performance
import pytfjs
from pytfjs import param, report, tf, ui
from pytfjs.data import images

folder = "models/mobilenet_v2"
meta = json.loads(await ui.fetch_bytes(f"{folder}/metadata.json"))
mobilenet = await tf.load_layers_model(f"{folder}/model.json")
base = tf.model(inputs=mobilenet.inputs, outputs=mobilenet.get_layer("embedding").output)
square = images.center_square((await images.sample("chelsea")).pixels, 224)


def embed():
    t0 = performance.now()
    x = images.normalize(square, meta["mean"], meta["std"])
    with pytfjs.tidy():
        vector = base.predict(x[None]).numpy()[0]
    return performance.now() - t0, vector


first_ms, _ = embed()
times = [embed()[0] for _ in range(param("n", 10))]
report(first_ms=first_ms, median_ms=sorted(times)[len(times) // 2])
"""

HEAD = """
import numpy as np
from js import performance
from pytfjs import param, report, tf
from pytfjs.transfer import split

n, classes = param("samples", 500), 5
rng = np.random.default_rng(0)
y = rng.integers(0, classes, n).astype(np.int32)
x = (rng.normal(0, 1, (n, 1280)) + y[:, None] * 0.1).astype(np.float32)
(x_train, y_train), (x_val, y_val) = split(x, y, 0.15, seed=0)
one_hot = np.eye(classes, dtype=np.float32)


def head():
    model = tf.sequential()
    model.add(tf.layers.dense(units=100, activation="relu", input_shape=[1280]))
    model.add(tf.layers.dense(units=classes, activation="softmax"))
    model.compile(optimizer=tf.train.adam(0.001), loss="categoricalCrossentropy",
                  metrics=["accuracy"])
    return model


async def timed(epochs):
    model = head()
    t0 = performance.now()
    await model.fit(x_train, one_hot[y_train], validation_data=(x_val, one_hot[y_val]),
                    epochs=epochs, batch_size=16)
    ms = performance.now() - t0
    model.optimizer.dispose()
    model.dispose()
    return ms


await timed(1)  # warm-up: kernels, shaders
report(ms=await timed(param("epochs", 10)))
"""

# The course's capture loop (webcam.js + rps-dataset.js), on our model and webcam.
COURSE = """
async ({captures, leaks}) => {
  const model = await tf.loadLayersModel("models/mobilenet_v2/model.json");
  const cut = tf.model({inputs: model.inputs, outputs: model.getLayer("embedding").output});
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: false});
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = stream;
  await video.play();
  const mean = tf.tensor1d([0.485, 0.456, 0.406]), std = tf.tensor1d([0.229, 0.224, 0.225]);
  const capture = () => tf.tidy(() => {            // webcam.capture()
    const image = tf.browser.fromPixels(video);
    const [h, w] = image.shape, side = Math.min(h, w);
    const crop = image.slice([(h - side) >> 1, (w - side) >> 1, 0], [side, side, 3]);
    const square = tf.image.resizeBilinear(crop, [224, 224]);
    return square.toFloat().div(255).sub(mean).div(std).expandDims(0);
  });
  let xs = null, ys = null;
  const addExample = (example, label) => {          // dataset.addExample()
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([label]).toInt(), 5));
    if (xs == null) { xs = tf.keep(example); ys = tf.keep(y); return; }
    const oldX = xs, oldY = ys;
    xs = tf.keep(oldX.concat(example, 0));
    ys = tf.keep(oldY.concat(y, 0));
    oldX.dispose(); oldY.dispose(); y.dispose();
    if (!leaks) example.dispose();
  };
  const times = [];
  let failure = null;
  for (let i = 0; i < captures; i += 1) {
    const t0 = performance.now();
    try {
      const img = capture();
      addExample(cut.predict(img), 0);              // (wasm runs it before returning)
      if (!leaks) img.dispose();
    } catch (e) {
      failure = `capture ${i + 1}: ${e.message || e}`;
      break;
    }
    times.push(performance.now() - t0);
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0));
  }
  const m = tf.memory();
  const out = {captured: times.length, tensors: m.numTensors, bytes: m.numBytes,
               xs: xs ? xs.shape : null, failure, times,
               heap: performance.memory.usedJSHeapSize,
               wasm: tf.getBackend() === "wasm" ? tf.backend().wasm.HEAPU8.buffer.byteLength : 0};
  stream.getTracks().forEach((t) => t.stop());
  tf.disposeVariables();
  return out;
}
"""


def median_of(times: list[float], first: bool) -> float:
    part = sorted(times[:100] if first else times[-100:])
    return part[len(part) // 2] if part else float("nan")


def per_backend(browser, base: str, backend: str, n: int, samples: int, epochs: int) -> dict:
    context, page = bench.new_page(browser)
    page.goto(bench.lab(base, backend, "rpsls", n=n, samples=samples, epochs=epochs))
    bench.wait(page, "ready")
    out = bench.run_python(page, EMBED)
    out["head_ms"] = bench.run_python(page, HEAD)["ms"]
    out["threads"] = in_worker(page, "tf.wasm.getThreadsCount()") if backend.startswith(
        "wasm") else 0
    context.close()
    return out


def camera_browser(pw, video: Path):
    return launch_browser(pw, camera_args(video))


MEMORY = """async () => {
    const m = tf.memory();
    // a build from before the worker kept its Pyodide (a promise of it) on the page
    const python = globalThis.pytfjsHost ? pytfjsHost.pythonHeapBytes()
        : (await globalThis.pytfjsPython)._module.HEAPU8.buffer.byteLength;
    return {tensors: m.numTensors, bytes: m.numBytes,
            wasm: tf.backend().wasm.HEAPU8.buffer.byteLength, python};
}"""


def memory_of(page) -> dict:
    """TF.js and Python memory where they run: the runtime worker, or (a build from before
    the worker, given with --before) the page itself."""
    if any(w.url.split("?")[0].endswith("/worker.js") for w in page.workers):
        return in_worker(page, MEMORY)
    return page.evaluate(MEMORY)


PREDICTIONS = 100  # webcam frames timed while predicting


def ours(browser, base: str, captures: int) -> dict:
    """Hold to capture in the lab until ``captures`` samples; memory and ms per capture."""
    context, page = bench.new_page(browser)
    page.goto(f"{base}lab.html?lab=rpsls&run=1&backend=wasm&rate=1000")
    wait_until(page, "() => window.pytfjs.results.camera !== undefined")
    page.evaluate("""() => {
        window.captureTimes = [];
        new MutationObserver(() => window.captureTimes.push(performance.now()))
            .observe(document.querySelector('.studio-class .studio-count'),
                     {childList: true, characterData: true, subtree: true});
    }""")
    button = page.locator(".studio-class >> nth=0 >> button[data-action=hold]")
    button.dispatch_event("pointerdown")
    wait_until(page, "n => window.pytfjs.results.captured >= n", captures, timeout=3_600_000)
    button.dispatch_event("pointerup")
    page.wait_for_timeout(1000)
    stamps = page.evaluate("window.captureTimes")
    results = page.evaluate("window.pytfjs.results")
    memory = memory_of(page)
    memory["heap"] = page.evaluate("performance.memory.usedJSHeapSize")
    rate = predictions_per_second(page)
    context.close()
    times = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    return {**memory, "captured": results["captured"], "times": times,
            "numpy": results["embedding_bytes"], "thumbs": results["thumbnail_bytes"],
            "predict_rate": rate, "failure": None}


def predictions_per_second(page, count: int = PREDICTIONS) -> float:
    """Webcam predictions a second: every other class gets 20 captures, a head is trained
    for 2 epochs, then Predict runs ``count`` frames after 5 of warm-up (each frame: grab,
    crop, embed, the head, the bars)."""
    for nth in range(1, page.locator(".studio-class").count()):
        button = page.locator(f".studio-class >> nth={nth} >> button[data-action=hold]")
        before = page.evaluate("window.pytfjs.results.captured")
        button.dispatch_event("pointerdown")
        wait_until(page, "n => window.pytfjs.results.captured >= n", before + 20)
        button.dispatch_event("pointerup")
        page.wait_for_timeout(1000)
    page.fill(".studio input[data-setting=epochs]", "2")
    done = page.locator(".studio-messages li.done").count()
    page.click(".studio button[data-action=train]")
    wait_until(page, "n => document.querySelectorAll('.studio-messages li.done').length > n",
               done, timeout=600_000)
    page.click(".studio button[data-action=predict]")
    wait_until(page, "() => (window.pytfjs.results.predictions || 0) >= 5")
    start = page.evaluate("[performance.now(), window.pytfjs.results.predictions]")
    wait_until(page, "n => window.pytfjs.results.predictions >= n", start[1] + count,
               timeout=600_000)
    end = page.evaluate("[performance.now(), window.pytfjs.results.predictions]")
    page.click(".studio button[data-action=predict]")
    return 1000 * (end[1] - start[1]) / (end[0] - start[0])


def course(browser, base: str, captures: int, leaks: bool) -> dict:
    context, page = bench.new_page(browser)
    page.goto(f"{base}lab.html?lab=rpsls&backend=wasm")
    bench.wait(page, "ready")
    # the course runs TF.js on the page's own thread: load it there for this comparison
    page.add_script_tag(url="vendor/tfjs/tf.es2017.min.js")
    page.add_script_tag(url="vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js")
    page.evaluate("""async () => { tf.wasm.setWasmPaths(new URL('vendor/tfjs-backend-wasm/',
        document.baseURI).href); await tf.setBackend('wasm'); }""")
    out = page.evaluate(COURSE, {"captures": captures, "leaks": leaks})
    context.close()
    return {**out, "numpy": 0, "thumbs": 0, "python": None}


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="wasm,webgl", help="wasm-nosimd: wasm "
                        "without pytfjs' SIMD kernels (?simd=0), to compare with wasm")
    parser.add_argument("--n", type=int, default=10, help="timed embeddings per backend")
    parser.add_argument("--captures", type=int, default=2000)
    parser.add_argument("--before", type=Path, help="another build's dist/ (an older "
                        "commit's): its embedding speed (pages alternating with this "
                        "build's) and its lab's captures are measured in the same run")
    parser.add_argument("--rounds", type=int, default=1, help="embedding-speed pages per "
                        "build and backend (alternating with --before; medians of the rounds)")
    parser.add_argument("--no-course", action="store_true", help="leave out the course's "
                        "capture loop (the memory table's last two rows)")
    parser.add_argument("--one-thread", action="store_true", help="every page on one wasm "
                        "thread (a busy machine otherwise sends some pages there at random)")
    args = parser.parse_args()
    bench.ONE_THREAD["on"] = args.one_thread
    from testkit import mobilenet_reference as ref
    from testkit.pictures import photo_video

    def table(title: str, header: tuple, rows: list[tuple], flush: bool = False) -> None:
        widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
        print(f"\n{title}")
        for row in (header, *rows):
            print("  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)),
                  flush=flush)

    def merged(runs: list[dict]) -> dict:
        out = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "threads"}
        return {**out, "threads": "/".join(sorted({str(r["threads"]) for r in runs}))}

    def print_speed() -> None:
        table("MobileNetV2 cut at `embedding`, per frame; the lab's head on 500 samples x 10 "
              "epochs" + (f" (medians of {args.rounds} pages)" if args.rounds > 1 else ""),
              ("backend", "build", "threads", "1st embedding", "ms/embedding", "frames/s",
               "head 500x10"),
              [(b, build, r["threads"], f"{r['first_ms']:.0f} ms", f"{r['median_ms']:.1f}",
                f"{1000 / r['median_ms']:.1f}", f"{r['head_ms']:.0f} ms")
               for (b, build), r in ((key, merged(runs)) for key, runs in speed.items())],
              flush=True)

    speed: dict[tuple[str, str], list[dict]] = {}
    dist = Path(os.environ.get("PYTFJS_DIST", ROOT / "dist"))
    with bench.site_and_browser() as (pw, browser, base), \
            tempfile.TemporaryDirectory() as tmp:
        bases = {"this build": base}
        if args.before:
            before_server, bases[f"before ({args.before})"] = serve_site(args.before)
        for backend in args.backends.split(","):
            for round_ in range(args.rounds):
                order = list(bases.items())
                for build, url in order[::-1] if round_ % 2 else order:
                    speed.setdefault((backend, build), []).append(
                        per_backend(browser, url, backend, args.n, 500, 10))
        if args.before:
            before_server.shutdown()
        print_speed()  # now: the capture runs below take minutes
        browser.close()  # the memory runs get a browser with the fake webcam instead
        photo = ref.read_png((dist / "data/photos/chelsea.png").read_bytes())
        video = photo_video(Path(tmp) / "webcam.y4m", photo, count=15)
        camera = camera_browser(pw, video)
        memory = {"this lab (numpy embeddings)": ours(camera, base, args.captures)}
        if args.before:
            server, before = serve_site(args.before)
            memory[f"this lab, build {args.before}"] = ours(camera, before, args.captures)
            server.shutdown()
        if not args.no_course:
            memory |= {
                "course (leaks + concat)": course(camera, base, args.captures, True),
                "course, leaks fixed (concat)": course(camera, base, args.captures, False)}
        camera.close()
    if bench.reached_other_hosts():
        return 1

    table(f"Memory after {args.captures} webcam captures (wasm, same run)",
          ("approach", "captures", "tensors", "tensor bytes", "numpy", "JS heap", "TF.js wasm",
           "Python wasm", "ms/capture first 100", "last 100", "captures/s (last 100)",
           "predictions/s"),
          [(name, r["captured"], r["tensors"], mb(r["bytes"]),
            mb(r["numpy"]) + (f" (+{mb(r['thumbs'])} thumbs)" if r["thumbs"] else ""),
            mb(r["heap"]), mb(r["wasm"]), mb(r["python"]), f"{median_of(r['times'], True):.0f}",
            f"{median_of(r['times'], False):.0f}",
            f"{1000 / median_of(r['times'], False):.1f}",
            f"{r['predict_rate']:.1f}" if r.get("predict_rate") else "-")
           for name, r in memory.items()])
    for name, r in memory.items():
        if r["failure"]:
            print(f"  {name} failed at {r['failure']}")
    print(f"\n(headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback; WebGL "
          "here is SwiftShader, a software renderer; 'numpy' is the lab's embeddings, "
          "thumbnails apart, inside 'Python wasm' (Pyodide's heap, which never shrinks); "
          "the lab's ms/capture includes cropping, the thumbnail, IndexedDB and the page "
          "update)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
