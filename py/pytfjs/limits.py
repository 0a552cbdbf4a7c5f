"""How big a file may be, checked from what the file declares, before the work starts.

A hostile or broken file can claim anything: a zip whose members inflate to gigabytes,
a PNG header saying 60000 x 60000 pixels, an HDF5 dataset bigger than the file, JSON
nested 100,000 deep. Reading such a file first and checking afterwards is too late (the
tab freezes, Python dies of a stack overflow or MemoryError), so each reader asks the
functions here *before* inflating, decoding, allocating or recursing. Every limit is a
named constant (docs/learners.md's "Files you can give it" table lists them) and every refusal
says what the limit is and what to do. Checks raise the caller's own error class, so each
reader keeps failing as itself (``ConvertError``, ``CsvError``, ``InputError``...).

Pure Python (no numpy needed for headers), so CPython and the page agree.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable

from .control import InputError
from .i18n import _, number

# -- model files picked in the page (read whole into WebAssembly's 4 GB memory) -----------
MODEL_MAX_FILE_BYTES = 1_000_000_000

# -- zip archives (.keras models, torch.save zips) ------------------------------------------
ZIP_MAX_TOTAL_BYTES = 2_000_000_000     # all members, uncompressed
ZIP_MAX_MEMBER_BYTES = 2_000_000_000    # one member, uncompressed
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_RATIO = 200                     # uncompressed / compressed, for members over ...
ZIP_RATIO_FROM_BYTES = 50_000_000       # ... this size (small zeros compress far more)

# -- images (photos for MobileNet and the webcam studio) ------------------------------------
IMAGE_MAX_FILE_BYTES = 100_000_000
IMAGE_MAX_PIXELS = 100_000_000          # width x height the header declares
IMAGE_MAX_SIDE = 32_767                 # Chromium cannot hold a wider bitmap

# -- HDF5 (.h5 models, model.weights.h5 inside .keras) --------------------------------------
ARRAY_MAX_BYTES = 2_000_000_000         # one weight array, decoded (HDF5, torch)
HDF5_MAX_EXPANSION = 1_000              # a compressed dataset vs the whole file

# -- JSON (Keras configs, metadata) -----------------------------------------------------------
JSON_MAX_BYTES = 64_000_000
JSON_MAX_DEPTH = 100                    # Keras configs nest about 10 deep

# -- CSV ---------------------------------------------------------------------------------------
CSV_MAX_BYTES = 25 * 1024 * 1024
CSV_MAX_LINE_CHARS = 1_000_000
CSV_MAX_FIELD_CHARS = 100_000
CSV_MAX_COLUMNS = 2_000
CSV_MAX_CELLS = 5_000_000               # rows x columns

# -- text typed or pasted ----------------------------------------------------------------------
TEXT_MAX_CHARS = 1_000_000

Raise = Callable[[str], BaseException]


def size_text(n: int) -> str:
    """Bytes for people: 1.5 GB, 25.0 MB, 12 KB."""
    if n >= 10**9:
        return _("{size} GB").format(size=number(n / 10**9, 1))
    if n >= 1048576:
        return _("{size} MB").format(size=number(n / 1048576, 1))
    return _("{size} KB").format(size=number(n / 1024, 0))


def detail(error: BaseException) -> str:
    """A third-party reader's own words, short, for the end of a plain message.

    The exception's class name is left out ("KeyError: ..." reads as a crash to a
    learner); the chained exception keeps it for whoever debugs.
    """
    text = " ".join(str(error).split())[:120].strip(" '\"")
    return _(" (the reader said: {text})").format(text=text) if text else ""


def check_file_size(size: int, name: str, limit: int, what: str,
                    error: Raise = InputError) -> None:
    """Refuse a picked file by its size alone, before a byte of it is read."""
    if size > limit:
        raise error(_("{name} is {size}; {what} up to {limit} are read "
                    "in the page. Use a smaller file, or the command line.")
                        .format(name=name, size=size_text(size), what=what,
                                limit=size_text(limit)))


# ------------------------------------------------------------------------------- zip


def check_zip(archive: zipfile.ZipFile, name: str, error: Raise = InputError) -> None:
    """Refuse a zip whose central directory declares too much, before inflating anything."""
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_MEMBERS:
        raise error(_("{name} is a zip of {n:,} files; up to {ZIP_MAX_MEMBERS:,} "
                    "are read. A saved model has a handful: save the model again.")
                        .format(name=name, n=len(infos), ZIP_MAX_MEMBERS=ZIP_MAX_MEMBERS))
    total = 0
    for info in infos:
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        if size > ZIP_MAX_MEMBER_BYTES:
            raise error(_("{name}: {filename} would be {size} unpacked; up to "
                        "{limit} per file are read. Use a smaller "
                        "model, or convert it on a computer with more memory.")
                            .format(name=name, filename=info.filename, size=size_text(size),
                                    limit=size_text(ZIP_MAX_MEMBER_BYTES)))
        if size > ZIP_RATIO_FROM_BYTES and size / packed > ZIP_MAX_RATIO:
            raise error(_("{name}: {filename} would grow {value:,} times when "
                        "unpacked (to {size}); up to {ZIP_MAX_RATIO} times is read."
                        " Real model files do not compress like that: save the model again.")
                            .format(name=name, filename=info.filename, value=size // packed,
                                    size=size_text(size), ZIP_MAX_RATIO=ZIP_MAX_RATIO))
    if total > ZIP_MAX_TOTAL_BYTES:
        raise error(_("{name} would be {size} unpacked; up to "
                    "{limit} are read. Use a smaller model.")
                        .format(name=name, size=size_text(total),
                                limit=size_text(ZIP_MAX_TOTAL_BYTES)))


def read_member(archive: zipfile.ZipFile, member: str, name: str,
                error: Raise = InputError) -> bytes:
    """A member's bytes, never more than its central-directory size says (it may lie).

    (zipfile itself stops there and then finds the checksum wrong: either way, a message.)
    """
    info = archive.getinfo(member)
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except zipfile.BadZipFile as e:
        raise error(_("{name}: {member} is damaged{detail}; its size or checksum does not "
                    "match its zip entry. Save the model again.")
                        .format(name=name, member=member, detail=detail(e))) from e
    if len(data) > info.file_size:
        raise error(_("{name}: {member} holds more than the {file_size:,} bytes its zip "
                    "entry declares; the file is damaged or was made to mislead. Save the "
                    "model again.").format(name=name, member=member, file_size=info.file_size))
    return data


# ------------------------------------------------------------------------------- images


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from an image's header, or None if not a known format.

    PNG, JPEG, GIF, WebP, BMP and AVIF: what the browser decodes. Only the header is
    read; the pixels are not touched.
    """
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return ("PNG", 0, 0)
        w, h = struct.unpack(">II", data[16:24])
        return ("PNG", w, h)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        if len(data) < 10:
            return ("GIF", 0, 0)
        w, h = struct.unpack("<HH", data[6:10])
        return ("GIF", w, h)
    if data[:2] == b"BM":
        return ("BMP", *_bmp_size(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("WebP", *_webp_size(data))
    if data[:3] == b"\xff\xd8\xff":
        return ("JPEG", *_jpeg_size(data))
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        found = data.find(b"ispe")
        if found < 0 or found + 16 > len(data):
            return ("AVIF", 0, 0)
        w, h = struct.unpack(">II", data[found + 8:found + 16])
        return ("AVIF", w, h)
    return None


def _bmp_size(data: bytes) -> tuple[int, int]:
    if len(data) < 26:
        return 0, 0
    header = struct.unpack("<I", data[14:18])[0]
    if header == 12:
        return struct.unpack("<HH", data[18:22])
    w, h = struct.unpack("<ii", data[18:26])
    return abs(w), abs(h)


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return 0, 0


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the marker segments up to the first start-of-frame (no pixel data is read)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return 0, 0
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # no length
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in _JPEG_SOF:
            if i + 9 > len(data):
                return 0, 0
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if length < 2:
            return 0, 0
        i += 2 + length
    return 0, 0


def check_image(data: bytes, name: str, formats: str, error: Raise = InputError
                ) -> tuple[str, int, int]:
    """(format, width, height) of an image the browser may decode, else ``error``.

    Refused: an unknown format, a header without a size (damaged), and more than
    :data:`IMAGE_MAX_PIXELS` or :data:`IMAGE_MAX_SIDE`, before any decoder sees it.
    """
    found = image_size(data)
    if found is None:
        raise error(_("{name} is not an image this browser can decode (it is not a "
                    "{formats} file): pick a photo ({formats}).")
                        .format(name=name, formats=formats))
    kind, w, h = found
    if w <= 0 or h <= 0:
        raise error(_("{name} is not an image this browser can decode (its {kind} header "
                    "has no size: a damaged or cut-off file): pick a photo ({formats}).")
                        .format(name=name, kind=kind, formats=formats))
    if w * h > IMAGE_MAX_PIXELS or max(w, h) > IMAGE_MAX_SIDE:
        raise error(_("{name} says it is {w:,} x {h:,} pixels ({value:,.0f} megapixels); "
                    "photos up to {value2} megapixels and "
                    "{IMAGE_MAX_SIDE:,} pixels on a side are read. Scale it down in a photo "
                    "editor and pick it again.")
                        .format(name=name, w=w, h=h, value=w * h / 1000000.0,
                                value2=IMAGE_MAX_PIXELS // 10 ** 6, IMAGE_MAX_SIDE=IMAGE_MAX_SIDE))
    return kind, w, h


# ------------------------------------------------------------------------------- HDF5


def check_dataset(shape: tuple[int, ...], itemsize: int, compressed: bool, file_bytes: int,
                  where: str, error: Raise = InputError) -> int:
    """Bytes a dataset decodes to, refused if the file cannot hold it (before allocating)."""
    if any(int(d) < 0 for d in shape):
        raise error(_("{where}: a dataset with a negative size; the file is damaged. Save the "
                    "model again.").format(where=where))
    nbytes = max(int(itemsize), 1)
    for d in shape:
        nbytes *= int(d)
    room = file_bytes * (HDF5_MAX_EXPANSION if compressed else 1)
    shape_text = tuple(int(d) for d in shape)
    if nbytes > room:
        raise error(_("{where}: a dataset of shape {shape_text} needs {size} but "
                    "the whole file is {limit}: the file is damaged or "
                    "truncated. Save the model again and convert the new file.")
                        .format(where=where, shape_text=shape_text, size=size_text(nbytes),
                                limit=size_text(file_bytes)))
    if nbytes > ARRAY_MAX_BYTES:
        raise error(_("{where}: a dataset of shape {shape_text} ({size}); weight "
                    "arrays up to {limit} are read. Use a smaller model.")
                        .format(where=where, shape_text=shape_text, size=size_text(nbytes),
                                limit=size_text(ARRAY_MAX_BYTES)))
    return nbytes


# ------------------------------------------------------------------------------- JSON

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_depth(text: bytes | str) -> int:
    """The deepest nesting of [ and { outside strings: a cheap scan, no recursion."""
    import numpy as np

    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    codes = np.frombuffer(_JSON_STRING.sub(b"", raw), np.uint8)
    depth = deepest = 0
    for start in range(0, len(codes), 1 << 20):  # 1 MB at a time: small temporaries
        part = codes[start:start + (1 << 20)]
        step = ((part == 91) | (part == 123)).astype(np.int32) - (
            (part == 93) | (part == 125)).astype(np.int32)
        levels = np.cumsum(step, dtype=np.int64) + depth
        if len(levels):
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
    return deepest


def check_json(text: bytes | str, where: str, error: Raise = InputError) -> None:
    """Refuse JSON too big or too deeply nested before ``json.loads`` recurses into it."""
    if len(text) > JSON_MAX_BYTES:
        raise error(_("{where} is {size} of JSON; up to "
                    "{limit} are read. Save the model again.")
                        .format(where=where, size=size_text(len(text)),
                                limit=size_text(JSON_MAX_BYTES)))
    depth = json_depth(text)
    if depth > JSON_MAX_DEPTH:
        raise error(_("{where} is JSON nested {depth:,} levels deep; up to {JSON_MAX_DEPTH} "
                    "levels are read (a real model config has about 10). The file is damaged "
                    "or was made to crash readers: save the model again.")
                        .format(where=where, depth=depth, JSON_MAX_DEPTH=JSON_MAX_DEPTH))
