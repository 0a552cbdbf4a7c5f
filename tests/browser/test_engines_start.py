"""No silent start, in every engine (Chromium, Firefox ESR, WebKitGTK).

A start made to fail ends in a message that names the step, with Retry, well within 30 s:
the Pyodide .wasm answering 404, a script the runtime worker imports throwing as it loads.
A browser without SharedArrayBuffer (WebKitGTK as Debian ships it; simulated in the other
two by a first script that removes it from the page) starts anyway: one thread, Stop
restarts Python, and the loading panel says what is missing.

The broken sites are hard-linked copies of the built site with one file changed, served
by a second loopback server (``site/`` is never touched).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.engines import (
    console_text,
    lab_url,
    run_in_lab,
    selected_engines,
    wait_state,
    wait_until,
)
from testkit.harness import serve_site

pytestmark = [pytest.mark.browser, pytest.mark.engines]

FAIL_WITHIN_S = 30
NO_SAB = "js/page/no-shared-memory.js"


def linked_copy(dist: Path, into: Path) -> Path:
    """``dist`` as hard links (instant, no bytes copied); change a file only by replacing it."""
    shutil.copytree(dist, into, copy_function=os.link)
    return into


def replace(path: Path, text: str) -> None:
    for old in (path, path.with_name(path.name + ".gz")):
        old.unlink(missing_ok=True)  # unlink, never write through a hard link into dist/
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def broken_url(dist_dir: Path, tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("broken-sites")
    no_wasm = linked_copy(dist_dir, root / "no-wasm")
    for name in ("pyodide.asm.wasm", "pyodide.asm.wasm.gz"):
        (no_wasm / "vendor/pyodide" / name).unlink()
    throwing = linked_copy(dist_dir, root / "throwing-worker")
    replace(throwing / "js/worker/python_snapshot.js",
            'throw new Error("planted: a module of the worker throws as it loads");\n')
    no_sab = linked_copy(dist_dir, root / "no-sab")
    # a browser without SharedArrayBuffer: a first, classic script takes it away
    replace(no_sab / NO_SAB, "delete globalThis.SharedArrayBuffer;\n")
    page = no_sab / "lab.html"
    html = page.read_text(encoding="utf-8")
    start = "<script type=\"module\" async src=\"js/page/runtime_start.js\">"
    assert start in html
    replace(page, html.replace(start, f"<script src=\"{NO_SAB}\"></script>\n{start}", 1))
    stalled = linked_copy(dist_dir, root / "stalled-threads")
    backends = dist_dir / "js/worker/backends.js"
    threaded_start = '    return await tf.setBackend("wasm");\n  } finally {'
    code = backends.read_text(encoding="utf-8")
    assert code.count(threaded_start) == 1
    # the threaded backend never finishes starting, while the worker goes on answering
    replace(stalled / "js/worker/backends.js", code.replace(
        threaded_start, "    return await new Promise(() => {});\n  } finally {"))
    server, url = serve_site(root / "no-wasm", mounts={
        "throwing-worker": throwing, "no-sab": no_sab, "stalled-threads": stalled})
    yield url
    server.shutdown()


def failed_start(epage, url: str) -> dict:
    """Open ``url`` and wait for the start to end; what the page says about it."""
    started = time.monotonic()
    epage.goto(url)
    state = wait_state(epage, "ready", "error", timeout=FAIL_WITHIN_S + 30)
    seconds = time.monotonic() - started
    said = epage.evaluate("""() => ({
        startup: document.body.dataset.startup || "",
        step: document.body.dataset.startupStep || "",
        problem: document.getElementById("startup-problem").innerText,
        retry: Boolean(document.getElementById("startup-retry")),
        status: document.getElementById("loading-text").textContent,
    })""")
    return {"state": state, "seconds": seconds, **said}


def test_a_missing_wasm_file_ends_the_start_naming_the_step(epage, broken_url):
    said = failed_start(epage, lab_url(broken_url, "one-neuron"))
    assert said["state"] == "error", said
    assert said["seconds"] < FAIL_WITHIN_S, said
    assert (said["startup"], said["step"]) == ("failed", "python"), said
    assert "while starting Python" in said["problem"]
    assert "vendor/pyodide/pyodide.asm.wasm answered 404" in said["problem"]
    assert said["retry"]
    assert "vendor/pyodide/pyodide.asm.wasm answered 404" in console_text(epage)


def test_a_worker_script_that_throws_ends_the_start_naming_the_step(epage, broken_url):
    said = failed_start(epage, lab_url(f"{broken_url}throwing-worker/", "one-neuron"))
    assert said["state"] == "error", said
    assert said["seconds"] < FAIL_WITHIN_S, said
    assert (said["startup"], said["step"]) == ("failed", "runtime"), said
    assert "while loading the runtime worker" in said["problem"]
    assert said["retry"]
    # Retry starts again (here it fails again the same way: the file is still broken)
    epage.click("#startup-retry")
    # (Retry reloads the page: while it does, there is no body or console yet)
    wait_until(epage, "() => document.body?.dataset.startup === 'failed'"
                      " && (document.getElementById('console')?.innerText || '').length > 0",
               timeout=FAIL_WITHIN_S)


def test_without_shared_memory_a_lab_runs_on_one_thread_and_stop_restarts(epage, broken_url):
    epage.goto(lab_url(f"{broken_url}no-sab/", "one-neuron", backend="wasm"))
    assert wait_state(epage, "ready", "error") == "ready", console_text(epage)
    caps = epage.evaluate("() => window.pytfjs.capabilities")
    assert caps["page"]["sharedArrayBuffer"] is False
    assert caps["threads"] == 1
    line = epage.evaluate("() => document.getElementById('browser-line').textContent")
    assert "no SharedArrayBuffer (Stop restarts Python)" in line
    assert "WebAssembly on one thread" in line
    assert "backend wasm (one thread)" in console_text(epage)
    assert run_in_lab(epage, epage.evaluate("() => window.pytfjs.getCode()")) == "done"
    assert abs(epage.evaluate("() => window.pytfjs.results.prediction") - 19) <= 0.3
    # a loop that never awaits: no interrupt buffer, so Stop starts a fresh Python
    epage.evaluate("(c) => window.pytfjs.setCode(c)", "x = 0\nwhile True:\n    x += 1\n")
    epage.click("#run")
    wait_state(epage, "running")
    epage.click("#stop")
    assert wait_state(epage, "ready", "error") == "ready", console_text(epage)
    assert "Python was restarted" in console_text(epage)


# WebKitGTK has no SharedArrayBuffer: it never starts threaded wasm
@pytest.mark.parametrize("engine", [e for e in selected_engines() if e != "webkit"],
                         indirect=True)
def test_a_threaded_start_that_never_ends_starts_again_on_one_thread(engine, epage,
                                                                    broken_url):
    """Seen once in the suite (Firefox, rpsls, a fresh browser): the loading panel stayed at
    "TensorFlow.js: starting its backend" for 240 s while the worker went on answering, so
    the watch for a blocked worker never fired. Nothing moving for 15 s while the threaded
    backend starts now gets the same answer: a fresh worker on one thread."""
    epage.goto(lab_url(f"{broken_url}stalled-threads/", "one-neuron", backend="wasm"))
    assert wait_state(epage, "ready", "error", timeout=90) == "ready", console_text(epage)
    caps = epage.evaluate("() => window.pytfjs.capabilities")
    assert caps["page"]["sharedArrayBuffer"] is True and caps["threads"] == 1, caps
    why = epage.evaluate("() => localStorage.getItem('pytfjs:wasm-threads-hung')")
    assert "no start-up progress for" in why and "at backend" in why, why
    assert "starting again on one thread" in console_text(epage)
    assert run_in_lab(epage, epage.evaluate("() => window.pytfjs.getCode()")) == "done"
