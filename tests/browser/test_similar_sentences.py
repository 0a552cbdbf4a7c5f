"""The Similar sentences lab in Chromium: USE lite's similarities equal those of the
course's own JavaScript pipeline (tokenizer + graph model in Node.js, use_refs.json) on
every backend, paraphrases come out closest, bad input is refused clearly, and no tensor
outlives its work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pytfjs.text import use
from testkit.harness import (
    console_text,
    expect_problem,
    lab_url,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

REFS = json.loads((Path(__file__).parents[1] / "fixtures" / "use_refs.json").read_text("utf-8"))
# one per line, as the lab reads them (it strips lines, so those with outer spaces are out)
LINES = [s for s in REFS["embedded"] if s == s.strip() and "\n" not in s]
EMBEDDINGS = {s: e for s, e in zip(REFS["embedded"], REFS["embeddings"], strict=True)}


def run(page, site_url: str, backend: str, lines: list[str]) -> dict:
    page.goto(lab_url(site_url, "similar-sentences", run=1, backend=backend,
                      text="\n".join(lines)))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    return page.evaluate("window.pytfjs.results")


@pytest.mark.parametrize("backend", ["wasm", "cpu", "webgl"])
def test_similarities_equal_the_javascript_pipeline(page, site_url, backend):
    results = run(page, site_url, backend, LINES)
    want = use.similarity(np.array([EMBEDDINGS[s] for s in LINES]))
    got = np.array(results["similarity"])
    assert results["sentences"] == len(LINES) >= 20 and results["dimensions"] == 512
    # reported to 4 decimals: 5e-5 of rounding on top of the 1e-4 tolerance
    assert np.abs(got - want).max() <= 1.5e-4
    assert results["closest"] == use.nearest(want)
    assert tensor_count(page) == 0


def test_paraphrases_are_closest(page, site_url):
    lines = ["How old are you?", "what is your age?", "I like my phone",
             "Your cellphone looks great.", "Will it snow tomorrow?", "Global warming is real"]
    results = run(page, site_url, "cpu", lines)
    closest = results["closest"]
    assert closest[0] == 1 and closest[1] == 0 and closest[2] == 3
    table = page.locator("#charts table.data-table")
    assert table.locator("tbody tr").count() == 6 and table.locator("meter").count() == 36
    assert "'How old are you?' is closest to 'what is your age?'" in console_text(page)


def test_one_sentence_gets_a_clear_message(page, site_url):
    page.goto(lab_url(site_url, "similar-sentences", run=1, backend="cpu", text="only one"))
    expect_problem(page, "Give at least two sentences")


def test_the_text_box_keeps_memory_flat_and_stop_frees_the_model(page, site_url):
    page.goto(lab_url(site_url, "similar-sentences", run=1, backend="wasm"))
    box = page.get_by_role("textbox", name="Sentences")
    box.wait_for()
    assert page.evaluate("window.pytfjs.results")["sentences"] == 6  # the examples
    baseline = tensor_count(page)  # the graph model's weights
    assert baseline > 0
    box.evaluate("(el, t) => { el.value = t; }", "a cat\na dog\na car")
    page.get_by_role("button", name="Compare").click()
    wait_until(page, "() => window.pytfjs.results.sentences === 3")
    box.wait_for()
    assert tensor_count(page) == baseline
    box.evaluate("(el, t) => { el.value = t; }", "just one")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("#inputs .ask-problem")
    assert "at least two sentences" in page.inner_text("#inputs .ask-problem")
    assert tensor_count(page) == baseline
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert tensor_count(page) == 0
