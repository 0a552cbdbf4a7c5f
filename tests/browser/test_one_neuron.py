"""The first lab, end to end in Chromium, on each backend."""

from __future__ import annotations

import pytest

from tests.harness import console_text, lab_url, wait_state

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
