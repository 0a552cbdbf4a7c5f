"""Fixtures of the webcam lab's tests: the sample photos, and fake-webcam videos of them
(testkit/webcam_lab.py drives the lab)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from testkit import mobilenet_reference as ref
from testkit.pictures import photo_video
from testkit.webcam_lab import PHOTOS


@pytest.fixture(scope="module")
def photos(dist_dir) -> dict[str, np.ndarray]:
    return {name: ref.read_png((dist_dir / f"data/photos/{file}.png").read_bytes())[..., :3]
            for name, file in PHOTOS.items()}


@pytest.fixture(scope="module")
def videos(photos, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(class, "train" | "test") -> a Y4M video; test videos use other crops (seed)."""
    folder = tmp_path_factory.mktemp("videos")
    return {(name, part): photo_video(folder / f"{name}-{part}.y4m", photo, count=15,
                                      seed=1 if part == "train" else 2)
            for name, photo in photos.items() for part in ("train", "test")}
