"""The test harness shared by tests/, bench/ and docs/: the built site on loopback,
headless Debian Chromium, the guard against requests to other hosts, and the helpers
that open a lab, run code in it and wait for it.

Tests get these as fixtures from ``conftest.py``; benchmarks and the screenshot scripts
use :func:`site_and_browser`. Run those as modules from the project root (``python -m
bench.bench_mnist``), so ``tests``, ``bench`` and ``buildlib`` import without any
``sys.path`` edits.

Playwright's ``page.wait_for_function`` evaluates its predicate with ``eval`` from a
later task, which works only while the site's Content-Security-Policy allows
'unsafe-eval', which the site's policy does not: tests wait with ``wait_until``, which does not
depend on it. (``page.evaluate`` runs through the DevTools protocol, outside the policy.)
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# --enable-unsafe-webgpu: WebGPU without a GPU, on SwiftShader's fallback adapter (slow,
# never the site's default; tests/browser/test_webgpu.py checks the backend on it).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist", "--enable-unsafe-webgpu",
    # The network half of the guard (see install_guard): every request to another host
    # goes to a proxy that is not there and fails in the network stack, IP addresses
    # included; loopback is never proxied (Chromium's implicit bypass list).
    "--proxy-server=127.0.0.1:9",
]
LAB_TIMEOUT_MS = 240_000


def free_port() -> int:
    """A TCP port free on loopback right now (for a server a test starts itself)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_site(dist: Path, mounts: dict[str, Path] | None = None):
    """``dist`` served on a free loopback port, quietly: (server, base URL)."""
    from buildlib.serve.server import serve_in_thread

    os.environ.setdefault("PYTFJS_QUIET_SERVER", "1")
    return serve_in_thread(dist, mounts=mounts)


def camera_args(video: Path | None = None, deny: bool = False) -> list[str]:
    """Chromium flags for a fake webcam: a moving test pattern, or ``video`` (.y4m/.mjpeg)
    played in a loop; ``deny`` refuses the camera instead of allowing it."""
    args = ["--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream=deny" if deny else "--use-fake-ui-for-media-stream"]
    if video is not None:
        args.append(f"--use-file-for-fake-video-capture={video}")
    return args


