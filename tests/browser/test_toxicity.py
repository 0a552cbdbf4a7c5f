"""The Toxicity lab in Chromium: tox_block's LSTM gives the labels one expects, its
probabilities equal a numpy forward pass of the original .h5 on every backend, the table
and results have the course's shape, bad input is refused clearly, and no tensor outlives
its work."""

from __future__ import annotations

import numpy as np
import pytest

from pytfjs.text.toxicity import COURSE_NAMES, match
from testkit import toxicity_reference as reference
from testkit.harness import (
    console_text,
    expect_problem,
    lab_url,
    long_decimals,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

REFS = reference.refs()
INSULT, THREAT, NEUTRAL = "You are an idiot and I hate you.", "I will kill you", "Have a nice day!"
SENTENCES = [INSULT, THREAT, NEUTRAL] + [s for s in REFS["sentences"]
                                         if s not in (INSULT, THREAT, NEUTRAL)]
LABELS = ["identity_attack", "insult", "obscene", "severe_toxicity", "threat", "toxicity"]
# What a reader expects (checked against the model's own numbers in the numpy reference):
# label -> match per threshold; labels not named must not be true.
EXPECTED = {
    0.5: {INSULT: {"insult": True, "toxicity": True, "obscene": True, "threat": False},
          THREAT: {"threat": True, "toxicity": True, "insult": False},
          NEUTRAL: dict.fromkeys(LABELS, False)},
    0.9: {INSULT: {"insult": True, "toxicity": True, "obscene": None, "threat": False},
          THREAT: {"threat": True, "toxicity": True, "insult": None},
          NEUTRAL: dict.fromkeys(LABELS, False)},
}
WEIGHT_TENSORS = 11  # embedding, 2 x 3 LSTM, 2 x 2 Dense


@pytest.fixture(scope="module")
def expected_scores() -> list[dict[str, float]]:
    """The numpy forward pass of the .h5 on Keras's sequences of SENTENCES, course names."""
    index = {s: i for i, s in enumerate(REFS["sentences"])}
    ids = np.array([REFS["sequences"][index[s]] for s in SENTENCES])
    probabilities = reference.forward(ids, reference.weights())
    return [{COURSE_NAMES[label]: float(p) for label, p in zip(reference.LABELS, row, strict=True)}
            for row in probabilities]


def run(page, site_url: str, backend: str, threshold: float | None = None,
        text: str = "\n".join(SENTENCES)) -> dict:
    params = {"run": 1, "backend": backend, "text": text}
    if threshold is not None:
        params["threshold"] = threshold
    page.goto(lab_url(site_url, "toxicity", **params))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    return page.evaluate("window.pytfjs.results")


def near(a: float, b: float) -> bool:
    """Within the page's float32 tolerance of a threshold: its match may go either way."""
    return abs(a - b) <= 1e-4


@pytest.mark.parametrize("backend", ["wasm", "cpu", "webgl"])
def test_probabilities_equal_the_numpy_forward_pass(page, site_url, backend, expected_scores):
    results = run(page, site_url, backend)
    assert results["labels"] == LABELS and results["missing"] == ["sexual_explicit"]
    assert len(results["scores"]) == len(SENTENCES) >= 50
    got = np.array([[row[label] for label in LABELS] for row in results["scores"]])
    want = np.array([[row[label] for label in LABELS] for row in expected_scores])
    error = np.abs(got - want)
    assert error.max() <= 1e-4, (SENTENCES[int(error.argmax()) // len(LABELS)], error.max())
    assert tensor_count(page) == 0
    assert long_decimals(page) == []


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_insult_threat_and_neutral_get_the_expected_labels(page, site_url, threshold,
                                                            expected_scores):
    results = run(page, site_url, "cpu", threshold)
    assert results["threshold"] == threshold
    matches = dict(zip(SENTENCES, results["matches"], strict=True))
    for sentence, wanted in EXPECTED[threshold].items():
        got = matches[sentence]
        assert {label: got[label] for label in wanted} == wanted, sentence
        assert [label for label in LABELS if got[label] and label not in wanted] == [], sentence
    # every match is the course's rule on the reference probability (none sits on the edge)
    clear = [(s, label, ref[label]) for s, ref in zip(SENTENCES, expected_scores, strict=True)
             for label in LABELS
             if not near(ref[label], threshold) and not near(1 - ref[label], threshold)]
    assert len(clear) == len(SENTENCES) * len(LABELS)
    assert sum(matches[s][label] == match(p, threshold) for s, label, p in clear) == len(clear)
    assert sum(m["threat"] is True for m in results["matches"]) >= 1
    assert tensor_count(page) == 0


def test_the_table_has_a_column_per_label_and_a_row_per_sentence(page, site_url):
    run(page, site_url, "cpu", 0.9, text="\n".join([INSULT, THREAT, NEUTRAL]))
    table = page.locator("#charts table.data-table")
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["sentence", *LABELS, "sexual_explicit"]
    rows = table.locator("tbody tr")
    assert rows.count() == 3 and table.locator("meter").count() == 3 * len(LABELS)
    cells = dict(zip(headers, rows.nth(0).locator("td").all_inner_texts(), strict=True))
    assert cells["sentence"] == INSULT and cells["sexual_explicit"] == "not in this model"
    assert cells["insult"].endswith(" true") and cells["obscene"].endswith(" null")
    assert cells["threat"].endswith(" false")
    assert "threshold 0.9" in table.inner_text()
    assert "insult was found in 'You are an idiot" in console_text(page)


@pytest.mark.parametrize("text", ["", " \n\t\n  "])
def test_empty_text_gets_a_clear_message(page, site_url, text):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu", text=text))
    expect_problem(page, "There is no sentence")


def test_a_threshold_out_of_range_gets_a_clear_message(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu", text="hi", threshold=1.5))
    expect_problem(page, "threshold=1.5: choose a value from 0.5 to 0.99")


def submit(page, text: str, threshold: float | None = None) -> None:
    page.get_by_role("textbox", name="Sentences").evaluate("(el, t) => { el.value = t; }", text)
    if threshold is not None:
        page.get_by_label("Threshold").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", threshold)
    page.get_by_role("button", name="Classify").click()


def test_the_course_example_then_your_sentences_in_the_text_box(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="wasm"))
    page.get_by_role("textbox", name="Sentences").wait_for()
    # the course's example was classified first
    results = page.evaluate("window.pytfjs.results")
    assert len(results["scores"]) == 1 and results["matches"][0]["toxicity"] is True
    assert page.get_by_label("Threshold").input_value() == "0.9"
    baseline = tensor_count(page)  # the model's weights, held while the lab runs
    assert baseline == WEIGHT_TENSORS

    submit(page, "\n".join([INSULT, THREAT, NEUTRAL]), threshold=0.5)
    wait_until(page, "() => (window.pytfjs.results.scores || []).length === 3")
    page.get_by_role("textbox", name="Sentences").wait_for()
    results = page.evaluate("window.pytfjs.results")
    assert results["threshold"] == 0.5 and results["matches"][0]["obscene"] is True
    assert tensor_count(page) == baseline

    for text, message in (("\n \n", "There is no sentence"),
                          ("x" * 1_000_001, "up to 1,000,000"),
                          ("hi\n" * 5_001, "5,001 sentences: this lab classifies up to 5,000")):
        submit(page, text)
        page.wait_for_selector("#inputs .ask-problem")
        assert message in page.inner_text("#inputs .ask-problem")
        assert tensor_count(page) == baseline
    assert "Traceback" not in console_text(page)

    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert tensor_count(page) == 0
    assert not page.is_disabled("#run")


def test_stop_while_a_long_text_is_classified(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu"))
    page.get_by_role("textbox", name="Sentences").wait_for()
    lines = 4_000
    submit(page, "you suck\n" * lines)
    wait_until(page, "t => document.getElementById('train-text').textContent.endsWith(t)",
               f" of {lines:,} sentences")  # a batch of 256 is done, the rest is not
    assert page.inner_text("#train-text").startswith("classified ")
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    assert "Stopped by you" in console_text(page)
    assert len(page.evaluate("window.pytfjs.results")["scores"]) == 1  # only the example
    assert tensor_count(page) == 0
