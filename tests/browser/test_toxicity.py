"""The Toxicity lab in Chromium: scores equal alt-profanity-check's own, bad input is refused
clearly, long text is scored in batches, and no tensor outlives its work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.harness import (
    console_text,
    lab_url,
    long_decimals,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

REFS = json.loads((Path(__file__).parents[1] / "fixtures" / "toxicity_refs.json")
                  .read_text(encoding="utf-8"))
TEXT = "\n".join(REFS["sentences"])


def clear_of(threshold: float) -> bool:
    """No reference score within the page's 1e-4 tolerance of ``threshold``: the flagged count
    then cannot differ between the float32 page and the float64 reference."""
    return all(abs(s - threshold) > 1e-4 for s in REFS["scores"])


def tensors(page) -> int:
    return tensor_count(page)


@pytest.mark.parametrize("backend", ["wasm", "cpu", "webgl"])
def test_scores_equal_alt_profanity_check(page, site_url, backend):
    page.goto(lab_url(site_url, "toxicity", run=1, backend=backend, text=TEXT))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert long_decimals(page) == []
    assert len(REFS["scores"]) >= 50 and len(results["scores"]) == len(REFS["scores"])
    errors = np.abs(np.array(results["scores"]) - np.array(REFS["scores"]))
    assert errors.max() <= 1e-4, REFS["sentences"][int(errors.argmax())]
    assert clear_of(0.9) and results["flagged"] == sum(s > 0.9 for s in REFS["scores"])
    table = page.locator("#charts table.data-table")
    assert table.locator("tbody tr").count() == len(REFS["sentences"])
    assert table.locator("meter").count() == len(REFS["sentences"])
    first = table.locator("tbody tr").first.inner_text()
    assert "Have a nice day!" in first and "not offensive" in first
    assert tensors(page) == 0


def test_the_threshold_parameter_changes_what_is_flagged(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu", text=TEXT, threshold=0.6))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert results["threshold"] == 0.6
    assert clear_of(0.6) and results["flagged"] == sum(s > 0.6 for s in REFS["scores"])
    assert "at threshold 0.6" in page.inner_text("#charts")


def expect_problem(page, text: str) -> None:
    assert wait_state(page, "error", "done") == "error", console_text(page)
    assert text in page.inner_text("#inputs .ask-error")
    assert "Traceback" not in console_text(page)
    assert tensors(page) == 0
    assert not page.is_disabled("#run")


@pytest.mark.parametrize("text", ["", " \n\t\n  "])
def test_empty_text_gets_a_clear_message(page, site_url, text):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu", text=text))
    expect_problem(page, "There is no sentence to score")


def test_a_threshold_out_of_range_gets_a_clear_message(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu", text="hi", threshold=1.5))
    expect_problem(page, "threshold=1.5: choose a value from 0.5 to 0.99")


def submit(page, text: str, threshold: float | None = None) -> None:
    # as a paste would: Playwright's fill() takes minutes on a megabyte of short lines
    page.get_by_role("textbox", name="Sentences").evaluate("(el, t) => { el.value = t; }", text)
    if threshold is not None:
        page.get_by_label("Flag above").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", threshold)
    page.get_by_role("button", name="Score").click()


def wait_scores(page, count: int) -> dict:
    wait_until(page, "n => (window.pytfjs.results.scores || []).length === n", count)
    page.get_by_role("textbox", name="Sentences").wait_for()  # asked again: the run goes on
    return page.evaluate("window.pytfjs.results")


def test_typing_long_text_and_bad_input_in_the_text_box(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="wasm"))
    page.get_by_role("textbox", name="Sentences").wait_for()
    assert page.get_by_label("Flag above").input_value() == "0.9"
    baseline = tensors(page)  # the model's weights, held while the lab runs
    assert baseline == 6

    # the example sentences, flagged at a threshold picked with the slider
    submit(page, "you suck\nHave a nice day!", threshold=0.6)
    results = wait_scores(page, 2)
    assert results["threshold"] == 0.6 and results["flagged"] == 1
    assert tensors(page) == baseline

    # ~100 KB: every reference sentence, many times; scored 256 lines at a time
    repeats = 100_000 // len(TEXT) + 1
    submit(page, "\n".join([TEXT] * repeats))
    n = len(REFS["scores"]) * repeats
    assert n > 256 * 10
    results = wait_scores(page, n)
    errors = np.abs(np.array(results["scores"]) - np.array(REFS["scores"] * repeats))
    assert errors.max() <= 1e-4
    assert f"the first 200 of {n} sentences" in page.inner_text("#charts")
    assert page.locator("#charts tbody tr").count() == 200
    assert tensors(page) == baseline

    # nothing to score, then far too much: said in the text box's panel, which stays
    for text, message in (("\n \n", "There is no sentence to score"),
                          ("x" * 1_000_001, "this page scores up to 1,000,000")):
        submit(page, text)
        page.wait_for_selector("#inputs .ask-problem")
        assert message in page.inner_text("#inputs .ask-problem")
        assert page.get_by_role("alert").count() == 1
        assert tensors(page) == baseline
    assert "Traceback" not in console_text(page)

    # it still works, then Stop ends the run and frees the model
    submit(page, "idiot")
    assert wait_scores(page, 1)["scores"][0] > 0.99
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert tensors(page) == 0
    assert not page.is_disabled("#run")


def test_stop_while_a_long_text_is_scored(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu"))
    page.get_by_role("textbox", name="Sentences").wait_for()
    lines = 999_990 // len("you suck\n")
    submit(page, "you suck\n" * lines)
    wait_until(page, "document.getElementById('train-text').textContent"
               ".startsWith('scored ')")
    assert f"of {lines:,} sentences" in page.inner_text("#train-text")
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert "Stopped by you" in console_text(page)
    assert "scores" not in page.evaluate("window.pytfjs.results")
    assert tensors(page) == 0
    assert not page.is_disabled("#run")
