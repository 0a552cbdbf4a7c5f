"""node-red-contrib-pytfjs/lib without Node-RED: what it accepts as an export, and the
message for each export it cannot load (the config node shows that message)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from pytfjs.export import zip_files
from testkit.exported_models import csv_export
from testkit.harness import ROOT


def run(tmp_path: Path, jobs: list[dict]) -> list[dict]:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(jobs))
    proc = subprocess.run([shutil.which("node"), "tests/node/pytfjs_load.js", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.strip().splitlines()]


@pytest.fixture(scope="module")
def fruit(tmp_path_factory):
    return csv_export(tmp_path_factory.mktemp("lib") / "fruit-model")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_folder_a_zip_a_zipped_folder_and_model_json_are_the_same_export(fruit, tmp_path):
    files = files_of(fruit.folder)
    (tmp_path / "m.zip").write_bytes(zip_files(files))
    (tmp_path / "nested.zip").write_bytes(zip_files({f"fruit-model/{n}": b
                                                     for n, b in files.items()}))
    row = {"json": {"width": 3.9, "height": "1,2", "colour": " red "}}
    out = run(tmp_path, [{"source": str(s), "payloads": [row]} for s in
                         (fruit.folder, tmp_path / "m.zip", tmp_path / "nested.zip",
                          fruit.folder / "model.json")])
    assert [o["kind"] for o in out] == ["csv"] * 4
    assert all(o["results"] == out[0]["results"] for o in out)
    expected = fruit.outputs([{"width": 3.9, "height": 1.2, "colour": "red"}])[0]
    assert out[0]["results"][0]["payload"]["output"] == pytest.approx(expected, abs=1e-4)
    assert out[0]["tensorsAfter"] == out[0]["tensorsBefore"]
    assert out[0]["tensorsDisposed"] == 0  # dispose() frees the weights


def test_exports_that_cannot_be_loaded_are_named(fruit, tmp_path):
    files = files_of(fruit.folder)
    broken = {}
    for name, change in {
        "no-weights": lambda f: f.pop("group1-shard1of1.bin"),
        "graph": lambda f: f.update({"model.json": json.dumps(
            {**json.loads(f["model.json"]), "format": "graph-model"}).encode()}),
        "bad-json": lambda f: f.update({"preprocessing.json": b"{not json"}),
        "bad-pre": lambda f: f.update({"preprocessing.json": json.dumps(
            {**json.loads(f["preprocessing.json"]), "mean": [0.0]}).encode()}),
        "bad-meta": lambda f: f.update({"metadata.json": json.dumps(
            {"labels": ["a", "b"], "input_size": 224, "mean": [0, 0, 0]}).encode()}),
        "text-model": lambda f: f.update({"model.json": b'{"hello": 1}'}),
    }.items():
        copy = dict(files)
        change(copy)
        folder = tmp_path / name
        folder.mkdir()
        for n, b in copy.items():
            (folder / n).write_bytes(b)
        broken[name] = folder
    (tmp_path / "empty").mkdir()
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 no zip")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("notes.txt", "hello")
    cases = {
        str(tmp_path / "nope"): "nope does not exist: check the model path",
        str(tmp_path / "empty"): "empty has no model.json: choose the folder (or the .zip)",
        str(tmp_path / "not.zip"): "not.zip is not a readable zip",
        str(tmp_path / "other.zip"): "other.zip holds no model.json",
        str(broken["no-weights"]): "has no group1-shard1of1.bin: the export is incomplete",
        str(broken["graph"]): "holds a TF.js graph model: these nodes run layers models",
        str(broken["bad-json"]): "preprocessing.json in",
        str(broken["bad-pre"]): '"mean" and "scale" must have 5 values, one per model input',
        str(broken["bad-meta"]): "has no valid std: export the model again",
        str(broken["text-model"]): "is not a TF.js model (no modelTopology",
        "  ": "no model path",
    }
    out = run(tmp_path, [{"source": s} for s in cases])
    for (source, message), result in zip(cases.items(), out, strict=True):
        assert message in result.get("error", ""), (source, result)
        assert result["tensors"] == 0, source  # nothing half-loaded stays behind
    assert "is not valid JSON" in out[6]["error"]


def test_models_loading_together_switch_the_backend_once(fruit, tmp_path):
    """Model nodes start together; none may load while another initialises the backend."""
    script = """
