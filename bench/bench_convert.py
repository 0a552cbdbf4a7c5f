"""Keras -> TF.js conversion: pytfjs.convert next to tensorflowjs_converter 4.22, one run.

For every converter fixture (tests/fixtures/keras) and fer's emotion model it prints the
conversion time of each tool and whether TF.js 4.22 (in Node.js) loads the output and
predicts what Keras predicted (refs.json). pytfjs is timed in-process (median of 5, after
one warm-up) and also as a fresh `python -m pytfjs.convert` process, which is the fair
comparison with the official command-line tool.

The official converter runs from bench/.keras-venv when it has it:
  bench/.keras-venv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 "jax[cpu]" \
      tensorflow-hub && bench/.keras-venv/bin/pip install --no-deps tensorflowjs==4.22.0
(with bench/official_converter_shim on PYTHONPATH for its unused TF-DF import).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pytfjs.convert import convert_bytes, write_files
from testkit.harness import ROOT

FIXTURES = ROOT / "tests/fixtures/keras"
REFS = json.loads((FIXTURES / "refs.json").read_text())
OFFICIAL = ROOT / "bench/.keras-venv/bin/tensorflowjs_converter"
SHIM = ROOT / "bench/official_converter_shim"


def source(name: str) -> Path:
    return ROOT / "dist/models/keras/emotion_model.hdf5" if name == "emotion_model.hdf5" \
        else FIXTURES / name


def time_pytfjs(path: Path) -> tuple[float, float]:
    """(median ms in-process, ms as a fresh CLI process)."""
    data = path.read_bytes()
    convert_bytes(data, path.name)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        convert_bytes(data, path.name)
        runs.append(1000 * (time.perf_counter() - started))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytfjs.convert", str(path), f"{tmp}/out"],
                       check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(
                           ROOT / "py")))
        cli = 1000 * (time.perf_counter() - started)
    return statistics.median(runs), cli


def time_official(path: Path, out: Path) -> float | None:
    if not OFFICIAL.exists():
        return None
    # it unpacks a .keras zip beside its input: give it a copy in the temporary folder
    staged = out.parent / f"input-{path.name}"
    shutil.copyfile(path, staged)
    path = staged
    started = time.perf_counter()
    input_format = "keras_keras" if path.suffix == ".keras" else "keras"
    proc = subprocess.run([str(OFFICIAL), "--input_format", input_format, "--output_format",
                           "tfjs_layers_model", str(path), str(out)],
                          capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(SHIM), TF_CPP_MIN_LOG_LEVEL="3"))
    elapsed = 1000 * (time.perf_counter() - started)
    return elapsed if proc.returncode == 0 and (out / "model.json").exists() else -elapsed


def load_in_tfjs(jobs: list[dict], tmp: Path) -> dict[str, dict]:
    (tmp / "jobs.json").write_text(json.dumps(jobs))
    proc = subprocess.run(["node", "tests/node/predict_tfjs_model.js", str(tmp / "jobs.json")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return {r["dir"]: r for r in map(json.loads, filter(lambda s: s.startswith("{"),
                                                         proc.stdout.splitlines()))}


def max_error(result: dict, expected: list) -> float | None:
    """Largest |TF.js - Keras| of an output TF.js loaded, None if it did not load."""
    if "error" in result:
        return None
    return float(np.max(np.abs(np.array(result["output"]) - np.array(expected))))


def verdict(result: dict, expected: list) -> str:
    err = max_error(result, expected)
    if err is None:
        return "fails: " + result["error"].split("\n")[0][:48]
    return f"loads, max err {err:.1e}"


def main() -> int:
    rows, jobs = [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name in REFS:
            path = source(name)
            in_process, cli = time_pytfjs(path)
            ours = write_files(tmp / f"pytfjs-{name}", convert_bytes(path.read_bytes(),
                                                                      name).files)
            official_dir = tmp / f"official-{name}"
            official = time_official(path, official_dir)
            ref = REFS[name]
            jobs.append({"dir": str(ours), "inputs": ref["inputs"]} if "inputs" in ref else
                        {"dir": str(ours), "input": ref["input"], "dtype": ref["input_dtype"]})
            if official is not None and official > 0:
                jobs.append({**jobs[-1], "dir": str(official_dir)})
            rows.append((name, in_process, cli, official, str(ours), str(official_dir)))
        results = load_in_tfjs(jobs, tmp)
        print(f"{'file':<22} {'pytfjs ms':>10} {'pytfjs CLI ms':>14} {'official ms':>12} "
              f"{'speed-up':>9}  {'pytfjs output in TF.js':<26} official output in TF.js")
        speedups = []
        good = {"pytfjs": [], "official": []}  # fixtures TF.js loads and predicts (1e-5)
        for name, in_process, cli, official, ours, theirs in rows:
            expected = REFS[name]["output"]
            mine = verdict(results[ours], expected)
            if (max_error(results[ours], expected) or 0.0) <= 1e-5 and \
                    "error" not in results[ours]:
                good["pytfjs"].append(name)
            if official is not None and official > 0 and "error" not in results[theirs] \
                    and (max_error(results[theirs], expected) or 0.0) <= 1e-5:
                good["official"].append(name)
            if official is None:
                theirs_text, off_text, ratio = "not installed", "-", "-"
            elif official < 0:
                theirs_text, off_text, ratio = "conversion failed", f"{-official:,.0f}", "-"
            else:
                theirs_text = verdict(results[theirs], expected)
                off_text = f"{official:,.0f}"
                speedups.append(official / cli)
                ratio = f"x{official / cli:.1f}"
            print(f"{name:<22} {in_process:>10.1f} {cli:>14,.0f} {off_text:>12} {ratio:>9}  "
                  f"{mine:<26} {theirs_text}")
        print(f"\nTF.js 4.22 loads and predicts (within 1e-5 of Keras) {len(good['pytfjs'])} "
              f"of {len(rows)} pytfjs outputs and {len(good['official'])} of {len(rows)} "
              "official outputs")
        print(f"  official ones that work: {', '.join(good['official']) or 'none'}")
        if speedups:
            print(f"\nCLI against CLI: pytfjs is x{min(speedups):.1f}-x{max(speedups):.1f} "
                  f"faster, median x{statistics.median(speedups):.1f}, "
                  f"{sum(r >= 10 for r in speedups)} of {len(speedups)} files >= x10 "
                  "(goal: >= x10; one run each, so a busy CPU moves single rows)")
    shutil.rmtree(ROOT / "bench/official_converter_shim/tensorflow_decision_forests/"
                  "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
