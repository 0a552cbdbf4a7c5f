"""node-red-contrib-pytfjs (used by examples/node/rpsls-classify.js and the Node-RED nodes)
decodes a picture with pngjs / jpeg-js and prepares it exactly as the page does (numpy)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from pytfjs.data import images
from testkit import mobilenet_reference as ref
from testkit.harness import ROOT

META = {"scale": 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}


def png(pixels: np.ndarray, colour: int, palette: bytes = b"", depth: int = 8,
        interlace: int = 0) -> bytes:
    """A PNG whose rows cycle through all five filter types (so each is decoded)."""
    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1).astype(np.int32)
    bpp = max(1, rows.shape[1] // w)
    raw = bytearray()
    prev = np.zeros(rows.shape[1], np.int32)
    for r, row in enumerate(rows):
        kind = r % 5
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
        if kind == 0:
            pred = np.zeros_like(row)
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = prev
        elif kind == 3:
            pred = (left + prev) >> 1
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        raw += bytes([kind]) + ((row - pred) & 255).astype(np.uint8).tobytes()
        prev = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    head = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head)
    if palette:
        out += chunk(b"PLTE", palette)
    return out + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def prepare(tmp_path: Path, data: bytes, size: int = 224) -> dict:
    image = tmp_path / "image.png"
    image.write_bytes(data)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(META))
    prefix = tmp_path / "out"
    proc = subprocess.run([shutil.which("node"), "tests/node/rpsls_prepare.js", str(image),
                           str(prefix), str(size), str(meta)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "error" not in result:
        h, w = result["height"], result["width"]
        result["rgb"] = np.fromfile(f"{prefix}.rgb", np.uint8).reshape(h, w, 3)
        result["square"] = np.fromfile(f"{prefix}.square", np.uint8).reshape(size, size, 3)
        result["input"] = np.fromfile(f"{prefix}.input", np.float32).reshape(size, size, 3)
    return result


def assert_prepared_like_numpy(result: dict, rgb: np.ndarray, size: int = 224) -> None:
    np.testing.assert_array_equal(result["rgb"], rgb)
    square = images.center_square(rgb, size)
    np.testing.assert_array_equal(result["square"], square)
    # bit for bit: the same float32 operations in the same order
    np.testing.assert_array_equal(result["input"], images.normalize(square, META["mean"],
                                                                    META["std"]))


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_the_sample_photos_are_read_and_prepared_like_numpy(dist_dir, tmp_path, name):
    data = (dist_dir / f"data/photos/{name}.png").read_bytes()
    assert_prepared_like_numpy(prepare(tmp_path, data), ref.read_png(data)[..., :3])


def test_every_colour_type_and_filter_and_small_pictures_are_enlarged(tmp_path):
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (37, 61, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (37, 61, 1), dtype=np.uint8)
    assert_prepared_like_numpy(prepare(tmp_path, png(rgb, 2)), rgb)
    assert_prepared_like_numpy(prepare(tmp_path, png(np.concatenate([rgb, alpha], 2), 6)), rgb)
    gray = rgb[..., :1]
    assert_prepared_like_numpy(prepare(tmp_path, png(gray, 0)), np.repeat(gray, 3, 2))
    assert_prepared_like_numpy(prepare(tmp_path, png(np.concatenate([gray, alpha], 2), 4)),
                               np.repeat(gray, 3, 2))
    colours = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    index = rng.integers(0, 16, (37, 61, 1), dtype=np.uint8)
    assert_prepared_like_numpy(prepare(tmp_path, png(index, 3, colours.tobytes())),
                               colours[index[..., 0]])
    big = rng.integers(0, 256, (300, 451, 3), dtype=np.uint8)
    assert_prepared_like_numpy(prepare(tmp_path, png(big, 2), size=100), big, size=100)


def jpeg(rgb: np.ndarray, tmp_path: Path, quality: int = 100) -> bytes:
    """``rgb`` as a JPEG, encoded by jpeg-js (the decoder's own library)."""
    raw = tmp_path / "pixels.rgba"
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], 2)
    raw.write_bytes(rgba.tobytes())
    out = tmp_path / "picture.jpg"
    script = ("const fs = require('fs'); const jpeg = require('jpeg-js');"
              "const [raw, w, h, q, out] = process.argv.slice(1);"
              "fs.writeFileSync(out, jpeg.encode({data: fs.readFileSync(raw), width: +w,"
              " height: +h}, +q).data);")
    subprocess.run([shutil.which("node"), "-e", script, str(raw), str(rgb.shape[1]),
                    str(rgb.shape[0]), str(quality), str(out)], cwd=ROOT, check=True,
                   timeout=60)
    return out.read_bytes()


def test_jpegs_are_decoded_and_prepared_like_numpy(tmp_path):
    flat = np.empty((50, 80, 3), np.uint8)
    flat[...] = (200, 30, 90)
    result = prepare(tmp_path, jpeg(flat, tmp_path))
    assert (result["width"], result["height"]) == (80, 50)
    assert np.abs(result["rgb"].astype(int) - flat).max() <= 3
    rng = np.random.default_rng(7)
    noisy = rng.integers(0, 256, (120, 90, 3), dtype=np.uint8)
    result = prepare(tmp_path, jpeg(noisy, tmp_path, quality=80), size=64)
    assert_prepared_like_numpy(result, result["rgb"], size=64)  # the steps after decoding


def test_16_bit_pngs_are_scaled_to_8_bits(tmp_path):
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 65536, (20, 30, 3)).astype(">u2")
    data = png(wide.view(np.uint8).reshape(20, 30, 6), 2, depth=16)
    expected = np.floor(wide.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)
    assert_prepared_like_numpy(prepare(tmp_path, data, size=16), expected, size=16)


GOOD = png(np.zeros((4, 4, 3), np.uint8), 2)


@pytest.mark.parametrize("data,message", [
    (b"GIF89a a gif", "not a PNG or JPEG picture"),
    (b"", "not a PNG or JPEG picture"),
    (b"\xff\xd8\xff\xe0 a damaged jpeg", "this JPEG picture cannot be decoded"),
    (GOOD[:len(GOOD) // 2], "this PNG picture cannot be decoded"),
    (png(np.zeros((4, 4, 1), np.uint8), 3), "this PNG picture cannot be decoded"),
])
def test_unreadable_pictures_are_named(tmp_path, data, message):
    assert message in prepare(tmp_path, data)["error"]
