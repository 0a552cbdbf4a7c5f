"""Broken and hostile files end as their reader's own error with a plain message.

The corpus is testkit/hostile.py (made at test time). Each case must end in a result or
the reader's error class, whose message names the file and says what to do; the limits
of pytfjs.limits are checked from what the file declares, before the work.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pytfjs import limits
from pytfjs.control import InputError
from pytfjs.convert import ConvertError, convert_bytes
from pytfjs.convert.torch_state import TorchStateError, load_state_dict
from pytfjs.data import csv, images
from pytfjs.text import sentences
from testkit import hostile
from testkit.harness import ROOT
from testkit.pictures import png_rgb

JARGON = ("Traceback", "Error:", "newline=''", "_csv", "errno")


def plain(message: str) -> None:
    assert not any(word in message for word in JARGON), message


# ------------------------------------------------------------------ the converter

MODEL_MESSAGES = {
    "deep_config.keras": "nested 50,000 levels deep; up to 100 levels are read",
    "deep_list_config.keras": "up to 100 levels are read",
    "zip_bomb.keras": f"up to {limits.ZIP_MAX_RATIO} times is read",
    "many_members.keras": f"up to {limits.ZIP_MAX_MEMBERS:,} are read",
    "huge_dataset.h5": "but the whole file is 24 KB: the file is damaged or truncated",
    "truncated.h5": "truncated or damaged",
    "layers_not_dicts.keras": "could not be converted: the file is damaged",
    "empty.h5": "is empty (0 bytes)",
    "png_named.h5": "is not a Keras model",
}


@pytest.mark.parametrize("name", sorted(hostile.models()))
def test_every_broken_model_is_a_convert_error_naming_the_file(name):
    data = hostile.models()[name]
    with pytest.raises(ConvertError) as refused:
        convert_bytes(data, name)
    message = str(refused.value)
    assert message.startswith(name), message
    plain(message)
    if name in MODEL_MESSAGES:
        assert MODEL_MESSAGES[name] in message


def test_the_cli_says_error_exits_1_and_writes_nothing(tmp_path):
    for name in ("deep_config.keras", "zip_bomb.keras", "huge_dataset.h5", "random.h5",
                 "layers_not_dicts.keras"):
        model = tmp_path / name
        model.write_bytes(hostile.models()[name])
        out = tmp_path / f"out-{name}"
        done = subprocess.run([sys.executable, "-m", "pytfjs.convert", str(model), str(out)],
                              capture_output=True, text=True, cwd=ROOT / "py", timeout=120)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: "), done.stderr
        assert "Traceback" not in done.stderr and not done.stdout
        assert not out.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_zip_member_is_never_read_past_its_declared_size():
    archive = zipfile.ZipFile(__import__("io").BytesIO(
        hostile.zip_of({"a": b"x" * 5000}, zipfile.ZIP_DEFLATED)))
    archive.getinfo("a").file_size = 10  # what a lying central directory says
    with pytest.raises(InputError, match="a is damaged .* does not match its zip entry"):
        limits.read_member(archive, "a", "lie.zip")


def test_zip_limits_are_checked_from_the_directory_alone():
    bomb = zipfile.ZipFile(__import__("io").BytesIO(hostile.models()["zip_bomb.keras"]))
    infos = {i.filename: i for i in bomb.infolist()}
    assert infos["model.weights.h5"].compress_size < 200_000  # nothing inflated to know
    with pytest.raises(ConvertError, match="would grow 1,0"):
        limits.check_zip(bomb, "bomb.keras", ConvertError)
    stored = hostile.zip_of({"w": b"\0" * 1000}, zipfile.ZIP_DEFLATED)  # small zeros: fine
    limits.check_zip(zipfile.ZipFile(__import__("io").BytesIO(stored)), "ok.zip")


def test_json_depth_scan_skips_strings_and_escapes():
    assert limits.json_depth(b'{"a": [1, {"b": "[[[[\\"["}]}') == 3
    assert limits.json_depth("[]") == 1
    assert limits.json_depth(b'"{{{{"') == 0
    assert limits.json_depth(b"[" * 1000) == 1000
    real = (hostile.KERAS / "nested.k3.keras")
    with zipfile.ZipFile(real) as archive:
        depth = limits.json_depth(archive.read("config.json"))
    assert 3 < depth <= limits.JSON_MAX_DEPTH  # real configs pass with room to spare


def test_a_huge_torch_tensor_is_refused_before_it_is_built():
    import pickle

    from pytfjs.convert import torch_state

    storage = torch_state.Storage("0", np.dtype("<f4"), 4, np.zeros(4, np.float32))
    ref = torch_state.TensorRef(storage, 0, (10**6, 10**6), (0, 0))
    with pytest.raises(TorchStateError, match="arrays up to 2.0 GB are read"):
        ref.array("big.pth", "w")
    with pytest.raises(TorchStateError, match="not a PyTorch file"):
        load_state_dict(pickle.dumps([1]) + b"\x80", "junk.pth")
    bomb = hostile.zip_of({"archive/data.pkl": b"x", "archive/data/0": b"\0" * 120_000_000})
    with pytest.raises(TorchStateError, match="times is read"):
        load_state_dict(bomb, "bomb.pth")


# ------------------------------------------------------------------ CSV

CSV_PROBLEMS = {
    "random.csv": "binary", "zip_named.csv": "binary", "png_named.csv": "binary",
    "nul_bytes.csv": "binary", "empty.csv": "empty", "blank_lines.csv": "empty",
    "one_long_line.csv": "long-line", "huge_field.csv": "long-field", "wide.csv": "too-wide",
    "latin1.csv": "encoding", "header_only.csv": "header-only", "ragged.csv": "ragged",
    "unclosed_quote.csv": "ragged", "duplicate_names.csv": "duplicate",
    "only_label.csv": "no-features", "label_and_empty.csv": "no-features",
}


@pytest.mark.parametrize("name", sorted(hostile.csvs()))
def test_every_broken_csv_is_read_or_refused_in_plain_words(name):
    data = hostile.csvs()[name]
    try:
        table = csv.read(data, name)
        table.check_trainable()
        label = list(table.columns)[-1]
        table.feature_choices(label)
    except csv.CsvError as problem:
        plain(str(problem))
        assert name in str(problem)
        assert CSV_PROBLEMS.get(name) == problem.problem, (name, problem.problem)
        return
    assert name not in CSV_PROBLEMS, f"{name} was read"


@pytest.mark.parametrize("name", ["utf16_excel.csv", "utf16be.csv", "utf32.csv",
                                  "utf8_bom.csv"])
def test_unicode_csvs_are_recognised_by_their_byte_order_mark(name):
    table = csv.read(hostile.csvs()[name], name)
    assert list(table.columns) == ["x", "y", "label"]
    assert table.rows == 60 and table.columns["x"].kind == "number"


def test_utf16_without_a_bom_is_recognised_by_its_zero_bytes():
    table = csv.read("a,b\n1,2\n3,4\n".encode("utf-16-le"), "nobom.csv")
    assert list(table.columns) == ["a", "b"] and table.rows == 2


def test_a_column_empty_in_every_row_is_left_out_with_a_note():
    table = csv.read(hostile.csvs()["empty_feature_column.csv"], "e.csv")
    assert "'notes' is empty in every row" in " ".join(table.notes)
    assert table.feature_choices("label") == ["x"]
    for features in (None, ["x", "notes"]):  # chosen or not, it cannot be used
        data = table.prepare("label", features)
        assert data.feature_names == ["x"]
        assert any("'notes'" in note and "empty in every row" in note for note in data.notes)
        assert np.isfinite(data.x_train).all()


def test_new_rows_with_missing_values_get_the_training_mean():
    table = csv.read(b"a,b,label\n1,,x\n3,4,y\n5,6,x\n7,8,y\n9,10,x\n", "m.csv")
    data = table.prepare("label", missing="fill", validation_split=0)
    row = data.transform([{"a": "", "b": "n/a"}])
    assert np.allclose(row, 0.0)  # the mean, standardized
    with pytest.raises(csv.CsvError, match="needs a number"):
        data.transform([{"a": "seven", "b": "1"}])


def test_a_label_with_too_many_classes_warns_and_offers_choices():
    table = csv.read(hostile.csvs()["many_classes.csv"], "many.csv")
    warning = table.class_warning("name")
    assert "300 different values in 300 rows" in warning
    with pytest.raises(csv.CsvError) as asked:
        table.prepare("name", rare_classes="ask")
    assert asked.value.problem == "too-many-classes"
    assert asked.value.choices == ("group", "keep")  # text: not a number
    with pytest.raises(csv.CsvError, match="only one value"):  # all rare: one class left
        table.prepare("name", rare_classes="group")
    numeric = csv.read(b"x,y\n" + b"".join(b"%d,%d\n" % (i % 17, i * 7 % 101) for i in range(120)),
                       "n.csv")
    with pytest.raises(csv.CsvError) as asked:
        numeric.prepare("y", task="classification", rare_classes="ask")
    assert asked.value.choices == ("group", "regression", "keep")
    assert numeric.prepare("y", task="classification",
                           rare_classes="regression").task == "regression"
    assert csv.read(b"x,label\n" + b"1,a\n2,b\n" * 30, "ok.csv").class_warning("label") is None


def test_grouping_rare_classes_keeps_the_common_ones():
    rows = [f"{i % 10},{'common' if i % 2 else 'other' + str(i)}" for i in range(40)]
    rows += [f"{i % 10},frequent" for i in range(40, 60)]
    table = csv.read(("x,label\n" + "\n".join(rows)).encode(), "g.csv")
    assert table.class_warning("label")
    data = table.prepare("label", rare_classes="group")
    assert data.class_names == ["(other)", "common", "frequent"]
    assert any("grouped 20 classes" in note for note in data.notes)


def test_field_limit_is_restored_after_reading():
    import csv as std_csv

    before = std_csv.field_size_limit()
    with pytest.raises(csv.CsvError):
        csv.read(hostile.csvs()["huge_field.csv"], "f.csv")
    assert std_csv.field_size_limit() == before


# ------------------------------------------------------------------ photos and text

def test_image_headers_give_the_size_without_decoding():
    rgb = np.zeros((5, 7, 3), np.uint8)
    assert limits.image_size(png_rgb(rgb)) == ("PNG", 7, 5)
    photo = (ROOT / "site" / "data" / "photos")
    for path in sorted(photo.glob("*.png"))[:2] if photo.is_dir() else []:
        kind, w, h = limits.image_size(path.read_bytes())
        assert kind == "PNG" and w > 0 and h > 0
    corpus = hostile.images()
    assert limits.image_size(corpus["huge.gif"]) == ("GIF", 65535, 65535)
    assert limits.image_size(corpus["huge.bmp"]) == ("BMP", 60000, 60000)
    assert limits.image_size(corpus["huge.jpg"]) == ("JPEG", 65000, 65000)
    assert limits.image_size(corpus["huge.webp"]) == ("WebP", 60000, 60000)
    vp8l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f" + ((99) | (49 << 14)).to_bytes(4, "little")
    assert limits.image_size(vp8l) == ("WebP", 100, 50)
    avif = b"\0\0\0\x1cftypavif" + b"\0" * 16 + b"\0\0\0\x14ispe\0\0\0\0" + \
        struct.pack(">II", 640, 480)
    assert limits.image_size(avif) == ("AVIF", 640, 480)


@pytest.mark.parametrize("name", sorted(hostile.images()))
def test_every_broken_photo_is_refused_from_its_header_or_left_to_the_decoder(name):
    data = hostile.images()[name]
    try:
        kind, w, h = images.check(data, name)
    except InputError as refused:
        plain(str(refused))
        assert str(refused).startswith(name)
        return
    assert w * h <= limits.IMAGE_MAX_PIXELS  # the browser's decoder gets only these


def test_the_photo_limit_is_in_the_message():
    with pytest.raises(InputError) as refused:
        images.check(hostile.png_claiming(60000, 60000), "big.png")
    assert "60,000 x 60,000 pixels" in str(refused.value)
    assert f"photos up to {limits.IMAGE_MAX_PIXELS // 10**6} megapixels" in str(refused.value)


@pytest.mark.parametrize("name", sorted(hostile.texts()))
def test_text_without_visible_characters_is_refused(name):
    with pytest.raises(InputError, match="no visible characters|no sentence to score"):
        sentences(hostile.texts()[name])


def test_invisible_lines_are_dropped_and_visible_ones_kept():
    assert sentences("hello\n\u200b\u200b\n\x01\nyou") == ["hello", "you"]
    assert sentences("caf\u00e9 \u200bok") == ["caf\u00e9 \u200bok"]


def test_the_node_png_decoder_checks_the_header_before_inflating(tmp_path):
    """The Node decoder (node-red-contrib-pytfjs, used by examples/node): the page's photo
    limit from the header, and a small picture's data never inflated into gigabytes."""
    import json as _json

    bomb = (b"\x89PNG\r\n\x1a\n" + hostile._chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2,
                                                                        0, 0, 0))
            + hostile._chunk(b"IDAT", __import__("zlib").compress(b"\0" * 50_000_000))
            + hostile._chunk(b"IEND", b""))
    cases = {"huge.png": hostile.png_claiming(60000, 60000), "bomb.png": bomb,
             "zero.png": hostile.png_claiming(0, 5), "ok.png": png_rgb(np.zeros((3, 2, 3),
                                                                                np.uint8))}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    script = """
const { decodeImage } = require(process.argv[1]); const fs = require('fs');
const out = {};
for (const f of process.argv.slice(2)) {
  try { const p = decodeImage(fs.readFileSync(f)); out[f] = `${p.width}x${p.height}`; }
  catch (e) { out[f] = 'refused: ' + e.message; }
}
console.log(JSON.stringify(out));"""
    done = subprocess.run(["node", "-e", script,
                           str(ROOT / "node-red-contrib-pytfjs/lib/image.js"),
                           *(str(tmp_path / n) for n in cases)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    got = {Path(k).name: v for k, v in _json.loads(done.stdout).items()}
    assert got["ok.png"] == "2x3"
    assert "claims 60000x60000 pixels; pictures up to 100 megapixels" in got["huge.png"]
    assert got["bomb.png"].startswith("refused: ")  # pngjs inflates no more than 4x4 needs
    assert "header has no size" in got["zero.png"]


def test_a_picked_model_is_refused_by_its_size_before_it_is_read():
    with pytest.raises(ConvertError, match="model files up to 1.0 GB are read in the page"):
        limits.check_file_size(3 * 10**9, "big.h5", limits.MODEL_MAX_FILE_BYTES,
                               "model files", ConvertError)
    limits.check_file_size(10**6, "small.h5", limits.MODEL_MAX_FILE_BYTES, "model files")


def test_keeping_too_many_classes_still_says_why_accuracy_may_be_low():
    data = csv.read(hostile.csvs()["many_classes.csv"], "many.csv").prepare(
        "name", rare_classes="keep", validation_split=0.1)
    assert any("300 different values in 300 rows" in note for note in data.notes)
