"""Image data sets from sprite sheets (the course's MNIST layout), kept as uint8.

    images = await sprites.load("data/mnist")     # uint8 [n, 28, 28], labels uint8 [n]
    train, test = images.split(test=1000, seed=0)
    for x, y in images.batches(train, 512, epoch=0):  # float32 [b, 28, 28, 1], one-hot [b, 10]
        ...

The course decoded its sprite into one ~204 MB float32 array. Here the pixels stay uint8
(1 byte each) and only one batch at a time becomes float32. Decoding uses the browser's
image decoder (``pytfjsHost.decodeSprite`` in the runtime worker); everything else is plain numpy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _compat, seeding
from ..control import InputError
from ..i18n import _


@dataclass
class SpriteSet:
    images: NDArray[Any]  # uint8 [n, 28, 28]
    labels: NDArray[Any]  # uint8 [n]
    classes: list[str]
    test_count: int = 0  # the last test_count images form an official test set

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, test: int | None = None, seed: int = 0, limit: int | None = None
              ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Seeded (train, test) index arrays. An official test set (``test_count``) is kept
        apart unless ``test`` asks for another size; ``limit`` caps the training part."""
        rng = np.random.default_rng(seed)
        n = len(self)
        if self.test_count and test in (None, self.test_count):
            train: NDArray[Any] = rng.permutation(n - self.test_count)
            test_idx: NDArray[Any] = np.arange(n - self.test_count, n)
        else:
            order = rng.permutation(n)
            size = 1000 if test is None else test
            test_idx, train = order[:size], order[size:]
        return (train[:limit] if limit else train), test_idx

    def batch(self, index: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """float32 images scaled to [0, 1] with a channel axis, and one-hot labels."""
        x = (self.images[index].astype(np.float32) / 255.0)[..., None]
        y = np.eye(len(self.classes), dtype=np.float32)[self.labels[index]]
        return x, y

    def batches(self, index: NDArray[Any], batch_size: int, *, shuffle: bool = True,
                epoch: int = 0, seed: int | None = None
                ) -> Iterator[tuple[NDArray[Any], NDArray[Any]]]:
        """uint8 rows of ``index`` as float32 batches, shuffled in the order of (``seed``,
        ``epoch``): a new order every epoch, the same orders for the same seed. ``seed``
        is the run's (``?seed=``, else 0) unless given."""
        if shuffle:
            seed = seeding.seed_param() if seed is None else seed
            index = np.random.default_rng((seed, epoch)).permutation(index)
        for start in range(0, len(index), batch_size):
            yield self.batch(index[start:start + batch_size])

    def grid(self, count: int = 32, columns: int = 8, seed: int = 0
             ) -> tuple[NDArray[Any], list[Any]]:
        """A tiled uint8 image of ``count`` samples and their class names (row-major)."""
        pick = np.random.default_rng(seed).choice(len(self), count, replace=False)
        rows = -(-count // columns)
        tiles = np.zeros((rows * 28, columns * 28), np.uint8)
        for k, i in enumerate(pick):
            r, c = divmod(k, columns)
            tiles[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28] = self.images[i]
        return tiles, [self.classes[self.labels[i]] for i in pick]


async def load(folder: str, chunk_rows: int = 2000) -> SpriteSet:
    """Decode ``folder``/meta.json's sprites (a path on this site) into a :class:`SpriteSet`."""
    from ..site_files import fetch_bytes

    try:
        meta = json.loads(await fetch_bytes(f"{folder}/meta.json"))
    except FileNotFoundError:
        raise InputError(
            _("{folder} is not in this build (no {folder}/meta.json on this site). Build the "
            "site again with `python3 build.py build`, which makes every data set a lab "
            "declares.").format(folder=folder)) from None
    count = int(meta["count"])
    images = np.empty((count, 28, 28), np.uint8)
    flat = images.reshape(-1)
    row = 0
    for sheet in meta["sprites"]:
        rows = int(sheet["rows"])
        pixels = await _compat.decode_sprite(f"{folder}/{sheet['path']}", 784, rows,
                                             chunk_rows)
        pixels.assign_to(flat[row * 784:(row + rows) * 784])
        row += rows
    labels = np.frombuffer(await fetch_bytes(f"{folder}/{meta['labels']}"), np.uint8).copy()
    if row != count or len(labels) != count:
        raise InputError(_("{folder}: meta.json promises {count} images, found {row} images "
                         "and {n} labels; rebuild the site")
                             .format(folder=folder, count=count, row=row, n=len(labels)))
    return SpriteSet(images, labels, list(meta["classes"]), int(meta.get("test_count", 0)))
