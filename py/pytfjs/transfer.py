"""Transfer learning on embeddings: the sample set, its split, and the exported model.

    samples = Samples(["rock", "paper", "scissors"])
    sample_id = samples.add(class_id, embedding, thumbnail)   # float32 [1280], uint8 [48, 48, 3]
    x, y = samples.arrays()                                   # float32 [n, 1280], int32 [n]
    (x_train, y_train), (x_val, y_val) = split(x, y, 0.15, seed=0)
    files = combine(base_files, head_files, cut="embedding")  # one TF.js functional model

Every sample is one small numpy array (an embedding of a pretrained network, 5 KB for
MobileNetV2's 1,280 floats): adding one costs the same whether the set holds ten or ten
thousand, and nothing of it lives on the GPU. The arrays are stacked only to train.

All of this is plain Python + numpy and runs on CPython; the browser parts (fetching the
base model's files, saving the head) are in :func:`export_files`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .control import InputError
from .convert.writer import decode_weights, layers_model_files
from .i18n import _, ngettext

EMBEDDING_SIZE = 1280
THUMB_SIZE = 48  # thumbnails are THUMB_SIZE x THUMB_SIZE RGB
MAX_NAME = 40
MAX_CLASSES = 20


@dataclass
class ClassInfo:
    """One class: a stable ``id`` (samples refer to it) and a ``name`` you may change."""

    id: int
    name: str


class Samples:
    """Labelled embeddings (plus a thumbnail each), kept as numpy on the CPU side.

    Adding, deleting and counting cost the same for ten samples or ten thousand.
    """

    def __init__(self, names: Sequence[str], embedding_size: int = EMBEDDING_SIZE) -> None:
        self.embedding_size = embedding_size
        self.classes: list[ClassInfo] = []
        self._embeddings: dict[int, NDArray[Any]] = {}
        self._labels: dict[int, int] = {}  # sample id -> class id
        self._members: dict[int, dict[int, None]] = {}  # class id -> its sample ids, in order
        self._thumbs: dict[int, NDArray[Any]] = {}
        self._thumb_bytes = 0
        self._next_sample = 1
        self._next_class = 1
        for name in names:
            self.add_class(name)

    # ---------------------------------------------------------------- classes

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def find(self, class_id: int) -> ClassInfo:
        for info in self.classes:
            if info.id == class_id:
                return info
        raise InputError(_("there is no class with id {class_id} any more")
                         .format(class_id=class_id))

    def index(self, class_id: int) -> int:
        """The class's position: its output unit in a model trained on these classes."""
        return self.classes.index(self.find(class_id))

    def _check_name(self, name: str, class_id: int | None = None) -> str:
        clean = " ".join(str(name).split())
        if not clean:
            raise InputError(_("a class needs a name: type one (letters, digits, spaces)."))
        if len(clean) > MAX_NAME:
            raise InputError(_("class names are at most {MAX_NAME} characters; "
                             "{clean!r}... is {n}.")
                                 .format(MAX_NAME=MAX_NAME, clean=clean[:20], n=len(clean)))
        for other in self.classes:
            if other.name.lower() == clean.lower() and other.id != class_id:
                raise InputError(_("there is already a class called {name!r}: "
                                 "pick another name.").format(name=other.name))
        return clean

    def add_class(self, name: str | None = None) -> ClassInfo:
        if len(self.classes) >= MAX_CLASSES:
            raise InputError(_("at most {MAX_CLASSES} classes: remove one first.")
                             .format(MAX_CLASSES=MAX_CLASSES))
        if name is None:
            number = len(self.classes) + 1
            while any(c.name == f"class {number}" for c in self.classes):
                number += 1
            name = f"class {number}"
        info = ClassInfo(self._next_class, self._check_name(name))
        self._next_class += 1
        self.classes.append(info)
        return info

    def rename(self, class_id: int, name: str) -> ClassInfo:
        info = self.find(class_id)
        info.name = self._check_name(name, class_id)
        return info

    def remove_class(self, class_id: int) -> list[int]:
        """Remove a class and its samples; returns the ids of the samples removed."""
        info = self.find(class_id)
        if len(self.classes) <= 2:
            raise InputError(_("cannot remove {name!r}: a classifier needs at least "
                             "two classes.").format(name=info.name))
        removed = self.remove_samples_of(class_id)
        self.classes.remove(info)
        return removed

    # ---------------------------------------------------------------- samples

    def __len__(self) -> int:
        return len(self._embeddings)

    def add(self, class_id: int, embedding: NDArray[Any], thumbnail: NDArray[Any] | None = None,
            sample_id: int | None = None) -> int:
        """Store one sample (a copy of ``embedding`` as float32); returns its id."""
        self.find(class_id)
        vector = np.array(embedding, dtype=np.float32).reshape(-1)
        if vector.shape != (self.embedding_size,):
            raise InputError(_("an embedding has {embedding_size} numbers, not "
                             "{size}").format(embedding_size=self.embedding_size, size=vector.size))
        if not np.isfinite(vector).all():
            raise InputError(_("this embedding holds NaN or infinite values; the sample was "
                             "not added"))
        if sample_id is None:
            sample_id = self._next_sample
        if sample_id in self._embeddings:
            raise ValueError(_("sample {sample_id} exists already").format(sample_id=sample_id))
        self._next_sample = max(self._next_sample, sample_id + 1)
        self._embeddings[sample_id] = vector
        self._labels[sample_id] = class_id
        self._members.setdefault(class_id, {})[sample_id] = None
        if thumbnail is not None:
            thumb = self._thumbs[sample_id] = np.ascontiguousarray(thumbnail, dtype=np.uint8)
            self._thumb_bytes += thumb.nbytes
        return sample_id

    def remove(self, sample_id: int) -> int:
        """Delete one sample; returns its class id."""
        if sample_id not in self._embeddings:
            raise InputError(_("sample {sample_id} was deleted already")
                             .format(sample_id=sample_id))
        del self._embeddings[sample_id]
        thumb = self._thumbs.pop(sample_id, None)
        if thumb is not None:
            self._thumb_bytes -= thumb.nbytes
        class_id = self._labels.pop(sample_id)
        del self._members[class_id][sample_id]
        return class_id

    def remove_samples_of(self, class_id: int) -> list[int]:
        ids = list(self._members.get(class_id, {}))
        for sample_id in ids:
            self.remove(sample_id)
        return ids

    def clear(self) -> None:
        self._embeddings.clear()
        self._labels.clear()
        self._members.clear()
        self._thumbs.clear()
        self._thumb_bytes = 0

    def count(self, class_id: int) -> int:
        return len(self._members.get(class_id, {}))

    def counts(self) -> dict[int, int]:
        return {c.id: self.count(c.id) for c in self.classes}

    def recent(self, class_id: int, n: int) -> list[tuple[int, NDArray[Any] | None]]:
        """The ``n`` newest samples of a class, newest first: (id, thumbnail)."""
        ids = itertools.islice(reversed(self._members.get(class_id, {})), n)
        return [(i, self._thumbs.get(i)) for i in ids]

    def embedding(self, sample_id: int) -> NDArray[Any]:
        return self._embeddings[sample_id]

    def thumbnail(self, sample_id: int) -> NDArray[Any] | None:
        return self._thumbs.get(sample_id)

    def label(self, sample_id: int) -> int:
        return self._labels[sample_id]

    def ids(self) -> list[int]:
        return sorted(self._embeddings)

    @property
    def nbytes(self) -> int:
        """Bytes of the embeddings (what the classifier learns from)."""
        return len(self._embeddings) * self.embedding_size * 4  # all float32, one size

    @property
    def thumbnail_bytes(self) -> int:
        return self._thumb_bytes

    def arrays(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """(float32 [n, size] embeddings, int32 [n] class positions), oldest sample first."""
        ids = self.ids()
        x = np.empty((len(ids), self.embedding_size), np.float32)
        for row, sample_id in enumerate(ids):
            x[row] = self._embeddings[sample_id]
        position = {c.id: i for i, c in enumerate(self.classes)}
        y = np.array([position[self._labels[i]] for i in ids], np.int32)
        return x, y

    def training_problem(self, min_per_class: int = 2) -> str | None:
        """Why these samples cannot train a classifier yet (None when they can)."""
        counts = self.counts()
        short = [c.name for c in self.classes if counts[c.id] < min_per_class]
        if short:
            listed = ", ".join(short)
            return (ngettext("{classes} has fewer than {n} samples: capture at least {n} per "
                             "class (one to learn from, one to check), or remove the class.",
                             "{classes} have fewer than {n} samples: capture at least {n} per "
                             "class (one to learn from, one to check), or remove the class.",
                             len(short)).format(classes=listed, n=min_per_class))
        return None

    # ---------------------------------------------------------------- storage records

    def meta_record(self) -> dict[str, Any]:
        """The class list as stored beside the samples (JSON-ready)."""
        return {"classes": [[c.id, c.name] for c in self.classes],
                "next_class": self._next_class, "embedding_size": self.embedding_size}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any], default_names: Sequence[str]) -> Samples:
        """An empty set with the stored class list (or the defaults if it is unusable)."""
        size = int(meta.get("embedding_size", EMBEDDING_SIZE))
        samples = cls([], size)
        try:
            for class_id, name in meta["classes"]:
                samples.classes.append(ClassInfo(int(class_id), str(name)))
            samples._next_class = max([int(meta.get("next_class", 1))]
                                      + [c.id + 1 for c in samples.classes])
        except (KeyError, TypeError, ValueError):
            return cls(default_names, size)
        if len(samples.classes) < 2:
            return cls(default_names, size)
        return samples


