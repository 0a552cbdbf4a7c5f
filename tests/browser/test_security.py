"""Content-Security-Policy: every page is served with it, and the labs run under it."""

from __future__ import annotations

import re

import pytest

from buildlib.serve.server import content_security_policy
from testkit.harness import (
    console_text,
    csp_violations,
    lab_url,
    open_lab,
    run_in_lab,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

# Every lab runs under the policy in other files: each test's `page` (conftest.py) fails on
# a violation its page or the runtime worker reports and on site HTML served without the
# policy header; test_accessibility.py runs every lab to done in English and
# test_languages.py in Ukrainian, their charts drawn. Here: the policy itself.


def csp_console_errors(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line]


def html_policies(page, action) -> list[tuple[str, str | None]]:
    """(url, Content-Security-Policy header) of every HTML response while ``action`` runs."""
    seen: list[tuple[str, str | None]] = []

    def on_response(response) -> None:
        if response.headers.get("content-type", "").startswith("text/html"):
            seen.append((response.url, response.headers.get("content-security-policy")))

    page.on("response", on_response)
    try:
        action()
    finally:
        page.remove_listener("response", on_response)
    return seen


def test_home_page_has_the_policy_and_no_violation(page, site_url, page_log):
    seen = html_policies(page, lambda: page.goto(site_url))
    assert seen and all(policy == content_security_policy() for _, policy in seen), seen
    meta = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    assert meta == content_security_policy(meta=True)
    page.evaluate("new Promise(requestAnimationFrame)")
    assert csp_violations(page) == []
    # the lab page too, with the meta copy that a static host without headers still obeys
    seen = html_policies(page, lambda: open_lab(page, site_url, "one-neuron"))
    assert seen and all(policy == content_security_policy() for _, policy in seen), seen
    assert page.get_attribute("meta[http-equiv='Content-Security-Policy']",
                              "content") == content_security_policy(meta=True)
    assert csp_violations(page) == []
    assert csp_console_errors(page_log.console) == []


EVAL_IN_WORKER = """
import js
try:
    js.eval("1 + 1")
    print("eval ran")
except Exception as e:
    print("EvalError refused" if "EvalError" in str(e) else f"other: {e}")
"""


def test_the_policy_is_enforced(page, site_url, page_log):
    """The recorder is live and the policy bites: inline script and other hosts are refused."""
    page_log.violations_expected = True
    page.goto(lab_url(site_url, "one-neuron"))
    wait_state(page, "ready")
    outcome = page.evaluate("""async () => {
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true';
        document.head.appendChild(script);
        let fetched = 'fetched';
        try { await fetch('http://192.0.2.1/x.js'); } catch (e) { fetched = 'refused'; }
        await new Promise(requestAnimationFrame);
        return [window.__inlineRan === true, fetched]; }""")
    assert outcome == [False, "refused"]
    violations = " ".join(csp_violations(page))
    assert "script-src-elem blocked inline" in violations
    assert "connect-src blocked http://192.0.2.1/x.js" in violations
    # no eval in the runtime worker either: Python's js.eval is refused there, and the
    # worker's violation reaches the page (console, error list, window.pytfjs.violations)
    assert run_in_lab(page, EVAL_IN_WORKER) == "done", console_text(page)
    assert "EvalError refused" in console_text(page)
    seen = wait_until(page, """() => window.pytfjs.violations.some(
        v => v.includes('in the worker')) && window.pytfjs.violations""", timeout=10_000)
    assert any(v.startswith("Content-Security-Policy violation in the page: "
                            "script-src-elem blocked inline") for v in seen), seen
    assert any(v.startswith("Content-Security-Policy violation in the worker: "
                            "script-src blocked eval") for v in seen), seen
    errors = page.evaluate("[...document.querySelectorAll('#console .err')]"
                           ".map(e => e.textContent).join('')")
    assert ("Content-Security-Policy violation in the runtime worker: script-src blocked eval"
            in errors)
    # and the harness, which fails every other test on one, saw them
    assert any("in the worker" in v for v in page_log.violations), page_log.violations


def test_webcam_studio_runs_without_violations(page, site_url, page_log):
    """rpsls: the studio, IndexedDB and the (missing) camera under the policy."""
    page.goto(lab_url(site_url, "rpsls", run=1, backend="wasm"))
    wait_until(page, "(document.querySelector('.studio-camera-note') || {}).textContent "
                     "=== 'No webcam.'")
    assert page_log.page_errors == []
    assert csp_violations(page) == []
    assert csp_console_errors(page_log.console) == []
    page.click("#stop")
    assert wait_state(page, "ready", "error") == "ready"


EVERY_KIND = '''
import math
from pytfjs import ui
n = 2000
ui.render("linechart", "Live", {"values": [
    [{"x": i + 1, "y": math.exp(-i / 500)} for i in range(n)],
    [{"x": i + 1, "y": math.exp(-i / 400)} for i in range(0, n, 100)]],
    "series": ["loss", "val_loss"]}, {"xLabel": "batch", "yLabel": "loss"})
ui.render("scatterplot", "Scatter", {"values": [[{"x": 1, "y": 2}, {"x": 1, "y": 3},
    {"x": 2, "y": 1}], [{"x": 3, "y": 3}]], "series": ["network", "baseline"]})
ui.render("barchart", "Bars", [{"index": "1. Egyptian cat", "value": 0.73},
                               {"index": "2. tabby, tabby cat", "value": 0.2}])
ui.render("histogram", "Histogram", [0.1, 0.2, 0.2, 0.5, 0.9, 1.0])
ui.render("heatmap", "Heatmap", {"values": [[0, 1, 2], [3, 4, 5]],
                                 "xTickLabels": ["a", "b"], "yTickLabels": ["p", "q", "r"]})
ui.render("confusionMatrix", "Confusion", {"values": [[5, 1], [0, 4]], "tickLabels": ["x", "y"]})
'''
KIND_SUMMARIES = {
    "Live": "loss: 2000 points over batch 1 to 2000, first 1, last 0.01835, lowest 0.01835, "
            "highest 1; val_loss: 20 points over batch 1 to 1901",
    "Scatter": "network: 3 points, x 1 to 2, y 1 to 3",
    "Bars": "2 bars: 1. Egyptian cat 0.73, 2. tabby, tabby cat 0.2",
    "Histogram": "6 values from 0.1 to 1",
    "Heatmap": "2 by 3 values from 0 to 5",
    "Confusion": "rows are true classes, columns predicted (2 classes): 9 of 10",
}


def test_every_chart_kind_is_drawn_by_the_page_without_violations(page, site_url, page_log):
    """Each kind pytfjs.ui.render draws (uPlot; the confusion matrix a table), under the
    strict policy: a chart element each, its text summary as its name, a readout."""
    open_lab(page, site_url, "one-neuron", backend="cpu")
    assert run_in_lab(page, EVERY_KIND) == "done", console_text(page)
    drawn = wait_until(page, """titles => titles.every(t => document.querySelector(
        `#charts figure[data-title="${t}"] .surface-body :is(canvas, table)`))
        && Object.fromEntries(titles.map(t => {
            const body = document.querySelector(`#charts figure[data-title="${t}"] .surface-body`);
            return [t, [body.querySelectorAll('.uplot canvas').length,
                        body.querySelectorAll('table.confusion').length,
                        body.getAttribute('aria-label')]]; }))""", list(KIND_SUMMARIES))
    for title, start in KIND_SUMMARIES.items():
        canvases, tables, name = drawn[title]
        assert (canvases, tables) == ((0, 1) if title == "Confusion" else (1, 0)), title
        assert name.startswith(f"{title}: {start}"), (title, name)
    # the values under the pointer, below the chart
    canvas = page.locator("#charts figure[data-title='Live'] .uplot canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = wait_until(page, """() => document.querySelector(
        "#charts figure[data-title='Live'] .chart-readout").textContent""", timeout=10_000)
    assert re.fullmatch(r"batch \d+: loss [\d.e-]+(, val_loss [\d.e-]+)?", readout), readout
    assert page.evaluate("window.pytfjs.violations") == []
    assert csp_violations(page) == [] and page_log.page_errors == []
