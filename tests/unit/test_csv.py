"""pytfjs.data.csv on CPython: reading, preparing, and every kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest

from pytfjs.data import csv

IRISH = "sepal_length,sepal_width,species\n" + "".join(
    f"{5 + i % 7 * 0.1:.1f},{3 + i % 5 * 0.1:.1f},{['setosa', 'versicolor', 'virginica'][i % 3]}\n"
    for i in range(30))


def problem(data, **kwargs) -> csv.CsvError:
    with pytest.raises(csv.CsvError) as info:
        table = csv.read(data, "my.csv", **{k: v for k, v in kwargs.items()
                                            if k in ("encoding", "delimiter", "header")})
        prep = {k: v for k, v in kwargs.items() if k not in ("encoding", "delimiter", "header")}
        if prep:
            table.prepare(**prep)
    assert "my.csv" in str(info.value) or info.value.problem in ("text-feature", "one-class")
    return info.value


def test_reads_header_types_and_preview():
    table = csv.read(IRISH.encode(), "iris.csv")
    assert table.rows == 30 and table.has_header and table.delimiter == ","
    info = table.describe()
    assert [c["type"] for c in info["columns"]] == ["number", "number", "text"]
    assert info["preview"][0] == ["5.0", "3.0", "setosa"]
    assert table.label_distribution("species") == {"setosa": 10, "versicolor": 10,
                                                   "virginica": 10}
    assert list(table.frame.columns) == ["sepal_length", "sepal_width", "species"]
    assert table.frame["sepal_length"].dtype == np.float64


def test_prepare_one_hot_labels_split_and_standardize():
    table = csv.read(IRISH, "iris.csv")
    data = table.prepare("species", validation_split=0.2, seed=1)
    assert data.task == "classification"
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.x_train.shape == (24, 2) and data.x_val.shape == (6, 2)
    assert data.y_train.shape == (24, 3) and data.y_train.dtype == np.float32
    assert np.allclose(data.y_train.sum(axis=1), 1)
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(data.x_train.std(axis=0), 1, atol=1e-5)
    again = table.prepare("species", validation_split=0.2, seed=1)
    assert np.array_equal(again.x_val, data.x_val)  # seeded
    other = table.prepare("species", validation_split=0.2, seed=2)
    assert not np.array_equal(other.x_val, data.x_val)
    # statistics come from the training split only
    raw = np.array([[float(v) for v in table.columns[c].values] for c in
                    ("sepal_length", "sepal_width")]).T
    assert not np.allclose(data.mean, raw.mean(axis=0))
    # new rows are prepared exactly like the training rows
    row = {"sepal_length": "5.3", "sepal_width": 3.1}
    expected = (np.array([[5.3, 3.1]], np.float32) - data.mean) / data.scale
    assert np.allclose(data.transform([row]), expected)
    pre = data.preprocessing()
    assert pre["feature_names"] == ["sepal_length", "sepal_width"]
    assert pre["class_names"] == data.class_names and len(pre["mean"]) == 2


def test_binary_labels_are_one_column_and_decode():
    text = "x,ok\n" + "".join(f"{i * 0.7 % 5:.2f},{i % 2}\n" for i in range(20))
    data = csv.read(text, "b.csv").prepare("ok", validation_split=0.25)
    assert data.binary and data.y_train.shape[1] == 1 and data.class_names == ["0", "1"]
    assert data.decode(np.array([[0.2], [0.9]])) == ["0", "1"]


def test_regression_detected_for_continuous_labels():
    text = "x,y\n" + "".join(f"{i % 5},{i * 0.37 + 1:.3f}\n" for i in range(40))
    table = csv.read(text, "r.csv")
    assert table.detect_task("y") == "regression"
    data = table.prepare("y")
    assert data.task == "regression" and data.y_train.shape[1] == 1 and data.class_names == []
    assert table.detect_task("x") == "classification"  # 5 distinct whole numbers
    assert csv.read("a,b\n" + "1,2\n" * 3 + "2,3\n" * 3, "c.csv").detect_task("b") == \
        "classification"


def test_task_can_be_overridden():
    text = "x,y\n" + "".join(f"{i * 1.3:.1f},{i % 3}\n" for i in range(30))
    table = csv.read(text, "o.csv")
    assert table.detect_task("y") == "classification"
    assert table.prepare("y", task="regression").task == "regression"


def test_detects_semicolons_tabs_and_decimal_commas():
    semi = csv.read("a;b;c\n1,5;2;x\n3,25;4;y\n", "eu.csv")
    assert semi.delimiter == ";" and semi.columns["a"].numeric.tolist() == [1.5, 3.25]
    assert any("semicolons" in n for n in semi.notes)
    assert any("decimal commas" in n for n in semi.notes)
    tabs = csv.read("a\tb\n1\t2\n3\t4\n", "t.tsv")
    assert tabs.delimiter == "\t" and tabs.columns["b"].numeric.tolist() == [2.0, 4.0]
    quoted = csv.read('name,value\n"Smith, J",1\n"Doe, A",2\n', "q.csv")
    assert quoted.delimiter == "," and quoted.columns["name"].values == ["Smith, J", "Doe, A"]


def test_empty_file():
    err = problem(b"")
    assert err.problem == "empty" and "is empty" in str(err)
    assert problem(b"  \n\n").problem == "empty"


def test_header_only():
    err = problem(b"a,b,label\n")
    assert err.problem == "header-only" and "no data rows" in str(err)


def test_no_header_row_is_detected_and_named():
    table = csv.read("1,2,0\n3,4,1\n5,6,0\n", "nohead.csv")
    assert not table.has_header and table.rows == 3
    assert list(table.columns) == ["column_1", "column_2", "column_3"]
    assert any("column_1" in note for note in table.notes)
    forced = csv.read("1,2,0\n3,4,1\n", "h.csv", header=True)
    assert list(forced.columns) == ["1", "2", "0"] and forced.rows == 1


def test_ragged_rows_name_the_line():
    err = problem(b"a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert err.problem == "ragged" and err.line == 3
    assert "line 3 of my.csv has 2 fields but the header has 3" in str(err)
    err = problem(b"a,b,c\n\n1,2,3\n4,5,6,7\n")
    assert err.line == 4 and "4 fields" in str(err)


def test_text_in_a_feature_column_names_column_and_line_and_offers_choices():
    text = "a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n"
    err = problem(text.encode(), label="label")
    assert err.problem == "text-feature" and err.column == "b" and err.line == 3
    assert "'oops'" in str(err) and "(line 3)" in str(err)
    assert err.choices == ("onehot", "drop")
    table = csv.read(text, "my.csv")
    dropped = table.prepare("label", text_features="drop", validation_split=0)
    assert dropped.feature_names == ["a"]
    onehot = table.prepare("label", text_features="onehot", validation_split=0)
    assert onehot.feature_names == ["a", "b=2", "b=6", "b=8", "b=oops"]


def test_missing_values_are_counted_and_the_user_chooses():
    text = "a,b,label\n1,,x\n3,4,y\nNA,6,x\n7,8,y\n9,10,x\n"
    err = problem(text.encode(), label="label")
    assert err.problem == "missing" and err.choices == ("drop", "fill")
    assert "'a': 1" in str(err) and "'b': 1" in str(err)
    table = csv.read(text, "my.csv")
    assert [c["missing"] for c in table.describe()["columns"]] == [1, 1, 0]
    dropped = table.prepare("label", missing="drop", validation_split=0, standardize=False)
    assert len(dropped.x_train) == 3
    filled = table.prepare("label", missing="fill", validation_split=0, standardize=False)
    assert len(filled.x_train) == 5 and not np.isnan(filled.x_train).any()
    assert sorted(filled.x_train[:, 0].tolist()) == [1, 3, 5, 7, 9]  # NA -> mean 5


def test_rows_without_a_label_are_dropped_with_a_note():
    data = csv.read("a,label\n1,x\n2,\n3,y\n4,x\n", "l.csv").prepare("label", validation_split=0)
    assert len(data.x_train) == 3 and any("no 'label' value" in n for n in data.notes)


def test_label_with_one_class():
    err = problem(b"a,label\n1,x\n2,x\n3,x\n", label="label")
    assert err.problem == "one-class" and "only one value ('x')" in str(err)
    assert "Choose another label column" in str(err)


def test_id_like_columns_are_left_out_with_a_note():
    text = "id,name,height,label\n" + "".join(
        f"{i + 100},person{i},{150 + (i * 7) % 40},{i % 2}\n" for i in range(30))
    table = csv.read(text, "people.csv")
    assert table.id_like("id") and table.id_like("name") and not table.id_like("height")
    data = table.prepare("label")
    assert data.feature_names == ["height"]
    assert any("'id'" in n and "like an ID" in n for n in data.notes)
    kept = table.prepare("label", keep_id_columns=True, text_features="drop")
    assert "id" in kept.feature_names


def test_non_utf8_text_is_explained_and_latin1_can_be_chosen():
    data = "name,value\nJosé,1\nZoë,2\n".encode("latin-1")
    err = problem(data)
    assert err.problem == "encoding" and err.line == 2 and "not UTF-8" in str(err)
    assert "latin-1" in err.choices
    table = csv.read(data, "my.csv", encoding="latin-1")
    assert table.columns["name"].values == ["José", "Zoë"]
    assert csv.read("\ufeffa,b\n1,2\n".encode(), "bom.csv").columns.keys() == {"a", "b"}


def test_big_files_are_refused_before_reading():
    with pytest.raises(csv.CsvError) as info:
        csv.check_size(100 * 1024 * 1024, "huge.csv")
    assert info.value.problem == "too-big"
    assert "huge.csv is 100.0 MB" in str(info.value) and "up to 25.0 MB" in str(info.value)
    csv.check_size(1024, "small.csv")


def test_unknown_column_and_label_as_feature():
    table = csv.read(IRISH, "iris.csv")
    with pytest.raises(csv.CsvError, match="has no column 'colour'"):
        table.prepare("colour")
    with pytest.raises(csv.CsvError, match="cannot also be a feature"):
        table.prepare("species", features=["species", "sepal_width"])


def test_duplicate_column_names():
    assert problem(b"a,a,b\n1,2,3\n").problem == "duplicate"


def test_text_label_for_regression_is_refused():
    with pytest.raises(csv.CsvError, match="regression needs a numeric label"):
        csv.read(IRISH, "iris.csv").prepare("species", task="regression")


def test_regression_targets_are_standardized_and_restored():
    text = "x,y\n" + "".join(f"{i * 0.5:.1f},{1000 + 40 * i}\n" for i in range(50))
    data = csv.read(text, "r.csv").prepare("y", validation_split=0.2, seed=0)
    assert abs(float(data.y_train.mean())) < 1e-5 and data.label_scale > 100
    restored = data.label_values(data.y_val)
    assert np.all((restored >= 1000) & (restored <= 1000 + 40 * 49))
    assert np.allclose(restored / 40, np.round(restored / 40), atol=1e-4)
    pre = data.preprocessing()
    assert pre["label_mean"] == data.label_mean and pre["output"].startswith("value *")


def test_input_errors_are_messages_not_tracebacks(capsys):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from pytfjs import runner

    source = "from pytfjs.data import csv\ncsv.read(b'', 'empty.csv')\n"
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(asyncio.run, runner.run_source(source, "lab.py")).result()
    assert status == "error"
    captured = capsys.readouterr()
    assert "Problem: empty.csv is empty" in captured.err
    assert "Traceback" not in captured.err


def test_batches_cover_the_training_rows_once_in_a_seeded_order():
    data = csv.read(IRISH, "iris.csv").prepare("species", validation_split=0.2)
    batches = list(data.batches(10, seed=3))
    assert [len(x) for x, _ in batches] == [10, 10, 4]
    assert all(x.dtype == np.float32 and y.dtype == np.float32 for x, y in batches)
    stacked = np.vstack([x for x, _ in batches])
    assert sorted(map(tuple, stacked)) == sorted(map(tuple, data.x_train))
    again = np.vstack([x for x, _ in data.batches(10, seed=3)])
    assert np.array_equal(stacked, again)
    in_order = np.vstack([x for x, _ in data.batches(10, shuffle=False)])
    assert np.array_equal(in_order, data.x_train)
