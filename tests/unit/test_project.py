"""The webcam studio's project file (pytfjs.project) on plain CPython: written and read back
exactly, the same project the same bytes, every kind of bad file refused with a message
naming it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from pytfjs import project
from pytfjs.control import InputError
from pytfjs.project import EmbeddingModel, Project, ProjectError, TrainedModel
from pytfjs.transfer import THUMB_SIZE, Samples

EMBEDDING = EmbeddingModel("mobilenet_v2", "embedding", "ab" * 32, 1280)
HEAD = {"model.json": json.dumps({"modelTopology": {}, "weightsManifest": [
    {"paths": ["weights.bin"], "weights": []}]}).encode(), "weights.bin": bytes(range(256)) * 3}


def make_samples(per_class: int = 3, seed: int = 0) -> Samples:
    rng = np.random.default_rng(seed)
    samples = Samples(["rock", "paper", "scissors"])
    for info in samples.classes:
        for _ in range(per_class):
            samples.add(info.id, rng.normal(size=1280).astype(np.float32),
                        rng.integers(0, 256, (THUMB_SIZE, THUMB_SIZE, 3), dtype=np.uint8))
    return samples


def make_project(samples: Samples | None = None, trained: bool = True) -> Project:
    samples = samples or make_samples()
    model = TrainedModel(dict(HEAD), "2026-12-06T17:00:00Z", len(samples), 3,
                         project.samples_digest(samples), {"epochs": 5}) if trained else None
    return Project.of(samples, EMBEDDING, {"epochs": 5, "lr": 0.001, "batch": 16}, model)


def rewrite(data: bytes, change: dict[str, bytes | None], rehash: bool = False) -> bytes:
    """The zip with members replaced (None: removed); ``rehash`` updates project.json's
    sha256s so that only the content, not the checksum, is wrong."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {name: src.read(name) for name in src.namelist()}
    for name, value in change.items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value
    if rehash:
        doc = json.loads(members["project.json"])
        for name in doc["members"]:
            if name in members:
                doc["members"][name] = {"sha256": hashlib.sha256(members[name]).hexdigest(),
                                        "bytes": len(members[name])}
        members["project.json"] = json.dumps(doc).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, value in members.items():
            dst.writestr(name, value)
    return out.getvalue()


def test_written_and_read_back_exactly_and_the_same_project_gives_the_same_bytes():
    samples = make_samples()
    original = make_project(samples)
    data = project.write(original)
    assert data == project.write(make_project(make_samples()))  # deterministic
    back = project.read(data, "p.zip", EMBEDDING)
    assert back.classes == ["rock", "paper", "scissors"]
    assert back.labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert back.embeddings.dtype == np.float32
    np.testing.assert_array_equal(back.embeddings, original.embeddings)  # bit for bit
    np.testing.assert_array_equal(back.thumbnails, original.thumbnails)
    assert back.embedding == EMBEDDING and back.settings["epochs"] == 5
    assert back.model is not None and back.model.files == HEAD
    assert back.model.summary() == "model trained 2026-12-06 17:00 UTC on 9 samples of 3 classes"
    # the samples as the studio keeps them: renumbered, but the same training data
    restored = back.to_samples()
    assert restored.names == samples.names and len(restored) == 9
    assert project.samples_digest(restored) == project.samples_digest(samples)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["project.json", project.LABELS, project.EMBEDDINGS,
                                      project.THUMBNAILS, project.HEAD_JSON,
                                      project.HEAD_WEIGHTS]
        doc = json.loads(archive.read("project.json"))
    assert doc["format"] == "pytfjs webcam project" and doc["version"] == 1
    assert doc["members"][project.EMBEDDINGS]["bytes"] == 9 * 1280 * 4


def test_a_project_without_a_trained_model():
    back = project.read(project.write(make_project(trained=False)), "p.zip", EMBEDDING)
    assert back.model is None and "no trained model" in back.describe()


def test_the_samples_digest_follows_the_training_data_not_the_names():
    samples = make_samples()
    digest = project.samples_digest(samples)
    samples.rename(samples.classes[0].id, "fist")
    assert project.samples_digest(samples) == digest
    samples.remove(samples.ids()[0])
    assert project.samples_digest(samples) != digest