const { loadExport, predict, tf } = require('./node-red-contrib-pytfjs/lib');
(async () => {
  const source = process.argv[1];
  const loaded = await Promise.all([1, 2, 3].map(() => loadExport(source, { backend: 'wasm' })));
  const out = await Promise.all(loaded.map((l) => predict(l, [3.9, 1.2, 'red'])));
  let error = '';
  try { await loadExport(source, { backend: 'webgpu' }); } catch (e) { error = e.message; }
  console.log(JSON.stringify({ switched: loaded.map((l) => [l.previous, l.backend]),
    outputs: out.map((o) => o.payload.output), backend: tf.getBackend(), error }));
})();
"""
    proc = subprocess.run([shutil.which("node"), "-e", script, str(fruit.folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["switched"] == [["cpu", "wasm"], ["wasm", "wasm"], ["wasm", "wasm"]]
    assert result["backend"] == "wasm"
    expected = fruit.outputs([{"width": 3.9, "height": 1.2, "colour": "red"}])[0]
    for output in result["outputs"]:
        assert output == pytest.approx(expected, abs=1e-4)
    assert result["error"] == 'TF.js has no "webgpu" backend: choose cpu or wasm'


def test_webcam_projects_that_cannot_be_used_are_named(fruit, tmp_path):
    """Checked before any weight is loaded: format version, every member's sha256, a
    trained head, and the embedding model's sha256 (here the fruit model is not the
    MobileNetV2 the project names)."""
    from pytfjs import project
    from tests.unit.test_project import EMBEDDING, make_project, rewrite

    good = project.write(make_project())
    doc = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("project.json"))
    files = {
        "future.zip": rewrite(good, {"project.json": json.dumps(
            {**doc, "version": 2}).encode()}),
        "flipped.zip": rewrite(good, {project.LABELS: b"[2, 2, 2, 1, 1, 1, 0, 0, 0]"}),
        "untrained.zip": project.write(make_project(trained=False)),
        "good.zip": good,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    cases = [
        ("future.zip", "is a project of format version 2; this package reads version 1"),
        ("flipped.zip", "is damaged: samples/labels.json does not match its sha256"),
        ("untrained.zip", "holds no trained model: train in the studio"),
        ("good.zip", "is a pytfjs webcam project: set the model node's Embedding model to "
                     "the folder of mobilenet_v2"),
    ]
    jobs = [{"source": str(tmp_path / name)} for name, _ in cases]
    jobs.append({"source": str(tmp_path / "good.zip"), "embedding": str(fruit.folder)})
    cases.append(("good.zip", f"was made with mobilenet_v2 (sha256 {EMBEDDING.sha256[:12]}"
                              f"...), but {fruit.folder} is another model"))
    for (source, message), result in zip(cases, run(tmp_path, jobs), strict=True):
        assert message in result.get("error", ""), (source, result)
        assert result["tensors"] == 0, source


def test_projects_of_an_earlier_conversion_of_the_embedding_model_are_used():
    """lib/project.js accepts the same earlier conversions as py/pytfjs/project.py."""
    from pytfjs import project

    old, new = next(iter(project.SAME_EMBEDDINGS.items()))
    script = ("const p = require('./node-red-contrib-pytfjs/lib/project.js');"
              "const [o, n] = process.argv.slice(1);"
              "console.log(JSON.stringify({map: p.SAME_EMBEDDINGS, same: ["
              "p.sameEmbeddings(o, n), p.sameEmbeddings(n, n), p.sameEmbeddings(n, o),"
              "p.sameEmbeddings('cd'.repeat(32), n), p.sameEmbeddings(o, 'cd'.repeat(32)),"
              "p.sameEmbeddings('toString', n)]}))")
    proc = subprocess.run([shutil.which("node"), "-e", script, old, new], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["map"] == project.SAME_EMBEDDINGS
    assert out["same"] == [True, True, True, False, False, False]
