"""A webcam studio's project as one file: a zip that writes, reads and checks itself.

    data = write(project)                           # bytes of a .zip
    project = read(data, "rpsls-project.zip", embedding=current_embedding_model)

The layout (docs/webcam-project.md describes it for readers in other languages):

- ``project.json``: format name and version, the classes (in output order), settings,
  the embedding model's identity, the trained model's summary (or null), and the sha256
  and size of every other member;
- ``samples/labels.json``: each sample's class (its position in ``classes``), oldest first;
- ``samples/embeddings.f32``: float32 little-endian [samples, embedding_size];
- ``samples/thumbnails.u8``: uint8 RGB [samples, 48, 48, 3];
- ``model/model.json`` + ``model/weights.bin``: the trained head in TF.js layers format
  (input: one embedding; output: softmax over the classes); absent if never trained.

Everything here is plain Python + numpy (runs on CPython); the studio does the browser
side. Reading refuses, with :class:`ProjectError` naming the file and what to do, a zip
that is damaged (unreadable, a member missing or not matching its sha256, arrays of the
wrong size), of another format or version, or made for another embedding model; nothing
is changed before the whole file has been checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .control import InputError
from .i18n import _, ngettext
from .transfer import MAX_CLASSES, MAX_NAME, THUMB_SIZE, Samples

FORMAT = "pytfjs webcam project"
VERSION = 1
PROJECT_JSON = "project.json"
LABELS, EMBEDDINGS, THUMBNAILS = ("samples/labels.json", "samples/embeddings.f32",
                                  "samples/thumbnails.u8")
HEAD_JSON, HEAD_WEIGHTS = "model/model.json", "model/weights.bin"
MAX_UNZIPPED = 512 * 1024 * 1024  # a zip that unpacks to more is refused unread
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class ProjectError(InputError):
    """A project file this site cannot use; the message names it and says what to do."""


@dataclass(frozen=True)
class EmbeddingModel:
    """Which network made the embeddings: its name, the layer cut at, and a sha256 of its
    files (``model.json`` then each weight shard in manifest order, concatenated)."""

    name: str
    cut: str
    sha256: str
    size: int  # numbers per embedding

    @classmethod
    def of_files(cls, name: str, cut: str, size: int, files: Mapping[str, bytes]
                 ) -> EmbeddingModel:
        return cls(name, cut, model_digest(files), size)

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "cut": self.cut, "sha256": self.sha256,
                "embedding_size": self.size}

    def describe(self) -> str:
        return f"{self.name} up to {self.cut!r} (sha256 {self.sha256[:12]}...)"


# Earlier conversions of a model that compute the same embeddings, up to float32 rounding,
# as the conversion named: a project or kept head made with one is used with the other.
# mobilenet_v2 before its batch norms were folded into the convolutions (issue 34): the
# embeddings differ by at most 1.5e-6 in float64 (tests/unit/test_mobilenet.py).
SAME_EMBEDDINGS = {
    "fe1cd3479ed8c2217e10ab1066a27066ed04e71389f58cbf52c5d1534314d0b4":
        "8f1e019a5fbad56bfde5b8a5667f88976eba217025a102ca974fbb833d69c20b",
}


def same_embeddings(a: EmbeddingModel, b: EmbeddingModel) -> bool:
    """Whether embeddings made by ``a`` can be used where ``b`` makes them: the same name,
    cut and size, and the same files or conversions of them listed in SAME_EMBEDDINGS."""
    return ((a.name, a.cut, a.size) == (b.name, b.cut, b.size)
            and SAME_EMBEDDINGS.get(a.sha256, a.sha256) == SAME_EMBEDDINGS.get(b.sha256,
                                                                               b.sha256))


def model_digest(files: Mapping[str, bytes]) -> str:
    """sha256 of a TF.js layers model's ``model.json`` followed by its shards in the order
    its weightsManifest lists them (what identifies an embedding model)."""
    digest = hashlib.sha256(files["model.json"])
    for group in json.loads(files["model.json"])["weightsManifest"]:
        for path in group["paths"]:
            digest.update(files[path])
    return digest.hexdigest()


def samples_digest(samples: Samples) -> str:
    """sha256 of what a model is trained on: the number of classes, then each sample's
    class position and embedding, oldest first. Renaming a class does not change it, nor
    does a project's export and import (which numbers samples and classes afresh)."""
    x, y = samples.arrays()
    digest = hashlib.sha256(np.array([len(samples.classes)], "<i8").tobytes())
    digest.update(y.astype("<i8").tobytes())
    digest.update(x.astype("<f4").tobytes())
    return digest.hexdigest()


