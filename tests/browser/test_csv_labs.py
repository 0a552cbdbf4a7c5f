"""Week 1 CSV labs in Chromium: Iris, breast cancer, and the CSV error paths in the page."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from testkit.exported_models import fruit_csv
from testkit.harness import (
    ROOT,
    console_text,
    drop_file,
    expect_problem,
    lab_url,
    long_decimals,
    share_at_least,
    tensor_count,
    wait_state,
)

pytestmark = pytest.mark.browser


def run_lab(page, site_url, lab, **params):
    page.goto(lab_url(site_url, lab, run=1, **params))
    state = wait_state(page, "done", "error")
    assert state == "done", console_text(page)
    return page.evaluate("window.pytfjs.results")


def test_iris_learns_and_predicts_setosa(page, site_url):
    results = run_lab(page, site_url, "iris", backend="wasm")
    assert share_at_least(results["val_accuracy"], results["val_count"], 90)
    assert results["sample_class"] == "setosa"
    assert results["sample_probabilities"]["setosa"] > 0.5
    assert "Prediction for [4.4, 2.9, 1.4, 0.2]" in page.inner_text("#charts")
    assert tensor_count(page) == 0


def test_breast_cancer_saves_loads_and_predicts_identically(page, site_url):
    downloads = []
    page.on("download", lambda d: downloads.append(d.suggested_filename))
    results = run_lab(page, site_url, "breast-cancer", backend="wasm")
    assert share_at_least(results["test_accuracy"], results["test_cases"], 95)
    assert results["reload_identical"] is True
    assert results["test_cases"] == 114
    page.evaluate("new Promise(requestAnimationFrame)")  # let any download event land
    assert downloads == []  # nothing downloads without a click
    with page.expect_download() as download:
        page.click("button.download")
    assert download.value.suggested_filename == "breast-cancer-model.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        model = json.loads(archive.read("model.json"))
        assert model["weightsManifest"][0]["paths"] == ["weights.bin"]
        assert len(archive.read("weights.bin")) == 4 * (30 * 16 + 16 + 16 * 8 + 8 + 8 + 1)
    assert tensor_count(page) == 0


# ---------------------------------------------------------------- "Train on your own CSV"

def make_regression_csv(path, rows=400, seed=2):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 10, rows), rng.uniform(-5, 5, rows)
    price = 30 * a - 12 * b + 200 + rng.normal(0, 5, rows)
    lines = ["area;rooms_delta;price"] + [f"{x:.2f};{y:.2f};{p:.1f}".replace(".", ",")
                                          for x, y, p in zip(a, b, price, strict=False)]
    path.write_text("\n".join(lines) + "\n")
    return float(price.std())


def node_prediction(zip_bytes: bytes, tmp_path, row: dict) -> dict:
    folder = tmp_path / "model"
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        archive.extractall(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "preprocessing.json",
                                                        "weights.bin"]
    proc = subprocess.run([shutil.which("node"), str(ROOT / "examples/node/csv-model.js"),
                           str(folder), json.dumps(row)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def download_zip(page) -> bytes:
    with page.expect_download() as info:
        page.click("button.download")
    return Path(info.value.path()).read_bytes()


def test_your_csv_classification_end_to_end(page, site_url, fixtures_dir, tmp_path):
    (fixtures_dir / "fruit.csv").write_text(fruit_csv())
    results = run_lab(page, site_url, "your-csv", backend="wasm", csv="_test/fruit.csv",
                      label="kind", text="onehot", epochs=40)
    assert results["task"] == "classification"
    assert results["classes"] == ["apple", "lemon", "pear"]
    assert long_decimals(page) == []
    assert share_at_least(results["test_accuracy"], results["test_count"], 85)
    charts = page.inner_text("#charts")
    assert "Confusion matrix (test rows)" in charts and "Accuracy per class" in charts
    assert "Preview: fruit.csv" in charts
    assert "left out 'id'" in console_text(page)
    assert tensor_count(page) == 0
    from_node = node_prediction(download_zip(page), tmp_path, results["first_row"])
    probabilities = results["first_row_probabilities"]
    assert list(probabilities) == results["classes"]
    assert np.allclose(from_node["output"], list(probabilities.values()), atol=1e-4)
    assert from_node["class"] == results["first_row_prediction"]


def test_your_csv_regression_end_to_end(page, site_url, fixtures_dir, tmp_path):
    spread = make_regression_csv(fixtures_dir / "houses.csv")
    # cpu: for a network this small TF.js' cpu backend is ~3x faster than wasm (its
    # per-op cost dominates), which keeps the seeded one-fit-per-epoch run short
    results = run_lab(page, site_url, "your-csv", backend="cpu", csv="_test/houses.csv",
                      label="price", epochs=40)
    assert results["task"] == "regression"
    assert results["test_mae"] < 0.15 * spread
    assert "Predicted vs true (test rows)" in page.inner_text("#charts")
    assert "separated by semicolons" in page.inner_text("#inputs")
    # every number in the label's units: the first row's price, as numpy and Node read it
    price = float(results["first_row"]["price"])
    assert abs(results["first_row_prediction"] - price) < 0.15 * spread
    from_node = node_prediction(download_zip(page), tmp_path, results["first_row"])
    assert np.isclose(from_node["value"], results["first_row_prediction"], rtol=1e-5)
    # the MAE chart's last validation point is the validation MAE in price units: the same
    # size as the test MAE, not the standardized one (about 1/spread of it)
    mae = page.get_attribute("#charts figure[data-title='MAE'] .surface-body", "aria-label")
    last = float(re.search(r"val_mae: .*?last ([\d.e+-]+)", mae).group(1))
    assert 0.3 * results["test_mae"] < last < 3 * results["test_mae"], mae


def start_your_csv(page, site_url, **params):
    page.goto(lab_url(site_url, "your-csv", backend="cpu", run=1, **params))
    page.wait_for_selector(".drop-zone")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.csv", b"", "empty.csv is empty"),
    ("header.csv", b"a,b,label\n", "has a header row (a, b, label) but no data rows"),
    ("ragged.csv", b"a,b,label\n1,2,x\n3,4\n5,6,y\n", "line 3 of ragged.csv has 2 fields"),
    ("one.csv", b"a,label\n1,x\n2,x\n3,x\n4,x\n5,x\n", "has only one value ('x')"),
])
def test_your_csv_bad_files_get_a_clear_message(page, site_url, name, data, message):
    start_your_csv(page, site_url, label="label")
    drop_file(page, name, data)
    expect_problem(page, message)
    # the page stays usable: the lab runs again and asks for a file again
    page.click("#run")
    page.wait_for_selector(".drop-zone")
    assert page.evaluate("document.body.dataset.state") == "running"


def test_your_csv_refuses_a_100_mb_file_without_reading_it(page, site_url):
    start_your_csv(page, site_url)
    drop_file(page, "huge.csv", size=100 * 1024 * 1024)
    expect_problem(page, "huge.csv is 100.0 MB; this page reads CSV files up to 25.0 MB")


def test_your_csv_asks_about_text_missing_values_and_encoding(page, site_url):
    rows = ["name,size,colour,ok"] + [
        f"{'Zoë' if i == 0 else 'item' + str(i)},{'' if i == 3 else i % 7},"
        f"{['red', 'blue'][i % 2]},{int(i % 7 > 3)}" for i in range(60)]
    start_your_csv(page, site_url, label="ok", task="classification", features="size,colour",
                   epochs=5)
    drop_file(page, "latin.csv", ("\n".join(rows) + "\n").encode("latin-1"))
    # not UTF-8: the page asks how to read it
    page.wait_for_selector("#inputs button[data-choice='latin-1']")
    assert "not UTF-8" in page.inner_text("#inputs")
    page.click("#inputs button[data-choice='latin-1']")
    # missing values: drop or fill
    page.wait_for_selector("#inputs button[data-choice='fill']")
    assert "'size': 1" in page.inner_text("#inputs")
    page.click("#inputs button[data-choice='fill']")
    # text in a feature column: one-hot or drop
    page.wait_for_selector("#inputs button[data-choice='onehot']")
    assert "column 'colour'" in page.inner_text("#inputs")
    page.click("#inputs button[data-choice='onehot']")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    text = console_text(page)
    assert "one-hot encoded 'colour'" in text and "filled missing values" in text


def test_your_csv_reads_a_tab_separated_file_without_header(page, site_url):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=80), rng.normal(size=80)
    rows = [f"{x:.3f}\t{y:.3f}\t{int(x + y > 0)}" for x, y in zip(a, b, strict=True)]
    start_your_csv(page, site_url, label="column_3", features="column_1,column_2",
                   task="classification", epochs=20)
    drop_file(page, "plain.tsv", ("\n".join(rows) + "\n").encode())
    assert wait_state(page, "done", "error") == "done", console_text(page)
    notes = page.inner_text("#inputs")
    assert "separated by tabs" in notes
    assert "the first line holds numbers, not column names" in notes
    results = page.evaluate("window.pytfjs.results")
    assert share_at_least(results["test_accuracy"], results["test_count"], 80)


def test_stop_while_the_lab_waits_for_a_file(page, site_url):
    start_your_csv(page, site_url)
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert "Stopped by you while the lab was waiting for input" in console_text(page)
    assert page.locator(".drop-zone").count() == 0
    assert not page.is_disabled("#run")


def test_your_csv_offers_sample_tables_to_a_learner_without_one(page, site_url):
    start_your_csv(page, site_url, label="species", task="classification", epochs=5,
                   features="sepal_length,sepal_width,petal_length,petal_width")
    samples = page.locator("#inputs button[data-sample]")
    assert samples.count() == 2
    page.click("#inputs button[data-sample='data/iris.csv']")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert "Preview: iris.csv" in page.inner_text("#charts")
    results = page.evaluate("window.pytfjs.results")
    assert results["test_count"] > 0
    assert tensor_count(page) == 0
