"""The three-engine harness on the real site: the home page and one-neuron (cpu) in
Chromium, Firefox ESR and WebKitGTK, and the non-loopback guard in each.

One test, written once, per engine (the ``engine``/``epage`` fixtures of conftest.py).
The labs themselves, per engine, are in test_engines_labs.py and test_engines_start.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from testkit.engines import (
    BrowserLostError,
    Engine,
    EnginePage,
    console_text,
    open_lab,
    selected_engines,
    tensor_count,
    wait_state,
    wait_until,
    webkit,
)

pytestmark = [pytest.mark.browser, pytest.mark.engines]

FILE_INPUT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>file input</title></head><body><input type="file" id="pick" multiple></body></html>
"""


def test_home_page_and_a_click(engine: Engine, epage: EnginePage, site_url: str) -> None:
    epage.goto(site_url)
    assert "pytfjs" in epage.evaluate("() => document.title")
    assert epage.evaluate("(n) => n * 2", 21) == 42
    assert epage.evaluate("async () => await Promise.resolve('awaited')") == "awaited"
    links = epage.evaluate("() => [...document.querySelectorAll('a[href^=\"lab.html\"]')]"
                           ".map((a) => a.getAttribute('href'))")
    assert "lab.html?lab=one-neuron" in links
    epage.click('a[href="lab.html?lab=one-neuron"]')
    wait_until(epage, "() => location.href.includes('lab.html?lab=one-neuron')", timeout=30)
    # the lab page has its state attribute from its first paint, in every engine
    assert wait_state(epage, "loading", "ready", "error", "running", "done", timeout=30)
    epage.reload()
    wait_until(epage, "() => document.readyState === 'complete'", timeout=30)


def test_one_neuron_cpu(engine: Engine, epage: EnginePage, site_url: str) -> None:
    print(f"\n{engine.name} {engine.version}: launch {engine.launch_seconds:.1f} s")
    opened = time.monotonic()
    state = open_lab(epage, site_url, "one-neuron", backend="cpu")
    assert state == "ready", console_text(epage)
    to_ready = time.monotonic() - opened
    started = time.monotonic()
    epage.evaluate("async () => { await window.pytfjs.run(); }")
    state = wait_state(epage, "done", "error", timeout=240)
    seconds = time.monotonic() - started
    assert state == "done", console_text(epage)
    results = epage.evaluate("() => window.pytfjs.results")
    assert abs(results["prediction"] - 19) < 0.5, results
    assert "the rule gives 19" in console_text(epage)
    assert tensor_count(epage) == 0
    print(f"{engine.name}: one-neuron cpu: page to ready {to_ready:.1f} s, "
          f"run {seconds:.1f} s")


def test_guard_records_and_refuses_non_loopback(engine: Engine, epage: EnginePage,
                                               site_url: str) -> None:
    epage.goto(site_url)
    assert not epage.external
    # a navigation (the site's CSP would stop a fetch before it reached the network)
    epage.evaluate("() => { location.href = 'http://example.invalid/pytfjs-guard'; }")
    deadline = time.monotonic() + 30
    while not any("example.invalid" in url for url in epage.external):
        assert time.monotonic() < deadline, f"not recorded: {epage.external}"
        epage.wait(0.2)  # Chromium: lets Playwright deliver the route event
    assert "http://example.invalid/pytfjs-guard" in epage.external
    if engine.name == "chromium":  # the route aborted it: Chromium's error page
        wait_until(epage, "() => location.protocol === 'chrome-error:'", timeout=30)
    else:  # the refusing proxy answered, nothing went out
        wait_until(epage, "() => document.body?.innerText.includes('are refused')",
                   timeout=30)
    epage.goto(site_url)
    epage.evaluate("() => { location.href = 'https://10.255.255.1/pytfjs-guard'; }")
    deadline = time.monotonic() + 30
    while not any("10.255.255.1" in url for url in epage.external):
        assert time.monotonic() < deadline, f"not recorded: {epage.external}"
        epage.wait(0.2)  # Chromium: lets Playwright deliver the route event
    epage.clear_external()  # both were made on purpose


