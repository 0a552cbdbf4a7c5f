"""The webcam studio's project file (pytfjs.project) on plain CPython: written and read back
exactly, the same project the same bytes, every kind of bad file refused with a message
naming it; the studio's import, storage and out-of-date bookkeeping around it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

from pytfjs import _compat, project, studio
from pytfjs.control import InputError
from pytfjs.project import EmbeddingModel, Project, ProjectError, TrainedModel
from pytfjs.studio_storage import SampleStorage
from pytfjs.transfer import THUMB_SIZE, Samples
from testkit.studio_fakes import Event, FakePage, step

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


def test_class_names_the_studio_would_refuse_are_damage():
    data = project.write(make_project())
    doc = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("project.json"))
    twice = rewrite(data, {"project.json": json.dumps(
        {**doc, "classes": ["rock", "Rock", "paper"]}).encode()})
    with pytest.raises(ProjectError, match=r"^p\.zip is damaged \(InputError: there is "
                       "already a class called 'rock'"):
        project.read(twice, "p.zip", EMBEDDING)


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


def test_a_project_of_an_earlier_conversion_of_the_same_model_is_read(monkeypatch):
    """SAME_EMBEDDINGS: a project made with an earlier conversion of mobilenet_v2 (before
    the batch norms were folded) is used with today's; only the listed pair, same cut."""
    old, new = next(iter(project.SAME_EMBEDDINGS.items()))
    made = EmbeddingModel("mobilenet_v2", "embedding", old, 1280)
    data = project.write(Project.of(make_samples(), made, {"epochs": 5}, None))
    today = EmbeddingModel("mobilenet_v2", "embedding", new, 1280)
    assert project.read(data, "old.zip", today).embedding == made
    assert project.same_embeddings(today, made) and project.same_embeddings(made, today)
    for other in (EmbeddingModel("mobilenet_v2", "features_out_relu", new, 1280),
                  EmbeddingModel("mobilenet_v3", "embedding", new, 1280),
                  EmbeddingModel("mobilenet_v2", "embedding", "cd" * 32, 1280)):
        with pytest.raises(ProjectError, match="made with another embedding model"):
            project.read(data, "old.zip", other)
    monkeypatch.setattr(project, "SAME_EMBEDDINGS", {})
    with pytest.raises(ProjectError, match="made with another embedding model"):
        project.read(data, "old.zip", today)


# ------------------------------------------------------------------ the studio around it


class _Store:
    """A Store's interface over dicts; ``full`` makes every put fail like a full disk."""

    def __init__(self):
        self.tables: dict[str, dict] = {"samples": {}, "meta": {}}
        self.full = False

    async def put(self, table, key, value):
        if self.full:
            raise _compat.JsException("QuotaExceededError: The quota has been exceeded.")
        self.tables[table][key] = dict(value)

    async def get(self, table, key):
        return self.tables[table].get(key)

    async def delete(self, table, keys):
        for key in keys:
            self.tables[table].pop(key, None)

    async def clear(self, table):
        self.tables[table].clear()

    async def replace(self, table, items):  # one transaction: all or nothing
        if self.full:
            raise _compat.JsException("QuotaExceededError: The quota has been exceeded.")
        self.tables[table] = {key: dict(value) for key, value in items}

    async def all(self, table):
        return sorted(self.tables[table].items())







class _File:
    """A picked file as the page hands it over (arrayBuffer())."""

    def __init__(self, name, data):
        self.name, self.size, self._data = name, len(data), data

    async def arrayBuffer(self):  # noqa: N802 - the browser's name
        data = self._data

        class _Buffer:
            def to_bytes(self):
                return data
        return _Buffer()


def test_a_full_storage_is_said_and_what_was_kept_stays():
    store = _Store()
    storage = SampleStorage(store)  # type: ignore[arg-type]
    failures = []
    storage.on_failure = lambda exc, what: failures.append((str(exc), what))
    record = {"trained": "t", "samples": 1, "classes": 2, "samples_sha256": "s"}
    assert step(storage.save_model(dict(HEAD), record)) is True
    store.full = True
    newer = {**HEAD, "weights.bin": b"new"}
    assert step(storage.save_model(newer, {**record, "trained": "u"})) is False
    assert failures == [("QuotaExceededError: The quota has been exceeded.",
                         "the trained model")]
    files, kept = step(storage.load_model())
    assert files == HEAD and kept["trained"] == "t"  # the head saved before is intact
    # an import that does not fit: the samples kept before are all still there
    store.full = False
    before = make_samples(1)
    step(storage.save_classes(before))
    for sample_id in before.ids():
        step(storage.save(before, sample_id))
    store.full = True
    assert step(storage.replace(make_samples(4))) is False
    assert failures[-1][1] == "samples"
    kept_samples, _ = step(storage.load(["a", "b"]))
    assert len(kept_samples) == 3


