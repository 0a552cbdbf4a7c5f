"""Content-Security-Policy: every page is served with it, and the labs run under it."""

from __future__ import annotations

import pytest

from buildlib.serve.server import content_security_policy
from testkit.harness import console_text, csp_violations, lab_url, wait_state, wait_until

pytestmark = pytest.mark.browser

# One-neuron and iris draw live tfjs-vis line charts; mnist also draws the model summary,
# a sample grid, a confusion matrix and the drawing pad; the week-3 labs and the converter
# load models (a photo, a text model, a Keras file converted in the page) and draw bars.
LABS = [
    ("one-neuron", {}, ["Loss"]),
    ("iris", {}, ["Loss", "Accuracy"]),
    ("mnist", {"epochs": 1, "samples": 600},
     ["Batch loss", "Loss", "Accuracy", "Confusion matrix (held-out digits)", "Model"]),
    ("mobilenet", {"image": "chelsea"}, ["What the model sees", "Top 5", "Top 5 classes"]),
    ("toxicity", {"text": "you suck\nHave a nice day!"}, ["Toxicity per label"]),
    ("similar-sentences", {"text": "How old are you?\nwhat is your age?"},
     ["Similarity of every pair"]),
    ("convert", {"model": "models/keras/emotion_model.hdf5"},
     ["emotion_model.hdf5 in TF.js", "Model output", "Output"]),
]


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
    assert csp_console_errors(page_log.console) == []


@pytest.mark.parametrize(("lab", "params", "charts"), LABS, ids=[lab for lab, _, _ in LABS])
def test_lab_runs_and_draws_charts_without_violations(page, site_url, page_log, lab, params,
                                                      charts):
    def run() -> None:
        page.goto(lab_url(site_url, lab, run=1, **params))
        assert wait_state(page, "done", "error") == "done", console_text(page)

    seen = html_policies(page, run)
    assert seen, "no HTML response seen"
    for url, policy in seen:
        assert policy == content_security_policy(), url
    assert page.get_attribute("meta[http-equiv='Content-Security-Policy']",
                              "content") == content_security_policy(meta=True)
    # tfjs-vis draws asynchronously: wait until every chart has its canvas or table, or
    # an error (a chart that fails says so in the console)
    drawn = wait_until(page, """titles => {
        const errors = [...document.querySelectorAll('#console .err')].map(e => e.textContent);
        const figures = [...document.querySelectorAll('#charts figure')];
        const done = titles.every(t => figures.some(
            f => f.dataset.title === t && f.querySelector('canvas, table')));
        return errors.length ? errors : done && 'drawn'; }""", charts)
    assert drawn == "drawn" and page_log.page_errors == []
    assert csp_violations(page) == []
    assert csp_console_errors(page_log.console) == []


def test_the_policy_is_enforced(page, site_url):
    """The recorder is live and the policy bites: inline script and other hosts are refused."""
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
