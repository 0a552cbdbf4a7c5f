#!/usr/bin/env python3
"""Node-RED benchmark: ms per prediction with node-red-contrib-pytfjs, next to plain Node.js.

    .venv/bin/python -m bench.bench_node_red        # after `python3 build.py build`

Models as the labs export them (testkit/exported_models.py): the rpsls image classifier
(MobileNetV2 up to ``embedding`` + a dense head, 224x224 input) on a PNG photo, and a
"Your CSV" classifier (2 numbers + a one-hot colour, 32-16-3 dense) on one row. Each is
measured after a warm-up:
- plain Node.js: the package's ``predict`` (decode, prepare, predict, read, dispose) in a
  loop (bench/node_predict_timing.js);
- Node-RED 4.1.8: the same inside the "pytfjs predict" node (``msg.pytfjs.ms.total``),
  and the whole HTTP round trip (POST to http in -> pytfjs predict -> http response).
Each on TF.js 4.22's pure-JS ``cpu`` backend and on the optional ``wasm`` backend
(@tensorflow/tfjs-backend-wasm: WebAssembly, no native build either). Medians; figures
vary 10-30% between runs on 2 shared cores: compare rows of the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from buildlib.make import models
from testkit.exported_models import csv_export, rpsls_export
from testkit.harness import ROOT
from testkit.node_red import NodeRed, install_user_dir, predict_flow


def plain_node(model: Path, payload: Path, kind: str, warmup: int, runs: int,
               backend: str) -> dict:
    proc = subprocess.run([shutil.which("node"), "bench/node_predict_timing.js", str(model),
                           str(payload), kind, str(warmup), str(runs), backend], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def in_node_red(red: NodeRed, route: str, send, warmup: int, runs: int) -> dict:
    for _ in range(warmup):
        send(route)
    inside, round_trip = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        status, answer = send(route)
        round_trip.append((time.perf_counter() - t0) * 1000)
        assert status == 200, answer
        inside.append(answer["pytfjs"]["ms"]["total"])
    return {"inside": statistics.median(inside), "round_trip": statistics.median(round_trip),
            "tensors": answer["pytfjs"]["tensors"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-runs", type=int, default=10)
    parser.add_argument("--csv-runs", type=int, default=200)
    args = parser.parse_args()
    dist = ROOT / "dist"
    picture = dist / "data/photos/chelsea.png"
    with tempfile.TemporaryDirectory(prefix="pytfjs-bench-node-red-") as tmp:
        root = Path(tmp)
        rpsls = rpsls_export(dist / models.MODEL_DIR, root / "rpsls-model")
        fruit = csv_export(root / "fruit-model")
        row = {k: v for k, v in fruit.rows[0].items() if k not in ("id", "kind")}
        (root / "row.json").write_text(json.dumps(row))
        rows = []
        install_user_dir(root / "user", root / "pack", wasm=True)
        data = picture.read_bytes()
        cases = [(f"rpsls image model, {picture.name} (PNG {len(data) // 1024} KB)", "rpsls",
                  rpsls.folder, picture, "png", args.image_runs,
                  lambda red, r: red.post_bytes(f"/predict/{r}", data, "image/png")),
                 ("Your CSV model, one row (3 columns)", "fruit", fruit.folder,
                  root / "row.json", "json", args.csv_runs,
                  lambda red, r: red.post_json(f"/predict/{r}", row))]
        for backend in ("cpu", "wasm"):
            with NodeRed(root / "user") as red:
                red.deploy(predict_flow({"rpsls": rpsls.folder, "fruit": fruit.folder},
                                        with_meta=True, backend=backend))
                for name, route, folder, payload, kind, runs, send in cases:
                    warmup = 3 if kind == "png" else 20
                    result = in_node_red(red, route, lambda r, s=send: s(red, r), warmup,
                                         runs)
                    plain = plain_node(folder, payload, kind, warmup, runs, backend)
                    rows.append((name, backend, runs, plain, result))
    print("\nms per prediction (median), TF.js 4.22, Node.js "
          f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")
    head = ("model", "backend", "runs", "plain Node.js", "Node-RED node",
            "Node-RED HTTP round trip")
    print(f"| {' | '.join(head)} |")
    print("|" + "---|" * len(head))
    for name, backend, runs, p, r in rows:
        print(f"| {name} | {backend} | {runs} | {p['median']:.1f} | {r['inside']:.1f} | "
              f"{r['round_trip']:.1f} |")
    leaks = [(n, b) for n, b, _, p, _ in rows if p["tensorsBefore"] != p["tensorsAfter"]]
    print(f"\ntensors alive unchanged over every plain Node.js loop: {not leaks}")


if __name__ == "__main__":
    main()