def test_the_embedding_model_is_named_by_the_sha256_of_its_files_in_manifest_order():
    doc = {"weightsManifest": [{"paths": ["b.bin", "a.bin"]}]}
    files = {"model.json": json.dumps(doc).encode(), "a.bin": b"A", "b.bin": b"B"}
    expected = hashlib.sha256(files["model.json"] + b"B" + b"A").hexdigest()
    assert project.model_digest(files) == expected
    assert EmbeddingModel.of_files("m", "cut", 4, files).sha256 == expected


@pytest.mark.parametrize("change, rehash, message", [
    ({project.EMBEDDINGS: b"\0" * (9 * 1280 * 4)}, False,
     "is damaged (samples/embeddings.f32 does not match its sha256 in project.json)"),
    ({project.HEAD_WEIGHTS: None}, False, "is damaged (model/weights.bin is missing)"),
    ({"extra.txt": b"hello"}, False, "is damaged (extra.txt is not listed in project.json)"),
    ({project.LABELS: b"[0, 1, 7, 0, 0, 0, 0, 0, 0]"}, True,
     "is damaged (samples/labels.json does not give a class for each of the 9 samples)"),
    ({project.EMBEDDINGS: np.full(9 * 1280, np.nan, "<f4").tobytes()}, True,
     "is damaged (an embedding holds NaN or infinite values)"),
    ({project.THUMBNAILS: b"\0" * 10}, True, "is damaged (the sample arrays do not hold 9"),
    ({"project.json": b"{not json"}, False, "is damaged (project.json is not valid JSON"),
    ({"project.json": None}, False, "is not a pytfjs webcam project (it has no project.json)"),
])
def test_damaged_files_are_refused_naming_the_file(change, rehash, message):
    data = rewrite(project.write(make_project()), change, rehash)
    with pytest.raises(ProjectError) as refused:
        project.read(data, "class-4b.zip", EMBEDDING)
    assert str(refused.value).startswith(f"class-4b.zip {message}"), str(refused.value)
    assert isinstance(refused.value, InputError)


def test_unreadable_zips_are_damaged_files():
    data = project.write(make_project())
    for bad in (b"", b"not a zip at all", data[: len(data) // 2]):
        with pytest.raises(ProjectError, match=r"^p\.zip is damaged \(not a readable zip"):
            project.read(bad, "p.zip", EMBEDDING)
    # a byte flipped inside the compressed embeddings: the zip's own CRC (or zlib) says so
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(project.EMBEDDINGS)
    flipped = bytearray(data)
    flipped[info.header_offset + 30 + len(info.filename) + 50] ^= 0xFF
    with pytest.raises(ProjectError, match=r"^p\.zip is damaged"):
        project.read(bytes(flipped), "p.zip", EMBEDDING)


def test_a_zip_that_unpacks_too_large_is_refused_unread(monkeypatch):
    monkeypatch.setattr(project, "MAX_UNZIPPED", 1000)
    with pytest.raises(ProjectError, match="it unpacks to over 0 MB"):
        project.read(project.write(make_project()), "big.zip", EMBEDDING)


def test_other_versions_formats_and_embedding_models_are_refused():
    data = project.write(make_project())
    doc = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("project.json"))
    future = rewrite(data, {"project.json": json.dumps({**doc, "version": 2}).encode()})
    with pytest.raises(ProjectError, match=r"^new\.zip is a project of format version 2; "
                       r"this site reads version 1\..*Your project is unchanged\."):
        project.read(future, "new.zip", EMBEDDING)
    other = rewrite(data, {"project.json": json.dumps({**doc, "format": "tm"}).encode()})
    with pytest.raises(ProjectError, match="is not a pytfjs webcam project"):
        project.read(other, "tm.zip", EMBEDDING)
    elsewhere = EmbeddingModel("mobilenet_v2", "embedding", "cd" * 32, 1280)
    with pytest.raises(ProjectError, match=r"^p\.zip was made with another embedding model: "
                       r"mobilenet_v2 up to 'embedding' \(sha256 abababababab\.\.\.\); this lab "
                       r"uses mobilenet_v2 up to 'embedding' \(sha256 cdcdcdcdcdcd\.\.\.\)"):
        project.read(data, "p.zip", elsewhere)
    assert project.read(data, "p.zip").embedding == EMBEDDING  # unchecked without one
