"""The real tables under tests/fixtures/tables/: recorded, unchanged, still prepared alike.

The browser test compares the lab with scikit-learn yardsticks computed once from these
files; a changed file, or a change in how pytfjs.data.csv prepares them, would make those
numbers stale, so both are checked here.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from pytfjs.data import csv
from testkit.harness import ROOT

TABLES = ROOT / "tests/fixtures/tables"
DOC = json.loads((TABLES / "yardsticks.json").read_text())
README = (TABLES / "README.md").read_text()
THIRD_PARTY = (ROOT / "THIRD_PARTY.md").read_text()


def test_every_table_is_recorded_with_its_sha256():
    files = sorted(p.name for p in TABLES.glob("*.csv"))
    assert len(files) >= 6
    assert {c["file"] for c in DOC["cases"]} == set(files)
    for name in files:
        digest = hashlib.sha256((TABLES / name).read_bytes()).hexdigest()
        assert f"`{name}`" in README and digest in README, name
        assert f"`tests/fixtures/tables/{name}`" in THIRD_PARTY and digest in THIRD_PARTY, name
        assert all(c["sha256"] == digest for c in DOC["cases"] if c["file"] == name), name
        assert (TABLES / name).stat().st_size < 200_000, name


def test_the_cases_mix_tasks_missing_values_text_and_sizes():
    tasks = {c["task"] for c in DOC["cases"]}
    assert tasks == {"classification", "regression"}
    rows = [c["rows"] for c in DOC["cases"]]
    assert min(rows) < 100 and max(rows) >= 4000
    assert any(c["params"].get("missing") for c in DOC["cases"])
    assert any(c["params"].get("text") for c in DOC["cases"])


@pytest.mark.parametrize("case", DOC["cases"], ids=lambda c: c["file"] + "-" + c["task"])
def test_the_lab_still_prepares_each_case_as_when_the_yardstick_was_made(case):
    options = case["params"]
    table = csv.read((TABLES / case["file"]).read_bytes(), case["file"])
    data = table.prepare(options["label"], None, task=case["task"], validation_split=0.2,
                         seed=0, missing=options.get("missing", "error"),
                         text_features=options.get("text", "error"))
    assert table.rows == case["rows"]
    assert (len(data.x_train), len(data.x_val)) == (case["train_rows"], case["test_rows"])
    assert len(data.feature_names) == case["inputs"]
