"""Offline after one visit: the service worker caches the whole build."""

from __future__ import annotations

import pytest

from testkit.harness import console_text, lab_url, wait_state

pytestmark = pytest.mark.browser


def test_after_one_visit_labs_run_with_the_network_off(sw_page, site_url):
    context, page, _ = sw_page
    page.goto(lab_url(site_url, "one-neuron", backend="wasm"))
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.offline.ready") is True
    cached = page.evaluate("""async () => {
        const names = await caches.keys();
        const cache = await caches.open(names.find(n => n.startsWith('pytfjs-')));
        return (await cache.keys()).length; }""")
    files = page.evaluate(
        "fetch('manifest.json').then(r => r.json()).then(m => m.files.length)")
    assert cached >= files
    context.set_offline(True)
    for lab, key, params in (("one-neuron", "prediction", {}), ("iris", "sample_class", {}),
                             ("toxicity", "scores", {"text": "you suck"})):
        page.goto(lab_url(site_url, lab, run=1, backend="wasm", **params))
        assert wait_state(page, "done", "error") == "done", console_text(page)
        assert key in page.evaluate("window.pytfjs.results")
    assert page.evaluate("crossOriginIsolated") is True  # headers come from the cache too
