"""Pieces behind the labs that need no browser: site paths, export files, data sets."""

from __future__ import annotations

import csv as stdcsv
import io
import json
import zipfile

import numpy as np
import pytest

from buildlib.make import datasets
from pytfjs import _compat, export, ui


@pytest.mark.parametrize("url", ["data/iris.csv", "_test/x.csv", "./a.csv", "sub/dir/b.csv"])
def test_site_paths_are_accepted(url):
    assert ui.site_path(url) == url


@pytest.mark.parametrize("url", ["https://example.com/a.csv", "//cdn.example/a.csv",
                                 "http://127.0.0.1:8000/a.csv", "file:///etc/passwd"])
def test_other_hosts_are_refused(url):
    with pytest.raises(ValueError, match="is not on this site"):
        ui.site_path(url)


def test_layers_model_json_is_what_tfjs_loads():
    doc = export.layers_model_json({"class_name": "Sequential"}, [{"name": "d/kernel"}])
    assert doc["format"] == "layers-model"
    assert doc["weightsManifest"] == [{"paths": ["weights.bin"], "weights": [{"name": "d/kernel"}]}]


def test_zip_files_is_reproducible():
    files = {"model.json": b"{}", "weights.bin": bytes(range(256))}
    first, second = export.zip_files(files), export.zip_files(dict(files))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.read("weights.bin") == bytes(range(256))


def test_lab_data_sets(dist_dir):
    iris = list(stdcsv.reader((dist_dir / "data/iris.csv").read_text().splitlines()))
    assert iris[0] == [*datasets.IRIS_COLUMNS, "species"] and len(iris) == 151
    assert iris[9] == ["4.4", "2.9", "1.4", "0.2", "setosa"]
    assert {row[4] for row in iris[1:]} == {"setosa", "versicolor", "virginica"}
    train = list(stdcsv.reader((dist_dir / "data/breast-cancer-train.csv").open()))
    test = list(stdcsv.reader((dist_dir / "data/breast-cancer-test.csv").open()))
    assert train[0] == test[0] and train[0][-1] == "diagnosis" and len(train[0]) == 31
    assert len(train) - 1 == 455 and len(test) - 1 == 114
    columns = list(zip(*[[float(v) for v in row[:30]] for row in train[1:]], strict=True))
    for values in columns:  # standardized with the training split's statistics
        mean = sum(values) / len(values)
        assert abs(mean) < 1e-5
    malignant = sum(int(row[30]) for row in train[1:] + test[1:])
    assert malignant == 212  # WDBC: 212 malignant, 357 benign


def test_build_info_lists_the_data(dist_dir):
    info = json.loads((dist_dir / "build-info.json").read_text())
    assert {"data/breast-cancer-test.csv", "data/breast-cancer-train.csv", "data/iris.csv",
            "data/mnist"} <= set(info["data"])
    assert {"one-neuron", "iris", "breast-cancer", "your-csv"} <= set(info["labs"])


# ---------------------------------------------------------------- chart text alternatives

def test_line_chart_description_reads_the_data():
    data = {"values": [[{"x": 1, "y": 2.0}, {"x": 2, "y": 0.5}, {"x": 3, "y": 0.25}],
                       [{"x": 1, "y": 3.0}, {"x": 2, "y": 4.0}, {"x": 3, "y": 3.5}]],
            "series": ["loss", "val_loss"]}
    assert ui.describe("linechart", data, {"xLabel": "epoch"}) == (
        "loss: 3 points over epoch 1 to 3, first 2, last 0.25, lowest 0.25, highest 2; "
        "val_loss: 3 points over epoch 1 to 3, first 3, last 3.5, lowest 3, highest 4")
    assert ui.describe("linechart", {"values": [], "series": []}) == "no data yet"


def test_chart_data_reaches_the_page_as_json_with_gaps_for_nan(monkeypatch):
    """The page draws line points at their own x; NaN (a diverged loss) and numpy numbers
    must still make valid JSON: NaN becomes null, a gap in the line."""
    drawn = []

    class Page:  # records what the page's render() hook would be given
        def render(self, kind, title, data, options, summary):
            drawn.append((kind, title, json.loads(data), json.loads(options), summary))

    monkeypatch.setattr(_compat, "ui", lambda: Page())
    three = {"values": [[{"x": i + 1, "y": 1.0 / (i + 1)} for i in range(3)]],
             "series": ["loss"]}
    ui.linechart("Loss", three)
    kind, title, data, options, summary = drawn[-1]
    assert (kind, title) == ("linechart", "Loss")
    assert data == three  # epochs 1..3 at x = 1..3, unchanged
    assert options["xLabel"] == "epoch" and options["yLabel"] == "loss"
    assert summary.startswith("loss: 3 points over epoch 1 to 3")
    gap = {"values": [[{"x": 1, "y": np.float32(0.5)}, {"x": 2, "y": float("nan")},
                       {"x": np.int64(3), "y": float("inf")}]], "series": ["loss"]}
    ui.render("linechart", "Mine", gap, {"xLabel": "step"})  # a lab's own chart
    assert drawn[-1][2]["values"][0] == [{"x": 1, "y": 0.5}, {"x": 2, "y": None},
                                         {"x": 3, "y": None}]
    assert drawn[-1][4].startswith("loss: 1 point over step 1 to 1")  # finite points only
    ui.render("heatmap", "Weights", {"values": np.eye(2, dtype=np.float32)})
    assert drawn[-1][2] == {"values": [[1.0, 0.0], [0.0, 1.0]]}


def test_confusion_matrix_description_names_the_worst_mix_up():
    data = {"values": [[5, 1, 0], [0, 4, 3], [0, 0, 7]], "tickLabels": ["a", "b", "c"]}
    assert ui.describe("confusionMatrix", data) == (
        "rows are true classes, columns predicted (3 classes): 16 of 20 on the diagonal "
        "(correct); most often confused: b taken for c (3 times)")


def test_other_chart_descriptions():
    points = {"values": [{"x": 1.0, "y": 1.5}, {"x": 3.0, "y": 2.5}]}  # one bare series
    assert ui.describe("scatterplot", points, {"xLabel": "true", "yLabel": "predicted"}) == (
        "series 1: 2 points, true 1 to 3, predicted 1.5 to 2.5")
    assert ui.describe("barchart", [{"index": "a", "value": 2}, {"index": "b", "value": 3}]) == (
        "2 bars: a 2, b 3")
    assert ui.describe("histogram", [1, 2, 3, 6]) == "4 values from 1 to 6, mean 3"
    assert ui.describe("heatmap", {"values": [[0, 1], [2, 3]]}) == "2 by 2 values from 0 to 3"
    assert ui.describe("linechart", {"values": "nonsense"}) == "linechart chart"
    assert ui.describe("violin", {}) == "violin chart"
