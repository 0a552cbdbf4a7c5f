"""Exports like the labs download them, made on CPython (no browser): for the Node-RED
tests and the bench.

- ``rpsls_export``: what the rpsls lab's Export gives: ``pytfjs.transfer.combine`` of the
  built MobileNetV2 (cut at ``embedding``) and a dense head, plus ``export_metadata`` (the
  lab's own functions), with a seeded random head instead of one trained on webcam frames.
- ``csv_export``: what "Your CSV" gives: ``pytfjs.data.csv`` preparation of a fruit table
  (two numbers, a one-hot text column, an ID column left out) exported as
  ``preprocessing.json`` beside the lab's dense network (32 relu, 16 relu, softmax) with
  seeded weights.
Each comes with a float64 numpy reference of its forward pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pytfjs.convert.writer import layers_model_files
from pytfjs.data import csv
from pytfjs.transfer import combine, export_metadata

RPSLS_LABELS = ("rock", "paper", "scissors")


def _dense(name: str, units: int, activation: str, input_dim: int | None = None) -> dict:
    config = {"units": units, "activation": activation, "use_bias": True, "name": name,
              "trainable": True, "dtype": "float32"}
    if input_dim is not None:
        config["batch_input_shape"] = [None, input_dim]
    return {"class_name": "Dense", "config": config}


def _sequential(layers: list[dict], weights: dict[str, np.ndarray]) -> dict[str, bytes]:
    topology = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers},
                "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
    return layers_model_files(topology, list(weights.items()))


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@dataclass
class RpslsExport:
    folder: Path
    labels: list[str]
    head: dict[str, np.ndarray]

    def head_probabilities(self, embedding: np.ndarray) -> np.ndarray:
        """The head on a float64 MobileNetV2 embedding (testkit.mobilenet_reference)."""
        w = self.head
        hidden = np.maximum(embedding @ w["hidden/kernel"] + w["hidden/bias"], 0)
        logits = hidden @ w["class_probabilities/kernel"] + w["class_probabilities/bias"]
        e = np.exp(logits - logits.max())
        return e / e.sum()


def rpsls_export(model_dir: Path, folder: Path, seed: int = 3,
                 labels: tuple[str, ...] = RPSLS_LABELS) -> RpslsExport:
    """The rpsls lab's export of a 3-class head on ``model_dir`` (dist/models/mobilenet_v2)."""
    doc = json.loads((model_dir / "model.json").read_bytes())
    base = {"model.json": (model_dir / "model.json").read_bytes()}
    for group in doc["weightsManifest"]:
        for path in group["paths"]:
            base[path] = (model_dir / path).read_bytes()
    rng = np.random.default_rng(seed)
    head = {"hidden/kernel": rng.normal(0, 0.05, (1280, 100)).astype(np.float32),
            "hidden/bias": rng.normal(0, 0.1, 100).astype(np.float32),
            "class_probabilities/kernel": rng.normal(0, 0.3, (100, len(labels))).astype(
                np.float32),
            "class_probabilities/bias": rng.normal(0, 0.1, len(labels)).astype(np.float32)}
    layers = [_dense("hidden", 100, "relu", 1280),
              _dense("class_probabilities", len(labels), "softmax")]
    files = combine(base, _sequential(layers, head), "embedding")
    meta = export_metadata(labels, json.loads((model_dir / "metadata.json").read_text()),
                           "embedding", samples=15)
    files["metadata.json"] = (json.dumps(meta, indent=1) + "\n").encode()
    return RpslsExport(_write(folder, files), list(labels), head)


def fruit_csv(rows: int = 300, seed: int = 1) -> str:
    """Three kinds of fruit from two measurements, a colour (text) and an ID column."""
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, 3, rows)
    centres = np.array([[4.0, 1.0], [1.0, 4.0], [4.0, 4.0]])
    xy = centres[kinds] + rng.normal(0, 0.6, (rows, 2))
    colours = np.array(["red", "green", "yellow"])[(kinds + (rng.random(rows) < 0.2)) % 3]
    lines = ["id,width,height,colour,kind"]
    lines += [f"{1000 + i},{x:.3f},{y:.3f},{c},{['apple', 'pear', 'lemon'][k]}"
              for i, ((x, y), c, k) in enumerate(zip(xy, colours, kinds, strict=True))]
    return "\n".join(lines) + "\n"


