"""The "Convert a Keras model" page in Chromium: Pyodide converts, TF.js loads and predicts.

Checks the conversion in the page against Keras' own predictions (refs.json), that
Pyodide writes the same bytes as CPython for every fixture and quantization, the
interactive path (choose, drop a file, choose a quantization, download), and that bad
files get a clear message with nothing leaked.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import numpy as np
import pytest

from pytfjs.convert import QUANTIZE_DTYPES, convert_bytes
from testkit.harness import (
    ROOT,
    console_text,
    drop_file,
    expect_problem,
    lab_url,
    long_decimals,
    open_lab,
    run_in_lab,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

FIXTURES = ROOT / "tests" / "fixtures" / "keras"
REFS = json.loads((FIXTURES / "refs.json").read_text())
SAMPLE = "models/keras/emotion_model.hdf5"


def flat_input(name: str) -> str:
    return ",".join(repr(float(v)) for v in np.ravel(REFS[name]["input"][0]))


def sha256s(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


@pytest.fixture(scope="module")
def served_fixtures(fixtures_dir):
    target = fixtures_dir / "keras"
    if not target.exists():
        shutil.copytree(FIXTURES, target)
    return target


def test_the_sample_converts_and_predicts_what_keras_predicted(page, site_url, dist_dir):
    # the learner types the 4,096 input numbers into the script (too long for a URL)
    assert open_lab(page, site_url, "convert", backend="wasm", model=SAMPLE) == "ready"
    code = page.evaluate("window.pytfjs.getCode()")
    typed = f'TYPED_INPUT = "{flat_input("emotion_model.hdf5")}"'
    assert run_in_lab(page, code.replace('TYPED_INPUT = ""', typed, 1)) == "done", \
        console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert long_decimals(page) == []
    np.testing.assert_allclose(results["output"], REFS["emotion_model.hdf5"]["output"][0],
                               atol=1e-5, rtol=0)
    assert results["keras_version"] == "2.0.5"
    assert results["parameters"] == REFS["emotion_model.hdf5"]["params"]
    cpython = convert_bytes((dist_dir / SAMPLE).read_bytes(), "emotion_model.hdf5")
    assert results["sha256"] == sha256s(cpython.files)
    assert "29 layers with weights, 58,423 parameters" in console_text(page)
    assert page.get_by_role("button", name="Download emotion_model-tfjs.zip").count() == 1
    assert tensor_count(page) == 0


def test_pyodide_writes_the_same_bytes_as_cpython(page, site_url, served_fixtures):
    names = sorted(n for n in REFS if n != "emotion_model.hdf5")
    assert open_lab(page, site_url, "convert", backend="cpu") == "ready"
    code = f"""
import hashlib
from pytfjs import report, ui
from pytfjs.convert import convert_bytes
out = {{}}
for name in {names!r}:
    data = await ui.fetch_bytes("_test/keras/" + name)
    for quant in (None, "float16", "uint8", "uint16"):
        files = convert_bytes(data, name, quant).files
        out[f"{{name}}:{{quant}}"] = {{n: hashlib.sha256(b).hexdigest() for n, b in files.items()}}
report(hashes=out)
"""
    assert run_in_lab(page, code) == "done", console_text(page)
    in_page = page.evaluate("window.pytfjs.results.hashes")
    expected = {f"{name}:{quant}": sha256s(convert_bytes((FIXTURES / name).read_bytes(), name,
                                                         quant).files)
                for name in names for quant in (None, *QUANTIZE_DTYPES)}
    assert in_page == expected


def test_drop_a_keras3_file_choose_uint8_type_an_input_and_get_the_zip(page, site_url):
    name = "blocks.k3.keras"
    page.goto(lab_url(site_url, "convert", run=1, backend="wasm"))
    page.wait_for_selector("#inputs button[data-choice^='my own']")
    page.click("#inputs button[data-choice^='my own']")
    drop_file(page, name, (FIXTURES / name).read_bytes(), mime="application/zip")
    page.wait_for_selector("#inputs button[data-choice='uint8']")
    page.click("#inputs button[data-choice='uint8']")
    # the converted model waits for input numbers: a wrong count is refused, then it predicts
    box = page.get_by_label("Input numbers")
    box.fill("1, 2, 3")
    page.get_by_role("button", name="Predict").click()
    page.wait_for_selector("#inputs .ask-problem")
    assert "needs 300 numbers (shape [10, 10, 3]); you typed 3" in page.inner_text("#inputs")
    page.get_by_label("Input numbers").fill(flat_input(name))
    page.get_by_role("button", name="Predict").click()
    wait_until(page, "window.pytfjs.results && window.pytfjs.results.output")
    results = page.evaluate("window.pytfjs.results")
    assert results["quantize"] == "uint8" and results["keras_version"] == "3.15.1"
    assert results["input_shape"] == [1, 10, 10, 3]
    np.testing.assert_allclose(results["output"], REFS[name]["output"][0], atol=0.3)
    cpython = convert_bytes((FIXTURES / name).read_bytes(), name, "uint8")
    assert results["sha256"] == sha256s(cpython.files)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download blocks.k3-tfjs.zip").click()
    assert download.value.suggested_filename == "blocks.k3-tfjs.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == cpython.files
    page.click("#stop")  # the page keeps asking for inputs until Stop
    assert wait_state(page, "ready", "done", "error") == "ready"
    assert tensor_count(page) == 0


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.h5", b"these are my notes, not a model\n", "notes.h5 is not a Keras model"),
    ("cut.h5", (FIXTURES / "course_cnn.tfk2.h5").read_bytes()[:12000],
     "cut.h5: the HDF5 file is truncated or damaged"),
    ("custom.h5", (FIXTURES / "bad.custom_layer.h5").read_bytes(),
     "class 'Scale' is not a Keras built-in layer: a custom layer"),
    ("weights.h5", (FIXTURES / "bad.weights_only.h5").read_bytes(), "holds only weights"),
])
def test_bad_files_get_a_clear_message(page, site_url, name, data, message):
    page.goto(lab_url(site_url, "convert", run=1, backend="cpu"))
    page.wait_for_selector("#inputs button[data-choice^='my own']")
    page.click("#inputs button[data-choice^='my own']")
    drop_file(page, name, data, mime="application/octet-stream")
    page.wait_for_selector("#inputs button[data-choice='float32 (exact)']")
    page.click("#inputs button[data-choice='float32 (exact)']")
    expect_problem(page, message)
