"""Pictures the tests make: PNG files, and videos for Chromium's fake webcam
(``--use-file-for-fake-video-capture=<file.y4m>``).

A Y4M file is a one-line header and raw I420 frames (full-resolution Y, then U and V at
half resolution each way). Each video here shows one photo, a slightly different crop
and zoom in every frame (seeded, so the same arguments give the same bytes), the way a
hand moves a little in front of a webcam.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def png_rgb(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of uint8 [h, w, 3] (no filters)."""
    h, w = rgb.shape[:2]
    raw = b"".join(b"\0" + np.ascontiguousarray(row, np.uint8).tobytes() for row in rgb)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rgb_to_i420(rgb: np.ndarray) -> bytes:
    """BT.601 limited-range Y, U, V planes (what Chromium's Y4M reader expects)."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255

    def half(c: np.ndarray) -> np.ndarray:
        return c.reshape(c.shape[0] // 2, 2, c.shape[1] // 2, 2).mean(axis=(1, 3))

    def plane(c: np.ndarray) -> bytes:
        return np.clip(np.rint(c), 0, 255).astype(np.uint8).tobytes()

    return plane(y) + plane(half(u)) + plane(half(v))


def moving_frames(photo: np.ndarray, count: int, width: int = 640, height: int = 480,
                  seed: int = 0) -> list[np.ndarray]:
    """``count`` RGB frames of ``photo``: each a random crop covering the frame, zoomed
    1-1.25x, so no two frames are the same picture."""
    rng = np.random.default_rng(seed)
    ph, pw = photo.shape[:2]
    frames = []
    for _ in range(count):
        scale = max(height / ph, width / pw) * rng.uniform(1.0, 1.25)
        top = rng.uniform(0, ph - height / scale)
        left = rng.uniform(0, pw - width / scale)
        rows = np.clip((np.arange(height) / scale + top).astype(int), 0, ph - 1)
        cols = np.clip((np.arange(width) / scale + left).astype(int), 0, pw - 1)
        frames.append(np.ascontiguousarray(photo[rows][:, cols, :3]))
    return frames


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + rgb_to_i420(frame))
    return path


def photo_video(path: Path, photo: np.ndarray, count: int = 20, seed: int = 0,
                fps: int = 10) -> Path:
    """A Y4M video of ``photo`` moving a little (see :func:`moving_frames`)."""
    return write_y4m(path, moving_frames(photo, count, seed=seed), fps)
