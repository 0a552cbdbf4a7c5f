"""Hand-drawn digits prepared like MNIST (pure numpy)."""

from __future__ import annotations

import numpy as np

from pytfjs.data.drawing import resize_area, to_mnist


def test_resize_area_averages_exactly():
    image = np.arange(16, dtype=float).reshape(4, 4)
    assert np.allclose(resize_area(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    assert np.allclose(resize_area(image, 4, 4), image)
    assert np.isclose(resize_area(image, 3, 5).mean(), image.mean())


def test_blank_pad_is_none():
    assert to_mnist(np.zeros((280, 280), np.uint8)) is None


def test_a_small_off_centre_stroke_is_scaled_into_20x20_and_centred_by_mass():
    pad = np.zeros((280, 280), np.uint8)
    pad[20:120, 200:230] = 255  # a thick vertical bar near the top right corner
    digit = to_mnist(pad)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0.0 <= digit.min() and digit.max() <= 1.0
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    assert rows[-1] - rows[0] + 1 == 20  # the long side fills 20 pixels
    ys, xs = np.indices(digit.shape)
    cy, cx = (ys * digit).sum() / digit.sum(), (xs * digit).sum() / digit.sum()
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_an_mnist_digit_survives_the_round_trip():
    rng = np.random.default_rng(0)
    digit = np.zeros((28, 28))
    digit[4:24, 10:18] = rng.uniform(0.6, 1.0, (20, 8))  # a "1"-like block, already 20 tall
    up = np.kron(digit, np.ones((10, 10)))  # drawn 10x larger on the pad
    again = to_mnist((up * 255).astype(np.uint8))
    assert np.corrcoef(again.ravel(), digit.ravel())[0, 1] > 0.9
