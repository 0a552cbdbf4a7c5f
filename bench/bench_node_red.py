#!/usr/bin/env python3
"""Node-RED benchmark: ms per prediction with node-red-contrib-pytfjs, next to plain Node.js.

    .venv/bin/python bench/bench_node_red.py        # after `python3 build.py build`

Models as the labs export them (tests/exported_models.py): the rpsls image classifier
(MobileNetV2 up to ``embedding`` + a dense head, 224x224 input) on a PNG photo, and a
"Your CSV" classifier (2 numbers + a one-hot colour, 32-16-3 dense) on one row. Each is
measured after a warm-up:
- plain Node.js: the package's ``predict`` (decode, prepare, predict, read, dispose) in a
  loop (bench/node_predict_timing.js);
- Node-RED 4.1.8: the same inside the "pytfjs predict" node (``msg.pytfjs.ms.total``),
  and the whole HTTP round trip (POST to http in -> pytfjs predict -> http response).
All on TF.js 4.22's pure-JS ``cpu`` backend (no native build). Medians; figures vary
10-30% between runs on 2 shared cores: compare rows of the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from buildlib import models  # noqa: E402
from tests.exported_models import csv_export, rpsls_export  # noqa: E402
from tests.node_red import NodeRed, install_user_dir, predict_flow  # noqa: E402


def plain_node(model: Path, payload: Path, kind: str, warmup: int, runs: int) -> dict:
    proc = subprocess.run([shutil.which("node"), "bench/node_predict_timing.js", str(model),
                           str(payload), kind, str(warmup), str(runs)], cwd=ROOT,
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
        plain = plain_node(rpsls.folder, picture, "png", 3, args.image_runs)
        plain_csv = plain_node(fruit.folder, root / "row.json", "json", 20, args.csv_runs)
        install_user_dir(root / "user", root / "pack")
        with NodeRed(root / "user") as red:
            red.deploy(predict_flow({"rpsls": rpsls.folder, "fruit": fruit.folder},
                                    with_meta=True))
            data = picture.read_bytes()
            red_image = in_node_red(
                red, "rpsls", lambda r: red.post_bytes(f"/predict/{r}", data, "image/png"),
                3, args.image_runs)
            red_csv = in_node_red(red, "fruit", lambda r: red.post_json(f"/predict/{r}", row),
                                  20, args.csv_runs)
        rows.append((f"rpsls image model, {picture.name} (PNG {len(data) // 1024} KB)",
                     args.image_runs, plain, red_image))
        rows.append(("Your CSV model, one row (3 columns)", args.csv_runs, plain_csv, red_csv))
    print("\nms per prediction (median), TF.js 4.22 cpu backend (pure JS), Node.js "
          f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}")
    head = ("model", "runs", "plain Node.js", "Node-RED node", "Node-RED HTTP round trip")
    print(f"| {' | '.join(head)} |")
    print("|" + "---|" * len(head))
    for name, runs, p, r in rows:
        print(f"| {name} | {runs} | {p['median']:.1f} | {r['inside']:.1f} | "
              f"{r['round_trip']:.1f} |")
    print("\ntensors alive after the runs: plain Node.js "
          f"{plain['tensorsBefore']} -> {plain['tensorsAfter']} (image), "
          f"{plain_csv['tensorsBefore']} -> {plain_csv['tensorsAfter']} (CSV); "
          f"Node-RED {red_csv['tensors']} (both models loaded)")


if __name__ == "__main__":
    main()