@dataclass
class CsvExport:
    folder: Path
    prepared: csv.Prepared
    weights: dict[str, np.ndarray]
    rows: list[dict[str, str]]

    def outputs(self, rows: list[dict]) -> np.ndarray:
        """The model's softmax outputs for ``rows``, in float64 after the float32 transform."""
        w = self.weights
        x = self.prepared.transform(rows).astype(np.float64)
        h = np.maximum(x @ w["dense_1/kernel"] + w["dense_1/bias"], 0)
        h = np.maximum(h @ w["dense_2/kernel"] + w["dense_2/bias"], 0)
        logits = h @ w["dense_3/kernel"] + w["dense_3/bias"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def csv_export(folder: Path, seed: int = 4) -> CsvExport:
    """A "Your CSV" classification export (fruit.csv, label "kind", text one-hot)."""
    text = fruit_csv()
    table = csv.read(text.encode(), "fruit.csv")
    prepared = table.prepare("kind", text_features="onehot")
    n_in, n_out = len(prepared.feature_names), len(prepared.class_names)
    rng = np.random.default_rng(seed)
    weights = {"dense_1/kernel": rng.normal(0, 0.5, (n_in, 32)).astype(np.float32),
               "dense_1/bias": rng.normal(0, 0.1, 32).astype(np.float32),
               "dense_2/kernel": rng.normal(0, 0.4, (32, 16)).astype(np.float32),
               "dense_2/bias": rng.normal(0, 0.1, 16).astype(np.float32),
               "dense_3/kernel": rng.normal(0, 0.6, (16, n_out)).astype(np.float32),
               "dense_3/bias": rng.normal(0, 0.1, n_out).astype(np.float32)}
    layers = [_dense("dense_1", 32, "relu", n_in), _dense("dense_2", 16, "relu"),
              _dense("dense_3", n_out, "softmax")]
    files = _sequential(layers, weights)
    files["preprocessing.json"] = json.dumps(prepared.preprocessing(), indent=1).encode()
    rows = [dict(zip(table.columns, values, strict=True))
            for values in zip(*(c.values for c in table.columns.values()), strict=True)]
    return CsvExport(_write(folder, files), prepared, weights, rows)


def rpsls_project(model_dir: Path, export: RpslsExport, samples: int = 6,
                  seed: int = 5) -> bytes:
    """A webcam project (``pytfjs.project``, what the studio's Export project gives) with
    ``export``'s head as its trained model, random samples, and ``model_dir``'s MobileNetV2
    as its embedding model."""
    from pytfjs import project

    doc = json.loads((model_dir / "model.json").read_bytes())
    base = {"model.json": (model_dir / "model.json").read_bytes()}
    for group in doc["weightsManifest"]:
        for path in group["paths"]:
            base[path] = (model_dir / path).read_bytes()
    layers = [_dense("hidden", 100, "relu", 1280),
              _dense("class_probabilities", len(export.labels), "softmax")]
    shards = _sequential(layers, export.head)
    head_doc = json.loads(shards["model.json"])
    weights = b"".join(shards[p] for g in head_doc["weightsManifest"] for p in g["paths"])
    for group in head_doc["weightsManifest"]:  # one file, as TF.js' save gives it
        group["paths"] = []
    head_doc["weightsManifest"][0]["paths"] = ["weights.bin"]
    head = {"model.json": json.dumps(head_doc).encode(), "weights.bin": weights}
    rng = np.random.default_rng(seed)
    labels = np.arange(samples, dtype=np.int32) % len(export.labels)
    embeddings = rng.random((samples, 1280)).astype(np.float32)
    thumbs = rng.integers(0, 256, (samples, 48, 48, 3), dtype=np.uint8)
    embedding = project.EmbeddingModel.of_files("mobilenet_v2", "embedding", 1280, base)
    trained = project.TrainedModel(head, "2026-12-06T12:00:00Z", samples, len(export.labels),
                                   "0" * 64, {"epochs": 20, "lr": 0.001, "batch": 16})
    return project.write(project.Project(list(export.labels), labels, embeddings, thumbs,
                                         embedding, {"epochs": 20}, trained))