def _debian_chromium(playwright):
    """Playwright's chromium ``BrowserType``, once Debian's chromium is known to be there."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian chromium is missing: run `python3 build.py test` to "
                           "install it")
    return getattr(playwright, "chromium", playwright)


def launch_browser(playwright, extra_args: list[str] | None = None):
    """Headless Debian Chromium (never a downloaded browser), with ``extra_args``.
    ``playwright`` is the Playwright object, or its chromium ``BrowserType`` (what a
    test's ``browser.browser_type`` is)."""
    browser_type = _debian_chromium(playwright)
    return browser_type.launch(executable_path=CHROMIUM, headless=True,
                               args=[*CHROMIUM_ARGS, *(extra_args or [])])


@contextmanager
def site_and_browser(dist: Path | None = None,
                     mounts: dict[str, Path] | None = None) -> Iterator[tuple]:
    """The built site served on loopback and a headless Chromium: (playwright, browser,
    base URL). ``dist`` defaults to ``$PYTFJS_DIST`` or ``dist/``. Both are shut down
    when the block ends."""
    from playwright.sync_api import sync_playwright

    server, base = serve_site(dist or Path(os.environ.get("PYTFJS_DIST", ROOT / "dist")),
                              mounts)
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            try:
                yield pw, browser, base
            finally:
                browser.close()
    finally:
        server.shutdown()


class PageLog:
    """What a page did that a test may want to check: external requests, errors, and the
    Content-Security-Policy violations its context reported (the fixtures fail a test on
    any, unless it sets ``violations_expected``)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything seen (a browser context that the next test reuses)."""
        self.external: list[str] = []
        self.console: list[str] = []
        self.page_errors: list[str] = []
        self.violations: list[str] = []
        self.violations_expected = False

    def check_violations(self) -> None:
        """Fail on any Content-Security-Policy violation seen (see :func:`install_guard`)."""
        assert self.violations_expected or not self.violations, (
            f"Content-Security-Policy violations: {self.violations}")


def is_csp_violation(text: str) -> bool:
    """A console line that reports a Content-Security-Policy violation: Chromium's own
    ("Refused to ... violates the following Content Security Policy directive"), or the
    site's (js/page/violations.js: the page's and the runtime worker's)."""
    return "Content Security Policy" in text or "Content-Security-Policy violation" in text


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`
  + ` at ${e.sourceFile}:${e.lineNumber}`));
"""


def csp_violations(page) -> list[str]:
    """The securitypolicyviolation events the current document has seen so far."""
    return page.evaluate("window.__cspViolations || ['(recorder missing)']")


def install_guard(context, log: PageLog) -> None:
    """Record every request of ``context`` to a host that is not loopback (the test then
    fails: ``log.external``), and every Content-Security-Policy violation its pages
    report in their console (the site's pages say the runtime worker's too):
    ``log.check_violations()``. Such a request never leaves the machine: the browsers
    this harness launches send it to a proxy that does not exist (``CHROMIUM_ARGS``).

    The guard only listens: intercepting every request (``context.route``) sent each file
    of each start through Python and turned Chromium's HTTP cache off."""

    def console(message) -> None:
        if is_csp_violation(message.text):
            log.violations.append(message.text)

    def request(req) -> None:
        url = req.url
        host = urllib.parse.urlsplit(url).hostname or ""
        if not url.startswith(("data:", "blob:")) and host not in LOOPBACK:
            log.external.append(url)

    context.on("console", console)
    context.on("request", request)


# What a site can store in a browser context (Chromium's Storage.clearDataForOrigin names)
SITE_STORAGE = ("cookies", "file_systems", "indexeddb", "local_storage", "shader_cache",
                "websql", "service_workers", "cache_storage")


# The page's own switch (js/page/runtime_client.js: once threaded wasm hung, a browser
# starts wasm on one thread), set before the site's scripts run.
ONE_WASM_THREAD = ("try { localStorage.setItem('pytfjs:wasm-threads-hung', "
                   "'tests: one wasm thread per page'); } catch (e) {}")


def one_wasm_thread(target) -> None:
    """Make the pages of ``target`` (a Playwright page or context) start TF.js' wasm
    backend on one thread.

    The suite runs two browsers on two cores. With two wasm threads each, four compute
    threads share two cores, and XNNPACK's thread pool spins while it waits for the
    other: measured with both cores busy (bench_rpsls --captures 300 beside two busy
    loops), the webcam lab's head trained in 4,121 ms on two threads and 1,745 ms on one,
    a capture took 95 ms and 69 ms. Tests of the threaded backend itself are marked
    ``wasm_threads`` and get the browser's own choice (every core, up to 4)."""
    target.add_init_script(ONE_WASM_THREAD)


def forget_site_data(context, page, site_url: str, keep: set[str]) -> None:
    """Clear what the site at ``site_url`` stored in ``context`` (through ``page``, one
    of its pages), except the storage types in ``keep`` (names of ``SITE_STORAGE``)."""
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(site_url))
    types = ",".join(t for t in SITE_STORAGE if t not in keep)
    context.new_cdp_session(page).send("Storage.clearDataForOrigin",
                                       {"origin": origin, "storageTypes": types})
    context.clear_cookies()
    context.clear_permissions()


def lab_url(site_url: str, lab: str, **params: object) -> str:
    query = urllib.parse.urlencode({"lab": lab, **{k: str(v) for k, v in params.items()}})
    return f"{site_url}lab.html?{query}"


def wait_until(page, expression: str, arg: object = None,
               timeout: float = LAB_TIMEOUT_MS, poll_ms: float = 50) -> object:
    """Poll ``page.evaluate(expression, arg)`` until it is truthy; return that value.

    A CSP-safe ``page.wait_for_function`` (see the module docstring); like it, it keeps
    waiting across a navigation (the page reloading itself).
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(expression, arg)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout / 1000:.0f} s for: {expression}")
        page.wait_for_timeout(poll_ms)


def wait_state(page, *states: str, timeout: float = LAB_TIMEOUT_MS) -> str:
    """Wait until document.body.dataset.state is one of ``states``; return it."""
    # document.body is null for a moment while a page that a click opened is parsed
    return wait_until(page, "states => states.includes(document.body?.dataset.state) "
                      "&& document.body.dataset.state", list(states), timeout=timeout)


def open_lab(page, site_url: str, lab: str, **params: object) -> str:
    page.goto(lab_url(site_url, lab, **params))
    return wait_state(page, "ready", "done", "error")


# a click on Run starts run number ``before`` + 1 at once (site/js/page/lab.js run())
SET_CODE = "code => { window.pytfjs.setCode(code); return window.pytfjs.runs; }"
RUN_STARTED = "before => window.pytfjs.runs > before"
RUN_ENDED = ("before => window.pytfjs.runs > before && ['done', 'error', 'ready']"
             ".includes(document.body.dataset.state) && document.body.dataset.state")
RUN_START_TIMEOUT_MS = 30_000


def run_in_lab(page, code: str) -> str:
    """Put ``code`` in the editor, press Run, and wait for the run to end; returns the state."""
    before = page.evaluate(SET_CODE, code)
    page.click("#run")
    # the run counter, not the state alone: "ready" is also what the page said before
    wait_until(page, RUN_STARTED, before, timeout=RUN_START_TIMEOUT_MS)
    return wait_until(page, RUN_ENDED, before)


def share_at_least(fraction: float, total: int, percent: int) -> bool:
    """Whether a reported share of ``total`` items is at least ``percent`` % of them, counted.

    TF.js metrics are float32 means: 950 right of 1,000 arrives as 0.949999988..., which a
    float comparison with 0.95 fails. Round back to the count, compare integers.
    """
    return round(fraction * total) * 100 >= percent * total


def long_decimals(page) -> list[str]:
    """Numbers shown in the Results panel with more than 4 decimals (there should be none)."""
    return re.findall(r"\d\.\d{5,}", page.inner_text("#results"))


def runtime_worker(page, timeout: float = LAB_TIMEOUT_MS):
    """The page's runtime worker (site/worker.js: Pyodide and TF.js), the newest one
    (Stop or a crash can replace it)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        workers = [w for w in page.workers if w.url.split("?")[0].endswith("/worker.js")]
        if workers:
            return workers[-1]
        if time.monotonic() > deadline:
            raise TimeoutError("the page has no runtime worker")
        page.wait_for_timeout(50)


def in_worker(page, expression: str, arg: object = None) -> object:
    """Evaluate ``expression`` in the runtime worker, where ``tf`` and ``pytfjsHost`` live
    (through the DevTools protocol, like ``page.evaluate``, outside the CSP)."""
    return runtime_worker(page).evaluate(expression, arg)


def python_from_snapshot(page) -> bool:
    """Whether the page's Python was restored from the browser's memory snapshot
    (site/js/worker/python_snapshot.js; lab.js marks python-ready with it). False for a build
    from before the snapshot, whose mark has no detail."""
    return page.evaluate(
        "performance.getEntriesByName('python-ready')[0].detail?.snapshot === true")


def tensor_count(page) -> int:
    """``tf.memory().numTensors`` in the runtime worker."""
    return in_worker(page, "tf.memory().numTensors")


def console_text(page) -> str:
    return page.evaluate("document.getElementById('console').innerText")


def drop_file(page, name: str, data: bytes | None = None, size: int | None = None,
              mime: str = "text/csv") -> None:
    """Drop a file on the lab's drop zone, the way a person drags one in."""
    page.wait_for_selector(".drop-zone")
    page.evaluate("""([name, bytes, size, mime]) => {
        const content = size ? new Uint8Array(size).fill(65) : new Uint8Array(bytes);
        const data = new DataTransfer();
        data.items.add(new File([content], name, {type: mime}));
        document.querySelector('.drop-zone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
    }""", [name, list(data or b""), size, mime])


def expect_problem(page, text: str) -> None:
    assert wait_state(page, "error", "done") == "error", console_text(page)
    assert text in page.inner_text("#inputs .ask-error")
    assert "Problem: " in console_text(page) and "Traceback" not in console_text(page)
    assert tensor_count(page) == 0
    assert not page.is_disabled("#run")



def guarded_context(browser, log: PageLog, **options):
    """A browser context with the outside-request guard and the CSP recorder installed."""
    context = browser.new_context(**options)
    install_guard(context, log)
    context.add_init_script(CSP_RECORDER)  # csp_violations(page) reads what it saw
    return context


def guarded_profile(playwright, profile: Path, log: PageLog,
                    extra_args: list[str] | None = None, **options):
    """``guarded_context``, in a headless Debian Chromium of its own that keeps its
    profile in the folder ``profile``, as a learner's browser does. Unlike a
    ``browser.new_context()`` (off the record), it has a disk cache and V8's code cache:
    a page that loads the same .wasm again (answered "304 Not Modified") runs the machine
    code compiled last time instead of compiling Pyodide and TF.js again. ``playwright``
    as for ``launch_browser``."""
    browser_type = _debian_chromium(playwright)
    context = browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, *(extra_args or [])], **options)
    install_guard(context, log)
    context.add_init_script(CSP_RECORDER)
    return context


CLIPPED = """() => {
  // elements whose own text or children are cut off: content wider or taller than the
  // box, where the box hides the rest (overflow hidden/clip) instead of scrolling it
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.CodeMirror, .visually-hidden, [hidden], canvas, svg')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const cuts = (axis) => ['hidden', 'clip'].includes(style[`overflow${axis}`]);
    const wide = el.scrollWidth > el.clientWidth + 1
      && (cuts('X') || style.textOverflow === 'ellipsis');
    const tall = el.scrollHeight > el.clientHeight + 1 && cuts('Y');
    if ((wide || tall) && el.clientWidth > 1 && el.textContent.trim()) {
      const name = el.id ? `#${el.id}`
        : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      const size = `${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`;
      out.push(`${name} (${size}): ${el.textContent.trim().slice(0, 40)}`);
    }
  }
  return out;
}"""


def clipped_text(page) -> list[str]:
    """Elements on the page whose content is cut off (there should be none)."""
    return page.evaluate(CLIPPED)
