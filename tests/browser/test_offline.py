"""Offline after one visit: the service worker caches the whole build."""

from __future__ import annotations

import json

import pytest

from testkit.harness import console_text, in_worker, lab_url, wait_state

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



def test_the_page_s_files_come_from_the_cache_untouched(sw_page, site_url):
    """Chromium serves the page's scripts and styles and the runtime worker's script
    straight from the build's cache (sw.js's static routes), stored with the isolation
    headers so that they keep the compiled-code cache; the lab's files still go through
    the fetch handler, and so do the runtime worker's own requests (Chromium applies no
    static route to a dedicated worker's): all from the offline copy, none from the
    network."""
    context, page, _ = sw_page
    page.goto(lab_url(site_url, "one-neuron", backend="wasm"))
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.offline.ready") is True
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"
    entries = page.evaluate("""() => performance.getEntriesByType('resource').map(e =>
        [new URL(e.name).pathname, e.workerMatchedSourceType || '', e.workerStart > 0])""")
    first: dict[str, tuple[str, bool]] = {}
    for path, source, through_sw in entries:  # the page's own request of a file is first
        first.setdefault(path, (source, through_sw))
    page_files = {p: s for p, (s, _) in first.items()
                  if p.startswith(("/js/page/", "/css/")) or p == "/worker.js"}
    assert len(page_files) > 10, page_files
    assert {p: s for p, s in page_files.items() if s != "cache"} == {}
    labs = {p: v for p, v in first.items() if p.startswith("/labs/")}
    assert labs and set(labs.values()) == {("", True)}, labs  # the fetch handler's
    worker = in_worker(page, """JSON.stringify(performance.getEntriesByType('resource')
        .map(e => [new URL(e.name).pathname, e.workerStart > 0]))""")
    assert [p for p, through_sw in json.loads(worker) if not through_sw] == []
    headers = page.evaluate("""async () => {
        const r = await fetch('js/page/lab.js');
        return [r.headers.get('Cross-Origin-Embedder-Policy'), r.headers.get('Vary')]; }""")
    assert headers == ["require-corp", None]
