"""Photo preparation in numpy: the centre crop, the area resize, the normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from pytfjs import BrowserRequired
from pytfjs.data import images


def test_area_resize_averages_whole_bins_and_rounds() -> None:
    img = np.arange(16, dtype=np.uint8).reshape(4, 4, 1) * 10
    out = images.resize_area(img, 2, 2)
    assert out.dtype == np.uint8
    # each output pixel is the rounded mean of a 2x2 block
    assert out[..., 0].tolist() == [[25, 45], [105, 125]]
    # bins of unequal size (5 -> 2: rows 0-1 and 2-4)
    col = np.array([0, 10, 20, 30, 41], np.uint8).reshape(5, 1, 1)
    assert images.resize_area(col, 2, 1).ravel().tolist() == [5, 30]


def _reference_resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """The area resize written out bin by bin (slow, plain): rounded means per axis."""
    out = img.astype(np.int64)
    for axis, size in ((0, height), (1, width)):
        n = out.shape[axis]
        edges = [i * n // size for i in range(size)] + [n]
        parts = [np.take(out, range(a, b), axis=axis).sum(axis=axis, keepdims=True) / (b - a)
                 for a, b in zip(edges, edges[1:], strict=False)]
        out = np.rint(np.concatenate(parts, axis=axis)).astype(np.int64)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_area_resize_equals_bin_by_bin_means(seed: int) -> None:
    """Uneven bins, halves that round to even, and bins of over 257 pixels (whose sums
    no longer fit 16 bits)."""
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(2, 700, 2))
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if seed % 2:
        img = (img // 128 * 255).astype(np.uint8)  # only 0 and 255: many exact halves
    for height, width in ((int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))),
                          (1, 2), (h, w)):
        assert (images.resize_area(img, height, width)
                == _reference_resize(img, height, width)).all()


def test_enlarging_takes_the_nearest_pixel() -> None:
    img = np.array([[[0], [100]]], np.uint8)  # 1x2
    assert images.resize_area(img, 2, 4)[..., 0].tolist() == [[0, 0, 100, 100]] * 2


def test_center_square_takes_the_middle_of_the_long_side() -> None:
    wide = np.zeros((300, 451, 3), np.uint8)
    wide[:, 75:375] = 200  # the centred 300x300 square (offset (451 - 300) // 2 = 75)
    square = images.center_square(wide, 224)
    assert square.shape == (224, 224, 3) and (square == 200).all()
    tall = np.zeros((10, 4, 3), np.uint8)
    tall[3:7] = 9
    assert (images.center_square(tall, 4) == 9).all()


def test_rgb_square_of_an_rgba_frame_equals_the_square_of_its_rgb() -> None:
    rng = np.random.default_rng(7)
    for h, w in ((480, 640), (720, 1280), (481, 333), (224, 224)):
        rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
        square = images.rgb_square(rgba, 224)
        assert square.shape == (224, 224, 3) and square.flags.c_contiguous
        assert (square == images.center_square(rgba[..., :3], 224)).all()
    rgb = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    assert (images.rgb_square(rgb, 48) == images.center_square(rgb, 48)).all()


def test_normalize_looks_up_exactly_what_it_would_compute() -> None:
    rng = np.random.default_rng(3)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    px = rng.integers(0, 256, (57, 31, 3), dtype=np.uint8)
    px[0, :3] = [[0, 0, 0], [255, 255, 255], [128, 7, 250]]
    x = px.astype(np.float32) / np.float32(255)
    computed = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    looked_up = images.normalize(px, mean, std)
    assert looked_up.dtype == np.float32 and looked_up.tobytes() == computed.tobytes()
    # not uint8, or other channels than mean and std have: computed as before
    as_float = images.normalize(px.astype(np.float32), mean, std)
    assert as_float.tobytes() == computed.tobytes()
    grey = images.normalize(px[..., :1], [0.5], [0.25])
    assert grey.tobytes() == ((px[..., :1] / np.float32(255) - np.float32(0.5))
                              / np.float32(0.25)).astype(np.float32).tobytes()


def test_normalize_is_torchvision_s() -> None:
    px = np.array([[[0, 128, 255]]], np.uint8)
    x = images.normalize(px, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    assert x.dtype == np.float32
    expected = (np.array([0, 128, 255]) / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(x[0, 0], expected, rtol=1e-6)


def test_photo_describes_scaling() -> None:
    photo = images.Photo("big.png", np.zeros((1365, 2048, 3), np.uint8), (8660, 5774))
    assert photo.scaled
    assert photo.describe() == ("big.png: 8660x5774 (50.0 megapixels, scaled down to "
                                "2048x1365 while decoding)")
    assert images.Photo("a.png", np.zeros((3, 4, 3), np.uint8), (4, 3)).describe() == "a.png: 4x3"


async def _decode(data: bytes) -> None:
    await images.decode(data, "x.png")


def test_decoding_needs_the_browser() -> None:
    # stepped by hand, not asyncio.run: in a whole-suite run the session's sync Playwright
    # (a browser test before this one) leaves its event loop marked running in this thread
    step = _decode(b"\x89PNG")
    with pytest.raises(BrowserRequired):
        step.send(None)
    step.close()