def _studio(monkeypatch, samples):
    monkeypatch.setattr(_compat, "array_buffer", bytes)
    monkeypatch.setattr(studio, "report", lambda **values: None)
    downloads = []
    monkeypatch.setattr(studio, "download", lambda *args: downloads.append(args))
    page = FakePage()
    storage = SampleStorage(_Store())  # type: ignore[arg-type]
    box = studio.Studio(page, samples, embed=lambda square: square, storage=storage,
                        name="rpsls", embedding=EMBEDDING)
    return box, page, downloads


def test_the_studio_refuses_bad_files_and_asks_before_replacing(monkeypatch):
    samples = make_samples(2, seed=1)
    box, page, downloads = _studio(monkeypatch, samples)
    data = project.write(make_project(trained=False))
    with pytest.raises(InputError, match="^bad.zip is damaged"):
        step(box._handle(Event("import-project", file=_File("bad.zip", data[:100]))))
    assert box.samples is samples and len(samples) == 6  # untouched

    step(box._handle(Event("import-project", file=_File("p.zip", data))))
    asked = [args[0] for name, args in page.calls if name == "confirmImport"]
    assert asked == ["Replace this project (6 samples) with p.zip: 9 samples of 3 classes "
                     "(rock, paper, scissors), no trained model?"]
    assert box.samples is samples
    step(box._handle(Event("confirm-import", ok=False)))
    assert box.samples is samples and page.said()[-1] == "Kept this project; p.zip was not " \
        "imported."
    step(box._handle(Event("import-project", file=_File("p.zip", data))))
    step(box._handle(Event("confirm-import", ok=True)))
    assert len(box.samples) == 9 and page.said()[-1].startswith("Imported p.zip: 9 samples")
    kept, _ = step(box.storage.load(["x", "y"]))
    assert len(kept) == 9  # and kept in storage

    step(box._handle(Event("export-project")))
    (name, written, mime), = downloads
    assert name == "rpsls-project.zip" and mime == "application/zip"
    assert written == data  # the same project, the same bytes


def test_a_kept_model_goes_out_of_date_when_the_samples_change(monkeypatch):
    samples = make_samples(2)
    box, page, _ = _studio(monkeypatch, samples)
    assert box._status()["state"] == "none"
    box.model = TrainedModel(dict(HEAD), "2026-12-06T17:00:00Z", 6, 3,
                             project.samples_digest(samples))
    box._trained_for = [c.id for c in samples.classes]
    status = box._status()
    assert status["state"] == "current"
    assert status["model"] == "Model trained 2026-12-06 17:00 UTC on 6 samples of 3 classes"
    assert status["storage"].startswith("This project takes 73 KB in this browser")
    step(box._handle(Event("delete-sample", sampleId=samples.ids()[0])))
    assert box._status()["state"] == "stale"
    assert box._status()["model"].startswith("Out of date: model trained")
    assert page.said()[-1] == ("The samples changed since the model was trained: it is out "
                               "of date. Train to update it.")


def test_a_kept_head_of_an_earlier_conversion_is_used_another_models_is_dropped(monkeypatch):
    old, new = next(iter(project.SAME_EMBEDDINGS.items()))
    samples = make_samples(2)
    for made, used in ((old, True), (new, True), ("cd" * 32, False)):
        box, page, _ = _studio(monkeypatch, samples)
        box.embedding = EmbeddingModel("mobilenet_v2", "embedding", new, 1280)
        model = TrainedModel(dict(HEAD), "2026-12-06T17:00:00Z", 6, 3,
                             project.samples_digest(samples))
        record = project.kept_model_record(
            model, EmbeddingModel("mobilenet_v2", "embedding", made, 1280),
            [c.id for c in samples.classes])
        assert step(box.storage.save_model(dict(HEAD), record))
        step(box._load_kept_model())
        assert (box.model is not None) == used, made
        if used:
            assert page.said()[-1].startswith("The model trained 2026-12-06 17:00 UTC on 6 ")
        else:
            assert page.said()[-1] == ("The model kept from your last visit was trained on "
                                       "other classes or another embedding model: train "
                                       "again.")
            assert step(box.storage.load_model()) is None  # dropped