def split(x: NDArray[Any], y: NDArray[Any], fraction: float = 0.15, seed: int = 0
          ) -> tuple[tuple[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]:
    """A seeded, stratified split: ``fraction`` of each class (at least one sample of every
    class with two or more) goes to validation. Same data and seed, same split."""
    if not 0 < fraction < 1:
        raise ValueError(_("the validation fraction must be between 0 and 1, not {fraction}")
                         .format(fraction=fraction))
    rng = np.random.default_rng(seed)
    val: list[NDArray[Any]] = []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        take = max(1, int(round(fraction * len(rows)))) if len(rows) >= 2 else 0
        val.append(rows[:take])
    val_rows = np.sort(np.concatenate(val)) if val else np.array([], np.int64)
    train_rows = np.setdiff1d(np.arange(len(y)), val_rows)
    train_rows = rng.permutation(train_rows)
    return (x[train_rows], y[train_rows]), (x[val_rows], y[val_rows])


# ------------------------------------------------------------------ one model for export


def _ancestors(layers: Sequence[Mapping[str, Any]], name: str) -> set[str]:
    by_name = {layer["name"]: layer for layer in layers}
    if name not in by_name:
        raise InputError(_("the base model has no layer {name!r} to cut at").format(name=name))
    keep, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in keep:
            continue
        keep.add(current)
        for node in by_name[current].get("inbound_nodes", []):
            todo += [inbound[0] for inbound in node]
    return keep


def combine(base: Mapping[str, bytes], head: Mapping[str, bytes], cut: str
            ) -> dict[str, bytes]:
    """One TF.js functional model: ``base`` up to layer ``cut``, then the ``head``'s layers.

    ``base`` and ``head`` are TF.js layers-model files (``model.json`` + the weight files
    it lists); the head is a Sequential whose input is the output of ``cut``. Returns the
    files of the combined model (model.json + 4 MiB shards): it takes what ``base`` takes
    and outputs what ``head`` outputs.
    """
    base_doc, head_doc = json.loads(base["model.json"]), json.loads(head["model.json"])
    base_config = base_doc["modelTopology"]["model_config"]
    if base_config["class_name"] not in ("Model", "Functional"):
        raise InputError(_("the base must be a functional model"))
    kept_names = _ancestors(base_config["config"]["layers"], cut)
    layers = [layer for layer in base_config["config"]["layers"] if layer["name"] in kept_names]
    head_topology = head_doc["modelTopology"]
    head_config = head_topology.get("model_config", head_topology)
    if head_config["class_name"] != "Sequential":
        raise InputError(_("the head must be a Sequential model"))
    head_layers = head_config["config"]["layers"]
    previous = cut
    for layer in head_layers:
        config = {k: v for k, v in layer["config"].items()
                  if k not in ("batch_input_shape", "input_shape")}
        name = config["name"]
        if name in kept_names:
            raise InputError(_("the head's layer {name!r} has the name of a base layer: "
                             "name the head's layers differently").format(name=name))
        layers.append({"class_name": layer["class_name"], "config": config, "name": name,
                       "inbound_nodes": [[[previous, 0, 0, {}]]]})
        previous = name
    topology = {key: value for key, value in base_doc["modelTopology"].items()
                if key != "model_config"}
    name = f"{base_config['config'].get('name', 'base')}_{cut}_classifier"
    topology["model_config"] = {"class_name": "Model", "config": {
        "name": name, "layers": layers,
        "input_layers": base_config["config"]["input_layers"],
        "output_layers": [[previous, 0, 0]]}}
    base_weights = decode_weights(base_doc["weightsManifest"], base)
    head_weights = decode_weights(head_doc["weightsManifest"], head)
    weights = [(n, w) for n, w in base_weights.items() if n.split("/")[0] in kept_names]
    weights += list(head_weights.items())
    return layers_model_files(topology, weights, generated_by="pytfjs.transfer.combine")


def export_metadata(labels: Sequence[str], base_meta: Mapping[str, Any], cut: str,
                    **extra: Any) -> dict[str, Any]:
    """metadata.json of an exported classifier: how to prepare an image, what comes out."""
    size = int(base_meta["input_size"])
    return {
        "format": "pytfjs image classifier (TF.js layers model)",
        "labels": list(labels),
        "input_size": size,
        "input_shape": [None, size, size, 3],
        "crop": "centre square of the image (short side), resized to "
                f"{size}x{size} by averaging whole-pixel bins (pytfjs.data.images."
                "center_square); the image is not mirrored",
        "channels": "RGB",
        "scale": 255,
        "mean": list(base_meta["mean"]),
        "std": list(base_meta["std"]),
        "normalisation": "float32: (pixel / scale - mean[c]) / std[c] per RGB channel c",
        "output": "softmax probabilities, one per label, in the order of labels",
        "base": f"{base_meta.get('name', 'base model')} up to layer {cut!r}",
        **extra,
    }


async def export_files(base_folder: str, head: Any, labels: Sequence[str], cut: str,
                       **extra: Any) -> dict[str, bytes]:
    """The combined model (base up to ``cut`` + ``head``) and its metadata.json, in memory.

    ``base_folder`` is the base model's folder on this site (its files are fetched from
    the browser's cache); ``head`` a trained TF.js Sequential model.
    """
    from .export import model_files
    from .site_files import fetch_bytes

    base: dict[str, bytes] = {"model.json": await fetch_bytes(f"{base_folder}/model.json")}
    for group in json.loads(base["model.json"])["weightsManifest"]:
        for path in group["paths"]:
            base[path] = await fetch_bytes(f"{base_folder}/{path}")
    base_meta = json.loads(await fetch_bytes(f"{base_folder}/metadata.json"))
    files = combine(base, await model_files(head), cut)
    meta = export_metadata(labels, base_meta, cut, **extra)
    files["metadata.json"] = (json.dumps(meta, indent=1) + "\n").encode()
    return files
