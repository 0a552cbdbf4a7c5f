"""One API to drive a lab page in Chromium, Firefox ESR and WebKitGTK, so a test is
written once and runs per engine.

- ``launch(name, **options) -> Engine``: one running browser ("chromium", "firefox",
  "webkit"); ``Engine.name``, ``Engine.version``, ``Engine.new_page(**options)``,
  ``Engine.close()``.
- ``EnginePage``: ``engine``, ``goto(url)``, ``evaluate(fn, arg)``, ``click(selector)``,
  ``reload()``, ``set_files(selector, files)``, ``screenshot(path)``, ``close()``,
  ``external`` (non-loopback requests the page asked for: the guard) and
  ``clear_external()`` (for a test that makes such a request on purpose).
- Engine-neutral helpers mirroring ``testkit/harness.py``: ``wait_until``, ``wait_state``,
  ``open_lab``, ``run_in_lab``, ``console_text``, ``tensor_count``.
- ``selected_engines()``: the engines ``$PYTFJS_ENGINES`` (comma-separated) asks for, all
  three by default; ``tests/conftest.py`` parametrizes the ``engine`` fixture with them.

How each engine is driven (Playwright can drive only Chromium here; no browser is ever
downloaded):

- chromium (``chromium.py``): Playwright and Debian's /usr/bin/chromium, as
  ``testkit/harness.py`` does, with its route guard. A page is a new browser context.
- firefox (``firefox.py``): Debian's firefox-esr, headless, through npm ``puppeteer-core``
  over WebDriver BiDi, from a Node bridge (``firefox_bridge.mjs``) spoken to in JSON lines
  over stdin/stdout. A page is a new browser context (fresh storage).
- webkit (``webkit.py``): Debian's WebKitWebDriver and the MiniBrowser of libwebkit2gtk,
  through PyPI ``selenium``, on a private Xvfb display. A page is a new WebDriver session
  (a new MiniBrowser process with its own ephemeral storage).

Firefox and WebKit send every non-loopback request to ``guard.RefusingProxy``, which
records it and answers 403. Page console output cannot be captured in WebKit, so tests
read state from the page itself (``document.body.dataset.state``, ``window.pytfjs``).

``fn`` passed to ``evaluate`` is JavaScript function source (``"(arg) => document.title"``,
``"async () => await window.pytfjs.run()"``), called with ``arg``; a bare expression also
works. A returned promise is awaited; the result must be JSON-able.
"""

from __future__ import annotations

import base64
import os
import re
import time
import urllib.parse
from pathlib import Path

from testkit.harness import RUN_ENDED, RUN_START_TIMEOUT_MS, RUN_STARTED, SET_CODE

