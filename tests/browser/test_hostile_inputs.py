"""Broken and hostile files through every lab's own file input and text box, in Chromium.

The corpus is made at test time by testkit/hostile.py (nothing large is committed). Each
file must end in a message (a refusal shown on the page, or the next question the lab
asks when the file was fine), never in a traceback or a library's ``...Error:`` line,
and the page must stay usable: Run works again, no tensor is left behind. The outcome of
every case is counted and printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import collections
import json
import re

import pytest

from testkit import hostile
from testkit.harness import (
    console_text,
    lab_url,
    runtime_worker,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

LIBRARY_ERROR = re.compile(r"^\s*(Traceback|[A-Za-z_.]*(Error|Exception):)", re.MULTILINE)
PROMPT = ("#inputs button[data-choice], #inputs input[type=checkbox], #inputs textarea, "
          "#inputs select, #inputs .drop-zone")
OUTCOMES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def print_outcomes():
    yield
    print("\nbrowser corpus outcomes:",
          json.dumps({k: dict(v) for k, v in OUTCOMES.items()}, indent=1))


def no_library_errors(page, since: int, case: str) -> str:
    text = console_text(page)[since:]
    found = LIBRARY_ERROR.search(text)
    assert found is None, f"{case}: {found.group(0)!r} in the page:\n{text[-2000:]}"
    return text


def outcome(page, case: str) -> str:
    """Wait for the lab to refuse the file (a message) or to ask its next question."""
    wait_until(page, """sel => document.body.dataset.state !== 'running'
        || document.querySelector('#inputs .ask-error, #inputs .ask-problem')
        || document.querySelector(sel)""", PROMPT)
    state = page.evaluate("document.body.dataset.state")
    if state == "error":
        message = page.inner_text("#inputs .ask-error")
        assert message.strip(), f"{case}: an error without a message"
        assert "could not use that input" in page.inner_text("#status"), case
        return "refused"
    assert state == "running", f"{case}: ended {state}\n{console_text(page)[-1500:]}"
    if page.locator("#inputs .ask-error, #inputs .ask-problem").count():
        return "refused, asked again"
    return "read: next question"


def start_run(page) -> None:
    if page.evaluate("document.body.dataset.state") == "running":
        page.click("#stop")
        wait_state(page, "ready", "error", "done")
    page.click("#run")
    wait_state(page, "running")


def test_every_broken_csv_gets_a_message_and_a_usable_page(page, site_url, tmp_path):
    page.goto(lab_url(site_url, "your-csv", backend="cpu"))
    wait_state(page, "ready")
    for name, data in hostile.csvs().items():
        path = tmp_path / name
        path.write_bytes(data)
        since = len(console_text(page))
        start_run(page)
        page.set_input_files("#inputs input[type=file]", str(path))
        result = outcome(page, name)
        OUTCOMES["your-csv"][result] += 1
        no_library_errors(page, since, name)
        if result == "refused":
            assert name in page.inner_text("#inputs .ask-error"), name
        assert tensor_count(page) == 0
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") in ("ready", "error", "done")
    assert not page.is_disabled("#run")
    assert OUTCOMES["your-csv"]["refused"] >= 15


def test_the_only_label_csv_says_so_at_once(page, site_url, tmp_path):
    """Was: 'Which columns may the model use?' with no boxes, and OK did nothing."""
    page.goto(lab_url(site_url, "your-csv", backend="cpu"))
    wait_state(page, "ready")
    for name in ("only_label.csv", "label_and_empty.csv"):
        (tmp_path / name).write_bytes(hostile.csvs()[name])
        start_run(page)
        page.set_input_files("#inputs input[type=file]", str(tmp_path / name))
        assert wait_state(page, "error", "done") == "error"
        assert "a model needs a column to predict and at least one other column" in \
            page.inner_text("#inputs .ask-error")
        assert page.locator("#inputs input[type=checkbox]").count() == 0


def test_a_label_with_too_many_classes_offers_grouping(page, site_url, tmp_path):
    path = tmp_path / "many_classes.csv"
    path.write_bytes(hostile.csvs()["many_classes.csv"])
    page.goto(lab_url(site_url, "your-csv", backend="cpu", label="name", epochs=2))
    wait_state(page, "ready")
    start_run(page)
    page.set_input_files("#inputs input[type=file]", str(path))
    page.click("#inputs button[data-choice='ok']")  # the feature columns
    page.click("#inputs button[data-choice='classification']")
    page.wait_for_selector("#inputs button[data-choice='group']")
    assert "300 different values in 300 rows" in page.inner_text("#inputs")
    assert page.locator("#inputs button[data-choice='keep']").count() == 1


def test_every_broken_model_gets_a_message_in_the_convert_page(page, site_url, tmp_path):
    page.goto(lab_url(site_url, "convert", backend="cpu"))
    wait_state(page, "ready")
    for name, data in hostile.models().items():
        path = tmp_path / name
        path.write_bytes(data)
        since = len(console_text(page))
        start_run(page)
        page.click("#inputs button[data-choice^='my own']")
        page.set_input_files("#inputs input[type=file]", str(path))
        page.click("#inputs button[data-choice='float32 (exact)']")
        result = outcome(page, name)
        OUTCOMES["convert"][result] += 1
        assert result == "refused", f"{name} was converted"
        assert name in page.inner_text("#inputs .ask-error")
        no_library_errors(page, since, name)
        assert tensor_count(page) == 0
    # and the page still converts a real model
    start_run(page)
    page.click("#inputs button[data-choice^='the sample']")
    page.click("#inputs button[data-choice='float32 (exact)']")
    page.wait_for_selector("#inputs textarea")
    assert page.evaluate("window.pytfjs.results.parameters") > 0


def test_every_broken_photo_gets_a_message_and_the_lab_asks_again(page, site_url, tmp_path):
    page.goto(lab_url(site_url, "mobilenet", run=1, backend="wasm"))
    page.wait_for_selector("#inputs button[data-choice='Your photo']")
    baseline = tensor_count(page)
    for name, data in hostile.images().items():
        path = tmp_path / name
        path.write_bytes(data)
        since = len(console_text(page))
        page.click("#inputs button[data-choice='Your photo']")
        page.set_input_files("#inputs input[type=file]", str(path))
        page.wait_for_selector(f"#inputs .ask-error:has-text('{name}')")
        if name == "claims_60000x60000.png":  # refused from the header, the limit named
            assert "photos up to 100 megapixels" in page.inner_text(
                f"#inputs .ask-error:has-text('{name}')")
        page.wait_for_selector("#inputs button[data-choice='Your photo']")
        OUTCOMES["mobilenet"]["refused, asked again"] += 1
        assert page.evaluate("document.body.dataset.state") == "running"
        no_library_errors(page, since, name)
        assert tensor_count(page) == baseline
    page.click("#stop")
    assert wait_state(page, "ready", "done", "error") == "ready"


def test_invisible_text_is_refused_in_the_toxicity_box(page, site_url):
    page.goto(lab_url(site_url, "toxicity", run=1, backend="cpu"))
    page.wait_for_selector("#inputs textarea")
    for name, text in hostile.texts().items():
        since = len(console_text(page))
        page.fill("#inputs textarea", text)
        page.click("#inputs .ask-text button[type=submit]")
        page.wait_for_selector("#inputs .ask-problem")
        problem = page.inner_text("#inputs .ask-problem")
        assert "no visible characters" in problem or "no sentence to score" in problem, name
        OUTCOMES["toxicity"]["refused, asked again"] += 1
        no_library_errors(page, since, name)
        assert page.evaluate("document.body.dataset.state") == "running"
    page.fill("#inputs textarea", "have a nice day\nyou suck")  # (the course's example: 1)
    page.click("#inputs .ask-text button[type=submit]")
    wait_until(page, "() => (window.pytfjs.results.scores || []).length === 2")
    page.click("#stop")
    assert wait_state(page, "ready", "done", "error") == "ready"


def test_broken_photos_added_to_a_webcam_class_are_refused_one_by_one(browser, site_url,
                                                                      tmp_path):
    from testkit.webcam_lab import camera_page, messages, row, start

    corpus = {n: d for n, d in hostile.images().items() if d}  # a picker gives no empty file
    paths = []
    for name, data in corpus.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    with camera_page(browser, tmp_path / "profile", deny=True) as page:
        start(page, site_url)
        since = len(console_text(page))
        baseline = tensor_count(page)
        row(page, "rock").locator("input[data-action=files]").set_input_files(paths)
        page.wait_for_selector(".studio-messages li.error:has-text('text.png')")
        text = messages(page)
        for name in corpus:
            assert name in text, f"{name} has no message:\n{text}"
        OUTCOMES["rpsls photos"]["refused"] += len(corpus)
        assert page.evaluate("window.pytfjs.results.captured || 0") == 0
        assert page.evaluate("document.body.dataset.state") == "running"
        assert tensor_count(page) == baseline
        no_library_errors(page, since, "rpsls photos")


DEEP_JSON = 'import json\nprint("parsing")\njson.loads("[" * 1000000 + "]" * 1000000)\n'


def test_a_fatal_python_error_restarts_python_and_keeps_the_code(page, site_url):
    """A stack overflow inside WebAssembly kills Pyodide: say so, start a fresh Python in a
    new worker, keep the code."""
    page.goto(lab_url(site_url, "one-neuron", backend="cpu"))
    wait_state(page, "ready")
    first = runtime_worker(page)
    page.evaluate("c => window.pytfjs.setCode(c)", DEEP_JSON)
    page.click("#run")
    wait_until(page, "document.getElementById('console').innerText"
                     ".includes('Python was restarted')")
    assert wait_state(page, "ready") == "ready"
    assert "Python stopped working" in console_text(page)
    assert "your code is kept" in console_text(page)
    assert runtime_worker(page) is not first
    assert page.evaluate("window.pytfjs.getCode()") == DEEP_JSON
    page.evaluate("c => window.pytfjs.setCode(c)", "print('alive again')\n")
    assert page.evaluate("window.pytfjs.run()") == "done"
    assert "alive again" in console_text(page)
    page.click("#reset")
    assert "model.fit" in page.evaluate("window.pytfjs.getCode()")
