"""A new build served over an old cached one: the page offers the update, then shows the
new build completely (one cache, new files)."""

from __future__ import annotations

import gzip
import os
import shutil

import pytest

from buildlib.serve.server import serve_in_thread
from buildlib.site import manifest
from testkit.harness import wait_state, wait_until

pytestmark = pytest.mark.browser


def test_new_build_replaces_the_cached_one(sw_page, dist_dir, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(dist_dir, site)
    os.environ.setdefault("PYTFJS_QUIET_SERVER", "1")
    server, url = serve_in_thread(site)
    _, page, _ = sw_page
    try:
        page.goto(f"{url}lab.html?lab=one-neuron&backend=wasm")
        assert wait_state(page, "ready") == "ready"
        assert page.evaluate("window.pytfjs.offline.ready") is True
        page.reload()
        assert wait_state(page, "ready") == "ready"
        assert page.evaluate("navigator.serviceWorker.controller !== null")

        # "deploy" a new build: another lab title, a new manifest, a new worker
        lab_file = site / "labs/one-neuron.json"
        lab_file.write_text(lab_file.read_text().replace('"One neuron"', '"One neuron v2"'))
        # and its precompressed copy, which the server prefers (labs with translations
        # are large enough to have one)
        packed = lab_file.with_name(lab_file.name + ".gz")
        if packed.exists():
            packed.write_bytes(gzip.compress(lab_file.read_bytes()))
        old_build = (site / "sw.js").read_text().split('const BUILD = "')[1].split('"')[0]
        (site / "sw.js").write_text((site / "sw.js").read_text().replace(old_build, "v2build"))
        manifest.write_manifest(site, "v2")

        page.reload()
        assert wait_state(page, "ready") == "ready"
        assert page.inner_text("#lab-title") == "One neuron"  # still the cached build
        page.wait_for_selector("#update-banner button")
        page.click("#update-banner button")
        wait_until(page, "document.getElementById('lab-title').textContent === "
                         "'One neuron v2'")
        assert wait_state(page, "ready") == "ready"
        caches = page.evaluate(
            "caches.keys().then(k => k.filter(n => n.startsWith('pytfjs-')))")
        assert caches == ["pytfjs-v2build"]
    finally:
        server.shutdown()
