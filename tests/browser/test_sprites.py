"""Sprite sheets made by the build code decode in the browser to exactly the same bytes."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from buildlib.make import sprites
from testkit.harness import console_text, open_lab, run_in_lab

pytestmark = pytest.mark.browser

DECODE = """
import hashlib
from pytfjs import report
from pytfjs.data import sprites
data = await sprites.load("_test/sprites-rt", chunk_rows=128)
report(shape=list(data.images.shape), dtype=str(data.images.dtype),
       images=hashlib.sha256(data.images.tobytes()).hexdigest(),
       labels=hashlib.sha256(data.labels.tobytes()).hexdigest(), classes=data.classes)
"""


def test_sprite_round_trip_is_exact(page, site_url, fixtures_dir):
    rng = np.random.default_rng(11)
    images = rng.integers(0, 256, size=(700, 28, 28), dtype=np.uint8)
    images[0] = np.arange(784).reshape(28, 28) % 256  # every gray level
    images[1], images[2] = 0, 255
    labels = rng.integers(0, 10, size=700, dtype=np.uint8)
    sprites.write_sprites(fixtures_dir / "sprites-rt", images.tobytes(), labels.tobytes(),
                          sprites.MNIST_CLASSES, "test", chunk_rows=300)
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    assert run_in_lab(page, DECODE) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["shape"] == [700, 28, 28] and r["dtype"] == "uint8"
    assert r["images"] == hashlib.sha256(images.tobytes()).hexdigest()
    assert r["labels"] == hashlib.sha256(labels.tobytes()).hexdigest()
    assert r["classes"] == sprites.MNIST_CLASSES


def test_missing_data_set_says_how_to_add_it(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    code = "from pytfjs.data import sprites\nawait sprites.load('data/not-built')\n"
    assert run_in_lab(page, code) == "error"
    text = page.inner_text("#inputs")
    assert "data/not-built is not in this build" in text
    assert "python3 build.py build" in text


FULL_MNIST = """
import hashlib
from pytfjs import report
from pytfjs.data import sprites
data = await sprites.load("data/mnist")
report(shape=list(data.images.shape), test_count=data.test_count,
       images=hashlib.sha256(data.images.tobytes()).hexdigest(),
       labels=hashlib.sha256(data.labels.tobytes()).hexdigest())
"""


def test_the_full_mnist_decodes_byte_exact_against_the_idx_files(page, site_url):
    """The site's sprites, decoded by the browser, are the original IDX files' bytes:
    the 60,000 training digits, then the official 10,000 test digits."""
    images, labels, test_count = sprites.mnist_full()  # the pinned wheel's IDX payloads
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    assert run_in_lab(page, FULL_MNIST) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["shape"] == [70_000, 28, 28] and r["test_count"] == test_count == 10_000
    assert r["images"] == hashlib.sha256(images).hexdigest()
    assert r["labels"] == hashlib.sha256(labels).hexdigest()
