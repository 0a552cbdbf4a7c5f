"""Every private Pyodide/TF.js API that site/js/worker/private_apis.js uses is there in the
running, pinned Pyodide and TF.js (a version bump that drops one fails here, by name), and
the check really notices one that is gone."""

from __future__ import annotations

import pytest

from testkit.harness import in_worker, open_lab

pytestmark = pytest.mark.browser


def test_every_private_api_in_use_is_there(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    assert in_worker(page, "pytfjsHost.missingPrivateApis()") == []
    assert in_worker(page, "tf.getBackend()") == "wasm"


def test_a_missing_one_is_named(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    # a Pyodide without any of its private members: each one read from the object is named
    missing = in_worker(page, "pytfjsHost.missingPrivateApis({})")
    assert [m.split(" (")[0] for m in missing] == [
        "makeMemorySnapshot", "_api.config.jsglobals", "_api.on_fatal",
        "zipimport._zip_directory_cache, zipimporter._files", "_module.HEAPU8"]
    assert all("pyodide 0.27.7" in m for m in missing), missing
