"""The first lab, end to end in Chromium, on each backend."""

from __future__ import annotations

import pytest

from testkit.harness import console_text, lab_url, wait_state

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["cpu", "wasm", "webgl"])
def test_one_neuron_predicts_19(page, site_url, backend):
    page.goto(lab_url(site_url, "one-neuron", run=1, backend=backend))
    state = wait_state(page, "done", "error")
    assert state == "done", console_text(page)
    assert page.evaluate("window.pytfjs.backend()") == backend
    results = page.evaluate("window.pytfjs.results")
    assert abs(results["prediction"] - 19) <= 0.3, results
    assert abs(results["weight"] - 2) < 0.05 and abs(results["bias"] + 1) < 0.2, results


def test_the_same_seed_gives_the_same_neuron(page, site_url):
    """One batch an epoch (fit trains it in one call, unshuffled): seeded all the same."""
    def run(**params) -> dict:
        page.goto(lab_url(site_url, "one-neuron", run=1, backend="cpu", **params))
        assert wait_state(page, "done", "error") == "done", console_text(page)
        return page.evaluate("window.pytfjs.results")

    first, again, other = run(), run(seed=0), run(seed=5)
    assert first["seed"] == 0 and other["seed"] == 5
    assert first["weights_sha256"] == again["weights_sha256"]
    assert first["prediction"] == again["prediction"]
    assert other["weights_sha256"] != first["weights_sha256"]
    # a seed is a whole number: anything else is said, not guessed
    page.goto(lab_url(site_url, "one-neuron", run=1, backend="cpu", seed="x"))
    assert wait_state(page, "done", "error") == "error"
    assert "?seed=x is not a whole number" in console_text(page)
