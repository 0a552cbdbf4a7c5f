"""Cross-origin isolation on hosts that send no COOP/COEP headers (GitHub Pages).

The site is served here by Python's plain http.server, which sends none of the headers
build.py's server sends. After the service worker takes the page over (one automatic
reload), the page is isolated: SharedArrayBuffer exists and wasm trains on every core.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest

from buildlib.serve.server import content_security_policy
from testkit.harness import console_text, in_worker, lab_url, wait_state, wait_until

pytestmark = pytest.mark.browser


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def plain_url(dist_dir) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(dist_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_plain_server_really_sends_no_isolation_headers(plain_url):
    import urllib.request

    with urllib.request.urlopen(plain_url + "lab.html") as response:
        assert response.headers.get("Cross-Origin-Embedder-Policy") is None
        assert response.headers.get("Cross-Origin-Opener-Policy") is None


def test_the_service_worker_makes_the_page_isolated_and_wasm_threaded(sw_page, plain_url):
    context, page, _ = sw_page
    page.goto(lab_url(plain_url, "one-neuron", backend="wasm"))
    assert wait_state(page, "ready", "error") == "ready", console_text(page)
    first = page.evaluate("[crossOriginIsolated, typeof SharedArrayBuffer]")
    # first visit: no headers from the server, no service worker yet
    assert first == [False, "undefined"]
    assert in_worker(page, "tf.wasm.getThreadsCount()") == 1
    # the offline copy is cached, the service worker takes over, the page reloads itself
    wait_until(page, "crossOriginIsolated && document.body?.dataset.state === 'ready'")
    cores = page.evaluate("navigator.hardwareConcurrency")
    assert page.evaluate("typeof SharedArrayBuffer") == "function"
    threads = in_worker(page, "tf.wasm.getThreadsCount()")
    assert threads == min(4, cores) and threads > 1
    assert f"backend wasm ({threads} threads)" in console_text(page)
    # sw.js also sends the policies: the runtime worker's own, which no <meta> tag reaches
    # (and the threads above started under it: the fixture fails on any violation)
    policies = page.evaluate("""async () => Promise.all(['worker.js', 'lab.html'].map(
        async (p) => (await fetch(p)).headers.get('content-security-policy')))""")
    assert policies == [content_security_policy(worker=True), content_security_policy()]
    page.click("#run")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert abs(page.evaluate("window.pytfjs.results.prediction") - 19) <= 0.3
    # isolated, Stop reaches Python that never awaits (the interrupt buffer)
    page.evaluate("c => window.pytfjs.setCode(c)", "x = 0\nwhile True:\n    x += 1\n")
    page.click("#run")
    wait_state(page, "running")
    page.wait_for_timeout(300)
    page.click("#stop")
    assert wait_state(page, "ready") == "ready"
    assert "Stopped by you (Python was interrupted)." in console_text(page)
    page.evaluate("window.pytfjs.reset()")
    # a later visit is isolated from the start, a hard reload (no service worker) comes back
    page.goto(lab_url(plain_url, "iris"))
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("crossOriginIsolated") is True