def test_set_files_fills_an_input_and_fires_change(epage: EnginePage, site_url: str,
                                                   fixtures_dir) -> None:
    (fixtures_dir / "file_input.html").write_text(FILE_INPUT_PAGE)
    epage.goto(f"{site_url}_test/file_input.html")
    epage.evaluate("""() => { window.changes = 0;
        document.getElementById('pick').addEventListener('change', () => window.changes++); }""")
    data = bytes(range(256)) + b"x,y\n1,2\n"
    epage.set_files("#pick", [("table.csv", data, "text/csv"), ("b.txt", b"hi", "text/plain")])
    got = epage.evaluate("""async () => {
        const files = [...document.getElementById('pick').files];
        const first = new Uint8Array(await files[0].arrayBuffer());
        return {changes: window.changes, names: files.map((f) => f.name),
                types: files.map((f) => f.type), bytes: [...first]};
    }""")
    assert got["changes"] == 1
    assert got["names"] == ["table.csv", "b.txt"]
    assert got["types"] == ["text/csv", "text/plain"]
    assert bytes(got["bytes"]) == data


def test_fake_camera(engine: Engine, site_url: str) -> None:
    page = engine.new_page(fake_camera=True)
    try:
        page.goto(site_url)
        tracks = page.evaluate("""async () => {
            const stream = await navigator.mediaDevices.getUserMedia({video: true});
            const tracks = stream.getVideoTracks();
            tracks.forEach((t) => t.stop());
            return tracks.length;
        }""")
        assert tracks == 1
        assert not page.external
    finally:
        page.close()


@pytest.mark.parametrize("engine", [e for e in selected_engines() if e == "webkit"],
                         indirect=True)
def test_a_killed_webkit_browser_is_named_and_only_that_is_run_again(
        request: pytest.FixtureRequest, engine: Engine, site_url: str) -> None:
    """WebKit's MiniBrowser once died under a CI run; the driver then answers only "invalid
    session id". The page says instead that the browser went away, with the browser's
    last output, and that one error (no other) gets an engine test a second run."""
    marker = request.node.get_closest_marker("flaky")
    assert marker is not None and marker.kwargs == {
        "reruns": 1, "only_rerun": [BrowserLostError]}
    page = engine.new_page()
    try:
        page.goto(site_url)
        driver_pid = page.driver.service.process.pid
        browsers = subprocess.run(["pgrep", "-P", str(driver_pid)], capture_output=True,
                                  text=True).stdout.split()
        assert browsers, "WebKitWebDriver started no MiniBrowser"
        for pid in browsers:
            os.kill(int(pid), signal.SIGKILL)
        with pytest.raises(BrowserLostError, match="MiniBrowser under this page went away"):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the driver has seen it go
                page.evaluate("() => 1")
                time.sleep(0.2)
    finally:
        page.close()


@pytest.mark.parametrize("engine", [e for e in selected_engines() if e == "webkit"],
                         indirect=True)
def test_a_webkit_driver_that_stops_answering_ends_the_page_as_lost(
        engine: Engine, site_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once in a full suite run WebKitWebDriver stopped answering an evaluate, with the
    page idle, for 25 min (Selenium's requests have no timeout). Here its process is
    stopped (SIGSTOP) under a page: the next command fails within its own timeout plus
    the grace, as a lost browser, so the test gets its second run instead of hanging."""
    monkeypatch.setattr(webkit, "ANSWER_GRACE_S", 3.0)  # 30 s in the suite's runs
    page = engine.new_page()
    driver_pid = None
    try:
        page.goto(site_url)
        assert page.evaluate("() => 1 + 1") == 2
        driver_pid = page.driver.service.process.pid
        os.kill(driver_pid, signal.SIGSTOP)
        start = time.monotonic()
        with pytest.raises(BrowserLostError, match="the driver did not answer"):
            page.evaluate("() => 1", timeout=1)
        assert time.monotonic() - start < 1 + webkit.ANSWER_GRACE_S + 10
    finally:
        if driver_pid is not None:
            os.kill(driver_pid, signal.SIGCONT)
        page.close()