ENGINES = ("chromium", "firefox", "webkit")
LAB_TIMEOUT_S = 240.0
POLL_TIMEOUT_S = 60.0
# what looks like function source rather than an expression (as Playwright decides)
_FUNCTION = re.compile(r"^\s*(async\s+)?(function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


class EngineError(RuntimeError):
    """The browser or its driver failed (not an assertion about the page)."""


class BrowserLostError(EngineError):
    """The browser process under a page went away (crashed, or was killed) while the test
    drove it: an engine failure, not a finding about the page. Seen once in a CI run, a
    MiniBrowser that died in the middle of WebKit's MNIST run (it passed in 6 of 6 tries
    here after), so ``tests/conftest.py`` runs an engine test again once after this one
    error, and pytest's summary counts the rerun."""


class NavigationInterruptedError(EngineError):
    """The page navigated while a script ran in it (wait_until polls on through it)."""


def is_function_source(fn: str) -> bool:
    return bool(_FUNCTION.match(fn))


def call_source(fn: str) -> str:
    """JS that calls ``fn`` with the variable ``arg`` (or evaluates a bare expression)."""
    return f"({fn})(arg)" if is_function_source(fn) else f"({fn})"


class EnginePage:
    """One page (tab) in one engine. Subclasses implement the driver calls."""

    engine: str = ""

    def goto(self, url: str) -> None:
        raise NotImplementedError

    def evaluate(self, fn: str, arg: object = None, timeout: float = 600.0) -> object:
        """``timeout`` (s) bounds this one call: a page whose thread is blocked never
        answers, and a test must fail rather than hang the suite."""
        raise NotImplementedError

    def click(self, selector: str) -> None:
        """Click ``selector`` as a pointer does, and make sure the element got the click.

        The drivers of Firefox and WebKit click at the point where the element was when
        they measured it; a layout change in between (a panel that appears as a lab moves
        on) sends the click elsewhere without an error. Seen once in CI: WebKit's Stop
        click reached nothing and the test waited 240 s for a stop that was never asked
        for. So the element listens for its own click, and a click it did not get is
        tried again; one it still does not get (disabled, covered) fails here, saying so.
        """
        arm = ("(s) => { const e = document.querySelector(s); if (!e) return false;"
               " window.__pytfjsClicked = false;"
               " e.addEventListener('click', () => { window.__pytfjsClicked = true; },"
               " {once: true, capture: true}); return true; }")
        for _attempt in range(3):
            if not self.evaluate(arm, selector):
                raise EngineError(f"{self.engine}: nothing matches {selector!r} to click")
            self._pointer_click(selector)
            deadline = time.monotonic() + 1.0
            while True:
                try:  # None: the click loaded another document (a link): it was clicked
                    got = self.evaluate("() => window.__pytfjsClicked")
                except NavigationInterruptedError:
                    return
                if got is not False or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            if got is not False:
                return
        raise EngineError(f"{self.engine}: {selector!r} did not get the click "
                          "(disabled, or covered by another element?)")

    def _pointer_click(self, selector: str) -> None:
        """The driver's own click at the element's centre."""
        raise NotImplementedError

    def reload(self) -> None:
        raise NotImplementedError

    def screenshot(self, path: str | Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def external(self) -> list[str]:
        raise NotImplementedError

    def clear_external(self) -> None:
        """Forget the requests recorded so far: for a test that makes one on purpose (the
        guard's own test), so the fixture's check at teardown sees only later ones."""
        raise NotImplementedError

    def set_files(self, selector: str, files: list[tuple[str, bytes, str]]) -> None:
        """Put ``files`` (name, bytes, mime) into an ``<input type=file>`` and fire
        ``input`` and ``change``, as a person choosing them does. Done in the page with a
        DataTransfer, the one way that works the same in all three engines."""
        payload = [[name, base64.b64encode(data).decode("ascii"), mime]
                   for name, data, mime in files]
        self.evaluate("""([selector, files]) => {
            const input = document.querySelector(selector);
            if (!input) throw new Error(`no element matches ${selector}`);
            const data = new DataTransfer();
            for (const [name, b64, mime] of files) {
              const raw = atob(b64);
              const bytes = new Uint8Array(raw.length);
              for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
              data.items.add(new File([bytes], name, {type: mime}));
            }
            input.files = data.files;
            input.dispatchEvent(new Event('input', {bubbles: true}));
            input.dispatchEvent(new Event('change', {bubbles: true}));
            return input.files.length;
        }""", [selector, payload])

    def wait(self, seconds: float) -> None:
        """Sleep between polls (a subclass may pump its driver's events instead)."""
        time.sleep(seconds)


class ProxiedPage(EnginePage):
    """A page whose browser sends every non-loopback request to a ``guard.RefusingProxy``
    (Firefox, WebKit): ``external`` is what the proxy saw since this page opened."""

    _proxy: object
    _start: int

    @property
    def external(self) -> list[str]:
        return self._proxy.since(self._start)  # type: ignore[attr-defined]

    def clear_external(self) -> None:
        self._start = self._proxy.mark()  # type: ignore[attr-defined]


class Engine:
    """One running browser of one engine."""

    name: str = ""
    version: str = ""
    launch_seconds: float = 0.0  # how long launch() took (set by launch)

    def new_page(self, **options: object) -> EnginePage:
        """A fresh page. ``fake_camera=True``: a fake webcam that needs no permission
        prompt; ``service_workers=True``: let the site's service worker run (off by
        default, as in tests/conftest.py, so each test does not cache the whole site)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def selected_engines() -> list[str]:
    """The engines to run: ``$PYTFJS_ENGINES`` (e.g. "chromium,firefox"), else all."""
    wanted = os.environ.get("PYTFJS_ENGINES", "").strip()
    if not wanted:
        return list(ENGINES)
    names = [n.strip().lower() for n in wanted.split(",") if n.strip()]
    unknown = sorted(set(names) - set(ENGINES))
    if unknown:
        raise ValueError(f"PYTFJS_ENGINES names unknown engines {unknown}; "
                         f"choose from {', '.join(ENGINES)}")
    return names


def launch(name: str, **options: object) -> Engine:
    """Start one browser: ``name`` is "chromium", "firefox" or "webkit". Raises
    ``EngineError`` saying how to install it when its browser or driver is missing."""
    started = time.monotonic()
    if name == "chromium":
        from .chromium import ChromiumEngine as EngineClass
    elif name == "firefox":
        from .firefox import FirefoxEngine as EngineClass
    elif name == "webkit":
        from .webkit import WebKitEngine as EngineClass
    else:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    engine = EngineClass(**options)
    engine.launch_seconds = time.monotonic() - started
    return engine


# --- engine-neutral helpers (the same names as testkit/harness.py) ---------------------

def lab_url(site_url: str, lab: str, **params: object) -> str:
    query = urllib.parse.urlencode({"lab": lab, **{k: str(v) for k, v in params.items()}})
    return f"{site_url}lab.html?{query}"


def wait_until(page: EnginePage, fn: str, arg: object = None,
               timeout: float = LAB_TIMEOUT_S, poll: float = 0.1) -> object:
    """Poll ``page.evaluate(fn, arg)`` until it is truthy; return that value. Keeps
    waiting across a navigation (the page reloading itself). ``timeout`` is in seconds
    (testkit/harness.py's is in ms, Playwright's unit)."""
    deadline = time.monotonic() + timeout
    while True:
        try:  # one poll is a quick read: a page that cannot answer it in 60 s is stuck
            value = page.evaluate(fn, arg, timeout=POLL_TIMEOUT_S)
        except NavigationInterruptedError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.engine}: waited {timeout:.0f} s for: {fn}")
        page.wait(poll)


def wait_state(page: EnginePage, *states: str, timeout: float = LAB_TIMEOUT_S) -> str:
    """Wait until document.body.dataset.state is one of ``states``; return it. A timeout
    says what the page showed: its state, the start-up problem, the console's end."""
    return _wait_saying(page, "states => states.includes(document.body?.dataset.state) "
                        "&& document.body.dataset.state", list(states), timeout)


def _wait_saying(page: EnginePage, fn: str, arg: object, timeout: float) -> object:
    """``wait_until``, and on a timeout what the page showed (state, status, console's end)."""
    try:
        return wait_until(page, fn, arg, timeout=timeout)
    except TimeoutError as exc:
        try:
            seen = page.evaluate("() => [document.body?.dataset.state,"
                                 " document.getElementById('loading-text')?.textContent,"
                                 " document.getElementById('status')?.textContent,"
                                 " document.getElementById('console')?.innerText.slice(-1500)]",
                                 timeout=POLL_TIMEOUT_S)
        except (EngineError, TimeoutError) as again:
            seen = f"(the page did not answer either: {again})"
        raise TimeoutError(f"{exc}; the page showed: {seen}") from None


def open_lab(page: EnginePage, site_url: str, lab: str, timeout: float = LAB_TIMEOUT_S,
             **params: object) -> str:
    """Open ``lab`` with the address ``params`` and wait until it is ready (or failed)."""
    page.goto(lab_url(site_url, lab, **params))
    return wait_state(page, "ready", "done", "error", timeout=timeout)


def run_in_lab(page: EnginePage, code: str, timeout: float = LAB_TIMEOUT_S) -> str:
    """Put ``code`` in the editor, press Run, and wait for the run to end; the state."""
    before = page.evaluate(SET_CODE, code)
    page.click("#run")
    # the run counter, not the state alone: "ready" is also what the page said before
    try:
        wait_until(page, RUN_STARTED, before, timeout=RUN_START_TIMEOUT_MS / 1000)
    except TimeoutError:
        seen = page.evaluate("""() => {
            const b = document.getElementById('run').getBoundingClientRect();
            const at = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
            return [document.body.dataset.state, document.getElementById('run').disabled,
                    at && (at.id || at.tagName)]; }""")
        raise TimeoutError(f"{page.engine}: the click on Run started no run "
                           f"(state, Run disabled, element at Run's centre: {seen})") from None
    return _wait_saying(page, RUN_ENDED, before, timeout)


def console_text(page: EnginePage) -> str:
    """The lab's own console panel (the page's, not the browser's console)."""
    return page.evaluate("() => document.getElementById('console')?.innerText ?? ''")


def tensor_count(page: EnginePage) -> int:
    """Live tensors in the runtime worker, asked through the page (evaluating in a worker
    is Chromium-only)."""
    return page.evaluate("async () => (await window.pytfjs.memory()).numTensors")
