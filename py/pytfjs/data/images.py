"""Photos for image models: decoded by the browser, prepared with numpy.

    photo = await images.sample("chelsea")            # a photo shipped with the site
    photo = await images.read(await ui.ask_file(...))  # a file the learner picked
    photo = await images.snapshot()                    # a webcam picture
    square = images.center_square(photo.pixels, 224)   # uint8 [224, 224, 3]
    x = images.normalize(square, mean, std)            # float32, ready for the model

Decoding uses the browser's own image decoder (``pytfjsHost.decodeImage`` in the runtime worker:
createImageBitmap + OffscreenCanvas, no colour-profile conversion). Photos larger than
``MAX_SIDE`` pixels on a side are scaled down by the browser while decoding, so a
50-megapixel picture costs about 16 MB, not 200 MB. Everything after decoding (the
centre crop, the resize, the normalisation) is plain numpy and gives the same numbers
on CPython, which is how the tests check the browser's predictions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _compat, limits
from ..control import InputError
from ..i18n import _, number

MAX_SIDE = 2048  # longer photos are scaled down by the browser while decoding
MAX_FILE_BYTES = limits.IMAGE_MAX_FILE_BYTES
PHOTOS = "data/photos"
FORMATS = "PNG, JPEG, GIF, WebP, BMP or AVIF"


@dataclass
class Photo:
    """A decoded photo: uint8 RGB ``pixels`` [height, width, 3] and where it came from."""

    name: str
    pixels: NDArray[Any]
    original_size: tuple[int, int]  # (width, height) before any scaling down

    @property
    def scaled(self) -> bool:
        return self.original_size != (self.pixels.shape[1], self.pixels.shape[0])

    def describe(self) -> str:
        w, h = self.original_size
        text = f"{self.name}: {w}x{h}"
        if self.scaled:
            text += (_(" ({megapixels} megapixels, scaled down to {width}x{height} while "
                       "decoding)").format(megapixels=number(w * h / 1e6, 1),
                                           width=self.pixels.shape[1],
                                           height=self.pixels.shape[0]))
        return text


# ------------------------------------------------------------------ numpy (CPython too)


def _area_index(size_in: int, size_out: int) -> NDArray[Any]:
    """First source index of each of ``size_out`` equal bins over ``size_in`` pixels."""
    return ((np.arange(size_out, dtype=np.int64) * size_in) // size_out).astype(np.intp)


def _bin_means(pixels: NDArray[Any], size: int, axis: int) -> NDArray[Any]:
    """uint8 ``pixels`` shrunk along ``axis`` to ``size`` bins, each the rounded mean of
    its pixels.

    Integer bin edges give every bin ``q`` or ``q + 1`` pixels, so the sums are ``q + 1``
    gathers of whole rows (or columns) instead of ``np.add.reduceat``, which is slow off
    the last axis: a webcam frame's 480 -> 224 takes 18 ms in Pyodide with reduceat and
    a few with this. The means round half to even (``np.rint``), as before.
    """
    n = pixels.shape[axis]
    starts = _area_index(n, size)
    counts = np.diff(np.append(starts, n))
    q = int(counts.min())
    wide = np.uint16 if (q + 1) * 255 <= np.iinfo(np.uint16).max else np.uint32
    sums: NDArray[Any] = np.take(pixels, starts, axis=axis).astype(wide)
    for k in range(1, q):
        np.add(sums, np.take(pixels, starts + k, axis=axis), out=sums)
    longer = np.nonzero(counts > q)[0]
    if longer.size:
        index: list[Any] = [slice(None)] * pixels.ndim
        index[axis] = longer
        sums[tuple(index)] += np.take(pixels, starts[longer] + q, axis=axis)
    shape = [1] * pixels.ndim
    shape[axis] = size
    # float32 is exact here: sums stay below 2**24 and a mean's distance from a .5 tie,
    # at least 1 / (2 * count), is far above float32's rounding at 255
    real = np.float32 if wide is np.uint16 else np.float64
    top = q * 255 + 1  # a q-pixel bin sums to 0 .. q * 255, a (q + 1)-pixel one 255 more
    if top + (q + 1) * 255 > np.iinfo(np.uint16).max:  # bins of more than 128 pixels
        rounded: NDArray[Any] = np.rint(sums / counts.reshape(shape).astype(real))
        return rounded.astype(np.uint8)
    # Every mean a table look-up instead of a division: a table of each possible sum's
    # rounded mean (the same float32 division, once per possible sum), the (q + 1)-pixel
    # bins' half after the q-pixel bins'. 480 -> 224 rows of an RGBA frame: 2.7 -> 1.0 ms
    # on CPython.
    sums += np.where(counts > q, top, 0).astype(np.uint16).reshape(shape)
    means: NDArray[Any] = _mean_table(q)[sums]
    return means


@functools.lru_cache(maxsize=32)
def _mean_table(q: int) -> NDArray[Any]:
    """uint8 rounded means of every sum of a q-pixel bin (0 .. q * 255), then of every
    sum of a (q + 1)-pixel bin, for ``_bin_means`` (q <= 128: float32 is exact)."""
    top = q * 255 + 1
    means = [np.rint(np.arange(top, dtype=np.float32) / np.float32(q)),
             np.rint(np.arange(top + 255, dtype=np.float32) / np.float32(q + 1))]
    table: NDArray[Any] = np.concatenate(means).astype(np.uint8)
    table.flags.writeable = False  # shared by every call
    return table


def resize_area(pixels: NDArray[Any], height: int, width: int) -> NDArray[Any]:
    """uint8 [h, w, c] -> [height, width, c]: each output pixel is the mean of the source
    pixels in its bin (nearest pixel when enlarging). Integer bin edges, so the result is
    exactly the same on every machine."""
    out = np.asarray(pixels, dtype=np.uint8)
    for axis, size in ((0, height), (1, width)):
        n = out.shape[axis]
        if n >= size:
            out = _bin_means(out, size, axis)
        else:
            index = ((np.arange(size) * 2 + 1) * n) // (2 * size)
            out = np.take(out, index, axis=axis)
    return np.ascontiguousarray(out, dtype=np.uint8)


def center_square(pixels: NDArray[Any], size: int = 224) -> NDArray[Any]:
    """The centred square of the short side, resized to ``size`` x ``size`` (uint8)."""
    h, w = pixels.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return resize_area(pixels[top:top + side, left:left + side], size, size)


def rgb_square(pixels: NDArray[Any], size: int = 224) -> NDArray[Any]:
    """``center_square`` of an RGB or RGBA picture, as RGB. A webcam frame (RGBA) is
    shrunk with its alpha, which is dropped from the small square: copying the whole
    640x480 frame to RGB first took longer than the fourth channel adds (5.9 against 3.8
    ms on CPython; each channel's means are the same either way)."""
    square = center_square(pixels, size)
    return rgba_to_rgb(square) if square.shape[-1] == 4 else square


def normalize(pixels: NDArray[Any], mean: Sequence[float], std: Sequence[float]) -> NDArray[Any]:
    """float32 (pixels / 255 - mean) / std per channel, as torchvision's models expect.

    uint8 pixels are looked up in a table of their 256 values per channel, made with the
    same float32 operations (so the results are the same to the bit): the arithmetic
    took 1.8 ms for 224x224 in Pyodide, the look-up 0.4 ms, and a webcam lab does it for
    every frame."""
    channels = pixels.shape[-1] if pixels.ndim else 0
    if pixels.dtype != np.uint8 or not len(mean) == len(std) == channels:
        x = pixels.astype(np.float32) / np.float32(255)
        return (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    tables = _normal_tables(tuple(float(m) for m in mean), tuple(float(s) for s in std))
    out = np.empty(pixels.shape, np.float32)
    for channel, table in enumerate(tables):
        out[..., channel] = table[pixels[..., channel]]
    return out


@functools.lru_cache(maxsize=8)
def _normal_tables(mean: tuple[float, ...], std: tuple[float, ...]) -> tuple[NDArray[Any], ...]:
    """``normalize``'s result for each uint8 value, one float32 table per channel."""
    values = np.arange(256, dtype=np.float32) / np.float32(255)
    tables = tuple((values - np.float32(m)) / np.float32(s)
                   for m, s in zip(mean, std, strict=True))
    for table in tables:
        table.flags.writeable = False
    return tables


def rgba_to_rgb(rgba: NDArray[Any]) -> NDArray[Any]:
    """Drop the alpha channel (transparent pixels keep the colour the decoder gave them)."""
    return np.ascontiguousarray(rgba[..., :3])


# ------------------------------------------------------------------ the browser


def check(data: bytes, name: str) -> tuple[str, int, int]:
    """(format, width, height) of a photo the browser may decode, from its header alone.

    InputError naming the file for an empty or too big file, a format the page does not
    read, a damaged header, or more pixels than ``limits.IMAGE_MAX_PIXELS``: a header
    claiming 60000 x 60000 would otherwise keep the browser's decoder busy for minutes.
    """
    if not data:
        raise InputError(_("{name} is empty (0 bytes): pick a photo ({FORMATS}).")
                         .format(name=name, FORMATS=FORMATS))
    if len(data) > MAX_FILE_BYTES:
        raise InputError(_("{name} is {value:.0f} MB; photos up to "
                         "{value2} MB are read: pick a smaller file.")
                             .format(name=name, value=len(data) / 1000000.0,
                                     value2=MAX_FILE_BYTES // 10 ** 6))
    return limits.check_image(bytes(data), name, FORMATS, InputError)


def _from_js(result: object, name: str) -> Photo:
    width, height = int(result.width), int(result.height)  # type: ignore[attr-defined]
    rgba = np.empty((height, width, 4), np.uint8)
    result.pixels.assign_to(rgba.reshape(-1))  # type: ignore[attr-defined]
    original = (int(result.originalWidth), int(result.originalHeight))  # type: ignore[attr-defined]
    return Photo(name, rgba_to_rgb(rgba), original)


async def decode(data: bytes, name: str, max_side: int = MAX_SIDE) -> Photo:
    """A :class:`Photo` from encoded image bytes; InputError (naming the file) if they
    are empty, too big or not an image the browser can decode."""
    _compat.require_browser(_("decoding images"))
    check(data, name)
    try:
        result = await _compat.decode_image(data, max_side)
    except _compat.JsException as exc:
        detail = str(exc).split("\n")[0]
        raise InputError(_("{name} is not an image this browser can decode ({detail}): "
                         "pick a photo ({FORMATS}).")
                             .format(name=name, detail=detail, FORMATS=FORMATS)) from None
    return _from_js(result, name)


async def read(file: object) -> Photo:
    """Decode a file the learner picked or dropped (``await ui.ask_file(...)``)."""
    size, name = int(file.size), str(file.name)  # type: ignore[attr-defined]
    if size > MAX_FILE_BYTES:
        raise InputError(_("{name} is {value:.0f} MB; photos up to "
                         "{value2} MB are read: pick a smaller file.")
                             .format(name=name, value=size / 1000000.0,
                                     value2=MAX_FILE_BYTES // 10 ** 6))
    return await decode(await file.read(), name)  # type: ignore[attr-defined]


async def samples() -> list[dict[str, Any]]:
    """The photos shipped with the site: [{"name", "file", "title", "credit"}, ...]."""
    from ..site_files import fetch_bytes

    photos: list[dict[str, Any]] = json.loads(await fetch_bytes(f"{PHOTOS}/index.json"))
    return photos


async def sample(name: str) -> Photo:
    """A photo shipped with the site, by name ("chelsea" or "chelsea.png")."""
    from ..site_files import fetch_bytes

    known = await samples()
    found = [p for p in known if name in (p["name"], p["file"])]
    if not found:
        raise InputError(_("there is no sample photo {name!r}; choose one of "
                         "{items}.").format(name=name, items=', '.join(p['name'] for p in known)))
    file = found[0]["file"]
    return await decode(await fetch_bytes(f"{PHOTOS}/{file}"), file)


async def snapshot(max_side: int = MAX_SIDE) -> Photo:
    """A picture from the webcam: the page shows a preview and a "Take photo" button.

    InputError with the browser's reason when there is no camera or it is refused.
    """
    from ..prompts import ask_camera

    try:
        result = await ask_camera(_("Look at the camera, then press Take photo."), max_side)
    except _compat.JsException as exc:
        detail = _compat.error_text(exc)
        raise InputError(_("No webcam picture: {detail}").format(detail=detail)) from None
    return _from_js(result, "webcam snapshot")