@dataclass
class TrainedModel:
    """A trained head and what it was trained on."""

    files: dict[str, bytes]  # model.json + weights.bin (TF.js layers format)
    when: str  # ISO 8601 UTC
    samples: int
    classes: int
    samples_sha256: str  # samples_digest at training time
    settings: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"trained": self.when, "samples": self.samples, "classes": self.classes,
                "samples_sha256": self.samples_sha256, "settings": self.settings}

    @classmethod
    def from_record(cls, files: dict[str, bytes], record: Mapping[str, Any]) -> TrainedModel:
        return cls(files, str(record["trained"]), int(record["samples"]),
                   int(record["classes"]), str(record["samples_sha256"]),
                   dict(record.get("settings") or {}))

    @property
    def nbytes(self) -> int:
        return sum(len(v) for v in self.files.values())

    def summary(self) -> str:
        when = self.when.replace("T", " ")[:16] + " UTC"
        return ngettext("model trained {when} on {n} sample of {classes} classes",
                        "model trained {when} on {n} samples of {classes} classes",
                        self.samples).format(when=when, n=self.samples, classes=self.classes)


@dataclass
class Project:
    """What a project file holds, in memory."""

    classes: list[str]
    labels: NDArray[Any]  # int32 [n]: each sample's class position
    embeddings: NDArray[Any]  # float32 [n, size]
    thumbnails: NDArray[Any]  # uint8 [n, 48, 48, 3]
    embedding: EmbeddingModel
    settings: dict[str, Any] = field(default_factory=dict)
    model: TrainedModel | None = None

    @classmethod
    def of(cls, samples: Samples, embedding: EmbeddingModel, settings: Mapping[str, Any],
           model: TrainedModel | None) -> Project:
        """The project of a studio's samples (oldest first) and its trained model."""
        x, y = samples.arrays()
        blank = np.zeros((THUMB_SIZE, THUMB_SIZE, 3), np.uint8)
        thumbs = np.zeros((len(y), THUMB_SIZE, THUMB_SIZE, 3), np.uint8)
        for row, sample_id in enumerate(samples.ids()):
            thumb = samples.thumbnail(sample_id)
            thumbs[row] = blank if thumb is None else thumb
        return cls(samples.names, y, x, thumbs, embedding, dict(settings), model)

    def to_samples(self) -> Samples:
        """The samples as a studio keeps them (class ids 1..K, sample ids 1..n)."""
        samples = Samples(self.classes, self.embedding.size)
        ids = [c.id for c in samples.classes]
        for row, label in enumerate(self.labels):
            samples.add(ids[int(label)], self.embeddings[row], self.thumbnails[row])
        return samples

    def describe(self) -> str:
        trained = self.model.summary() if self.model else _("no trained model")
        return (ngettext("{n} sample of {classes} classes ({names}), {trained}",
                         "{n} samples of {classes} classes ({names}), {trained}",
                         len(self.labels))
                .format(n=len(self.labels), classes=len(self.classes),
                        names=", ".join(self.classes), trained=trained))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(project: Project) -> bytes:
    """The project as zip bytes (fixed timestamps: the same project, the same bytes)."""
    members: dict[str, bytes] = {
        LABELS: json.dumps([int(v) for v in project.labels]).encode(),
        EMBEDDINGS: np.ascontiguousarray(project.embeddings, "<f4").tobytes(),
        THUMBNAILS: np.ascontiguousarray(project.thumbnails, np.uint8).tobytes(),
    }
    if project.model is not None:
        members[HEAD_JSON] = project.model.files["model.json"]
        members[HEAD_WEIGHTS] = project.model.files["weights.bin"]
    doc = {
        "format": FORMAT, "version": VERSION,
        "classes": list(project.classes),
        "samples": {"count": len(project.labels), "embedding_size": project.embedding.size,
                    "thumbnail_size": [THUMB_SIZE, THUMB_SIZE, 3]},
        "embedding_model": project.embedding.record(),
        "settings": project.settings,
        "model": None if project.model is None else {
            **project.model.record(), "files": [HEAD_JSON, HEAD_WEIGHTS],
            "format": "TF.js layers model (input: one embedding, output: softmax over classes)"},
        "members": {name: {"sha256": _sha(data), "bytes": len(data)}
                    for name, data in members.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(PROJECT_JSON, (json.dumps(doc, indent=1) + "\n").encode()),
                           *members.items()]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def read(data: bytes, file_name: str, embedding: EmbeddingModel | None = None) -> Project:
    """The project in zip ``data`` (called ``file_name``), checked member by member;
    with ``embedding``, it must have been made with that embedding model."""
    def damaged(why: str) -> ProjectError:
        return ProjectError(_("{file_name} is damaged ({why}); nothing was imported, your "
                              "project is unchanged. Export the project again from where it "
                              "was made, and copy the file again.")
                            .format(file_name=file_name, why=why))

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in archive.infolist()}
        if sum(i.file_size for i in infos.values()) > MAX_UNZIPPED:
            raise damaged(_("it unpacks to over {value} MB").format(value=MAX_UNZIPPED // 2 ** 20))
        if PROJECT_JSON not in infos:
            raise ProjectError(_("{file_name} is not a pytfjs webcam project (it has no "
                               "{PROJECT_JSON}): choose a file that Export project made. Your "
                               "project is unchanged.")
                                   .format(file_name=file_name, PROJECT_JSON=PROJECT_JSON))
        files = {name: archive.read(name) for name in infos if not name.endswith("/")}
    except ProjectError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            ValueError, NotImplementedError) as exc:
        raise damaged(_("not a readable zip: {exc}").format(exc=exc)) from None
    try:
        doc = json.loads(files[PROJECT_JSON])
        if not isinstance(doc, dict):
            raise ValueError(_("not an object"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise damaged(_("{PROJECT_JSON} is not valid JSON: {exc}")
                      .format(PROJECT_JSON=PROJECT_JSON, exc=exc)) from None
    if doc.get("format") != FORMAT:
        raise ProjectError(_("{file_name} is not a pytfjs webcam project (its format is "
                           "{get!r}): choose a file that Export project made. "
                           "Your project is unchanged.")
                               .format(file_name=file_name, get=doc.get('format')))
    if doc.get("version") != VERSION:
        raise ProjectError(_("{file_name} is a project of format version "
                           "{get!r}; this site reads version {VERSION}. "
                           "Open it with the site that made it (or a newer one), or export "
                           "it again there. Your project is unchanged.")
                               .format(file_name=file_name, get=doc.get('version'),
                                       VERSION=VERSION))
    try:
        return _checked(doc, files, file_name, embedding, damaged)
    except (KeyError, TypeError, ValueError, InputError) as exc:
        if isinstance(exc, ProjectError):
            raise
        raise damaged(f"{type(exc).__name__}: {exc}") from None


def _checked(doc: dict[str, Any], files: dict[str, bytes], file_name: str,
             embedding: EmbeddingModel | None, damaged: Any) -> Project:
    members = doc["members"]
    for name, info in members.items():
        if name not in files:
            raise damaged(_("{name} is missing").format(name=name))
        if _sha(files[name]) != info["sha256"] or len(files[name]) != int(info["bytes"]):
            raise damaged(_("{name} does not match its sha256 in {PROJECT_JSON}")
                          .format(name=name, PROJECT_JSON=PROJECT_JSON))
    for name in files:
        if name != PROJECT_JSON and name not in members:
            raise damaged(_("{name} is not listed in {PROJECT_JSON}")
                          .format(name=name, PROJECT_JSON=PROJECT_JSON))
    made_with = doc["embedding_model"]
    their = EmbeddingModel(str(made_with["name"]), str(made_with["cut"]),
                           str(made_with["sha256"]), int(made_with["embedding_size"]))
    if embedding is not None and not same_embeddings(their, embedding):
        raise ProjectError(_("{file_name} was made with another embedding model: "
                           "{describe}; this lab uses {describe2}. Its "
                           "samples and model cannot be used here; your project is unchanged.")
                               .format(file_name=file_name, describe=their.describe(),
                                       describe2=embedding.describe()))
    classes = [str(c) for c in doc["classes"]]
    if not 2 <= len(classes) <= MAX_CLASSES or any(
            not c.strip() or len(c) > MAX_NAME for c in classes):
        raise damaged(_("its classes {classes!r} are not 2 to {MAX_CLASSES} names")
                      .format(classes=classes, MAX_CLASSES=MAX_CLASSES))
    Samples(classes, their.size)  # distinct, clean names (InputError otherwise)
    labels = np.array(json.loads(files[LABELS]), dtype=np.int64).reshape(-1)
    count = int(doc["samples"]["count"])
    size = their.size
    if len(labels) != count or (count and not (0 <= labels.min() and
                                               labels.max() < len(classes))):
        raise damaged(_("{LABELS} does not give a class for each of the {count} samples")
                      .format(LABELS=LABELS, count=count))
    embeddings = np.frombuffer(files[EMBEDDINGS], "<f4")
    thumbs = np.frombuffer(files[THUMBNAILS], np.uint8)
    if embeddings.size != count * size or thumbs.size != count * THUMB_SIZE ** 2 * 3:
        raise damaged(_("the sample arrays do not hold {count} samples").format(count=count))
    if not np.isfinite(embeddings).all():
        raise damaged(_("an embedding holds NaN or infinite values"))
    model = None
    if doc.get("model") is not None:
        head = {"model.json": files[HEAD_JSON], "weights.bin": files[HEAD_WEIGHTS]}
        model = TrainedModel.from_record(head, doc["model"])
        if model.classes != len(classes):
            raise damaged(_("its model has {classes} classes, the project "
                          "{n}").format(classes=model.classes, n=len(classes)))
    return Project(classes, labels.astype(np.int32),
                   embeddings.astype(np.float32).reshape(count, size),
                   thumbs.reshape(count, THUMB_SIZE, THUMB_SIZE, 3).copy(), their,
                   dict(doc.get("settings") or {}), model)


def kept_model_record(model: TrainedModel, embedding: EmbeddingModel,
                      class_ids: Sequence[int]) -> dict[str, Any]:
    """What the studio keeps in IndexedDB beside the head's files (JSON-ready)."""
    return {**model.record(), "class_ids": list(class_ids),
            "embedding_model": embedding.record()}
