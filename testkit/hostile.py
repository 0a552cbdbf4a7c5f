"""A corpus of broken and hostile files, made at test time (nothing large is committed).

Each function returns ``{file name: bytes}`` for one kind of input. Every file must end
in a result or in its reader's own error class with a plain message: never a traceback,
a hang or a crash. The unit tests run them through the readers on CPython; the browser
test drops them on each lab's file input.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

from testkit.pictures import png_rgb

ROOT = Path(__file__).resolve().parent.parent
KERAS = ROOT / "tests" / "fixtures" / "keras"


def _noise(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG whose header claims width x height, with a few bytes of data."""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                                 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def keras_with(config: bytes, base: str = "course_cnn.k3.keras") -> bytes:
    """A real .keras fixture with its config.json replaced."""
    with zipfile.ZipFile(KERAS / base) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["config.json"] = config
    return zip_of(members, zipfile.ZIP_STORED)


def lying_zip(real: bytes, member: str) -> bytes:
    """A zip whose central directory says ``member`` is 10 bytes (it inflates to more)."""
    data = bytearray(real)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len] == member.encode():
            struct.pack_into("<I", data, at + 24, 10)
        start = at + 4
    return bytes(data)


def h5_with_huge_dataset() -> bytes:
    """course_cnn.tfk2.h5 whose dense kernel's dataspace claims 36e9 x 8e6 floats."""
    data = (KERAS / "course_cnn.tfk2.h5").read_bytes()
    return data.replace(struct.pack("<QQ", 36, 8), struct.pack("<QQ", 36 * 10**9, 8 * 10**6))


@functools.cache
def models() -> dict[str, bytes]:
    """Keras files for the converter (the CLI and the convert page)."""
    deep = b'{"a": ' * 50_000 + b"1" + b"}" * 50_000
    h5 = (KERAS / "course_cnn.tfk2.h5").read_bytes()
    keras = (KERAS / "course_cnn.k3.keras").read_bytes()
    return {
        "empty.h5": b"",
        "random.h5": _noise(5000, 1),
        "text.keras": b"this is not a model\n" * 10,
        "truncated.h5": h5[: len(h5) // 2],
        "truncated.keras": keras[: len(keras) // 2],
        "header_only.h5": h5[:512],
        "deep_config.keras": keras_with(deep),
        "deep_list_config.keras": keras_with(b"[" * 200_000 + b"]" * 200_000),
        "not_json_config.keras": keras_with(b"\xff\xfe{not json"),
        "list_config.keras": keras_with(b"[1, 2, 3]"),
        "layers_not_dicts.keras": keras_with(
            b'{"class_name": "Sequential", "config": {"layers": [1, "x", null]}}'),
        "zip_bomb.keras": zip_of({"config.json": b"{}", "metadata.json": b"{}",
                                  "model.weights.h5": b"\0" * 120_000_000}),
        "lying_zip.keras": lying_zip(zip_of({"config.json": b"{" + b" " * 5000 + b"}",
                                             "model.weights.h5": b"\0" * 1000}),
                                     "config.json"),
        "many_members.keras": zip_of({f"m{i}": b"" for i in range(10_050)},
                                     zipfile.ZIP_STORED),
        "huge_dataset.h5": h5_with_huge_dataset(),
        "zeroed_middle.h5": h5[:2048] + b"\0" * 4096 + h5[6144:],
        "png_named.h5": png_claiming(10, 10),
    }


@functools.cache
def csvs() -> dict[str, bytes]:
    """CSV files for the "Your CSV" lab."""
    rows = "x,y,label\n" + "".join(f"{i % 7},{(i * 3) % 11},{'ab'[i % 2]}\n"
                                   for i in range(60))
    many_classes = "height,name\n" + "".join(f"{i % 13},n{i:03d}\n" for i in range(300))
    return {
        "empty.csv": b"",
        "blank_lines.csv": b"\n\n  \n,,\n",
        "random.csv": _noise(4000, 2),
        "zip_named.csv": zip_of({"a.csv": rows.encode()}),
        "png_named.csv": png_claiming(4, 4),
        "only_label.csv": b"label\n" + b"a\nb\n" * 30,
        "label_and_empty.csv": b"empty,label\n" + b",a\n,b\n" * 30,
        "empty_feature_column.csv": ("x,notes,label\n" + "".join(
            f"{i % 9},,{'ab'[i % 2]}\n" for i in range(60))).encode(),
        "utf16_excel.csv": rows.replace(",", "\t").encode("utf-16"),
        "utf16be.csv": b"\xfe\xff" + rows.encode("utf-16-be"),
        "utf32.csv": rows.encode("utf-32"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + rows.encode(),
        "one_long_line.csv": b"a,b\n" + b"1" * 3_000_000 + b",2\n",
        "huge_field.csv": b"a,b\n\"" + b"x\n" * 200_000 + b"\",1\n",
        "unclosed_quote.csv": b'a,b,c\n1,"2,3\n4,5,6\n',
        "ragged.csv": b"a,b,c\n1,2,3\n4,5\n",
        "nul_bytes.csv": b"a,b\n1,\x002\n" * 10,
        "header_only.csv": b"a,b,c\n",
        "duplicate_names.csv": b"a,a,b\n1,2,3\n4,5,6\n",
        "wide.csv": (",".join(f"c{i}" for i in range(3000)) + "\n").encode() * 2,
        "many_classes.csv": many_classes.encode(),
        "one_class.csv": b"x,label\n" + b"1,a\n2,a\n" * 20,
        "inf_values.csv": b"x,y\n" + b"inf,1\n1e999,2\n-inf,1\n3,2\n" * 10,
        "latin1.csv": "name,value\nJos\u00e9,1\nZo\u00eb,2\n".encode("latin-1") * 10,
    }


@functools.cache
def images() -> dict[str, bytes]:
    """Files for a photo input (MobileNet, the webcam studio's photos)."""
    ok = png_rgb(__import__("numpy").full((8, 8, 3), 128, "uint8"))
    return {
        "empty.png": b"",
        "text.png": b"not a picture at all\n",
        "random.jpg": _noise(3000, 3),
        "claims_60000x60000.png": png_claiming(60000, 60000),
        "claims_20000x20000.png": png_claiming(20000, 20000),
        "zero_size.png": png_claiming(0, 10),
        "truncated.png": ok[: len(ok) // 2],
        "header_only.png": ok[:33],
        "huge.gif": b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\0" * 20,
        "huge.bmp": b"BM" + b"\0" * 12 + struct.pack("<Iii", 40, 60000, -60000) + b"\0" * 40,
        "huge.jpg": (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\0" * 9
                     + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 65000, 65000) + b"\0" * 30),
        "huge.webp": (b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10)
                      + b"\0" * 4 + (60000 - 1).to_bytes(3, "little")
                      + (60000 - 1).to_bytes(3, "little")),
        "jpeg_no_frame.jpg": b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"\0" * 14,
        "zip.png": zip_of({"a": b"b"}),
        "svg.png": b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
    }


@functools.cache
def texts() -> dict[str, str]:
    """Text for the Toxicity lab's text box: refused with a message, or scored."""
    return {
        "zero_width": "\u200b\u200c\u200d\ufeff\n\u2060",
        "controls": "\x01\x02\x03\n\x7f\x1b\x9b",
        "spaces": "   \n\t\n\u3000",
        "combining_only": "\u0301\u0301\u0301",
        "rtl_marks": "\u202e\u202d\u200f",
    }
