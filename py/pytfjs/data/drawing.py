"""Hand-drawn digits prepared the way MNIST's digits were (pure numpy).

MNIST digits were cropped to their ink, scaled to fit 20x20 with anti-aliasing, and
placed in a 28x28 frame so that their centre of mass is at the centre. A drawing made
on a big canvas must go through the same steps, or the model sees something it never
saw in training (a thin, off-centre, edge-to-edge digit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def _area_weights(size: int, new: int) -> NDArray[Any]:
    """Matrix W (new x size): output cell i averages input cells by their overlap."""
    edges = np.linspace(0, size, new + 1)
    weights = np.zeros((new, size))
    for i in range(new):
        lo, hi = edges[i], edges[i + 1]
        for j in range(int(np.floor(lo)), int(np.ceil(hi))):
            weights[i, j] = min(hi, j + 1) - max(lo, j)
        weights[i] /= hi - lo
    return weights


def resize_area(image: NDArray[Any], height: int, width: int) -> NDArray[Any]:
    """Anti-aliased (area-averaging) resize of a 2-D array."""
    resized: NDArray[Any] = (_area_weights(image.shape[0], height) @ image
                             @ _area_weights(image.shape[1], width).T)
    return resized


def to_mnist(pixels: NDArray[Any], threshold: float = 0.1) -> NDArray[Any] | None:
    """A drawing (uint8 or float, white ink on black) as a 28x28 float32 image in [0, 1].

    Returns None when there is no ink.
    """
    image = np.asarray(pixels, dtype=np.float64)
    if image.max() > 1.0:
        image = image / 255.0
    rows = np.flatnonzero((image > threshold).any(axis=1))
    cols = np.flatnonzero((image > threshold).any(axis=0))
    if not len(rows):
        return None
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.clip(resize_area(crop, new_h, new_w), 0, 1)
    total = small.sum()
    ys, xs = np.indices(small.shape)
    cy, cx = (ys * small).sum() / total, (xs * small).sum() / total
    top, left = int(round(14 - cy)), int(round(14 - cx))
    out = np.zeros((28, 28))
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + new_h, 28), min(left + new_w, 28)
    out[y0:y1, x0:x1] = small[y0 - top:y1 - top, x0 - left:x1 - left]
    return out.astype(np.float32)
