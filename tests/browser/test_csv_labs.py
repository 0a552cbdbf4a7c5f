"""Week 1 CSV labs in Chromium: Iris, breast cancer, and the CSV error paths in the page."""

from __future__ import annotations

import pytest

from tests.conftest import console_text, lab_url, wait_state

pytestmark = pytest.mark.browser


def run_lab(page, site_url, lab, **params):
    page.goto(lab_url(site_url, lab, run=1, **params))
    state = wait_state(page, "done", "error")
    assert state == "done", console_text(page)
    return page.evaluate("window.pytfjs.results")


def test_iris_learns_and_predicts_setosa(page, site_url):
    results = run_lab(page, site_url, "iris", backend="wasm")
    assert results["val_accuracy"] >= 0.9
    assert results["sample_class"] == "setosa"
    assert results["sample_probabilities"]["setosa"] > 0.5
    assert "Prediction for [4.4, 2.9, 1.4, 0.2]" in page.inner_text("#charts")
    assert page.evaluate("tf.memory().numTensors") == 0


def test_breast_cancer_saves_loads_and_predicts_identically(page, site_url):
    downloads = []
    page.on("download", lambda d: downloads.append(d.suggested_filename))
    results = run_lab(page, site_url, "breast-cancer", backend="wasm")
    assert results["test_accuracy"] >= 0.95
    assert results["reload_identical"] is True
    assert results["test_cases"] == 114
    page.wait_for_function("true")
    assert sorted(downloads) == ["breast-cancer-model.json", "breast-cancer-model.weights.bin"]
    assert page.evaluate("tf.memory().numTensors") == 0
