"""WebKitGTK through Selenium: Debian's /usr/bin/WebKitWebDriver driving the MiniBrowser
that libwebkit2gtk-4.1-0 installs, on a private Xvfb display (it has no headless mode).

Each page is a new WebDriver session, i.e. a new MiniBrowser process; automation
sessions use ephemeral website data, so no storage is shared between tests. Only the
Xvfb display and the refusing proxy are shared. MiniBrowser needs ``--automation``
(WebKitWebDriver 2.50 does not add it: "Failed to match capabilities" without it); the
proxy is set with its ``--proxy`` / ``--ignore-host`` options; a fake webcam with
``--enable-mock-capture-devices``. Page console output cannot be captured here.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import (
    BrowserLostError,
    Engine,
    EngineError,
    NavigationInterruptedError,
    ProxiedPage,
    call_source,
)
from .guard import RefusingProxy

DRIVER = "/usr/bin/WebKitWebDriver"
XVFB = "/usr/bin/Xvfb"
TIMEOUT_S = 600.0
# A session starts in 0.3-0.5 s here (12 in a row, idle). Once in a full suite run
# WebKitWebDriver never answered the new-session request (a fake-camera MiniBrowser,
# 1,488 s until it was killed; the same test alone then passed in 32 s), and the run of
# 2026-12-07 lost about 85 s in each of two WebKit tests to this wait when it was 90 s,
# and later runs 30 s per hang at 30 s: after this long (20x an idle start) the driver
# is killed (with a warning) and started again.
SESSION_START_S = 10.0
SESSION_ATTEMPTS = 3
# A driver that never answers a command: seen once in a full suite run, an
# execute-async-script of the rpsls test waited 25 min with the page idle, far past its own
# 60 s script timeout (Selenium's HTTP requests have no timeout of their own). A command
# not answered this long after its own timeout ends the page as lost (BrowserLostError:
# the test runs once more, in a new MiniBrowser).
ANSWER_GRACE_S = 30.0
LOG_TAIL_CHARS = 2000
INSTALL = ("run `python3 build.py test` (or `sudo apt-get install --no-install-recommends "
           "webkit2gtk-driver xvfb xauth`)")


def minibrowser() -> str:
    """The MiniBrowser of Debian's libwebkit2gtk-4.1-0 (what `dpkg -L` lists)."""
    try:
        listed = subprocess.run(["dpkg", "-L", "libwebkit2gtk-4.1-0"], capture_output=True,
                                text=True, check=True).stdout.split()
        found = [p for p in listed if p.endswith("/MiniBrowser")]
    except (OSError, subprocess.CalledProcessError):
        found = []
    found = found or glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser")
    if not found:
        raise EngineError(f"WebKitGTK's MiniBrowser is missing: {INSTALL}")
    return found[0]


class Xvfb:
    """A virtual X display on a free display number (Xvfb picks it: -displayfd)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen(
            [XVFB, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten",
             "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.proc.kill()
            raise EngineError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class WebKitPage(ProxiedPage):
    engine = "webkit"

    def __init__(self, driver: object, proxy: RefusingProxy, log: Path | None = None) -> None:
        """``log``: the file the driver and its MiniBrowser write to, quoted when the
        browser goes away."""
        self.driver = driver
        self._proxy = proxy
        self._start = proxy.mark()
        self._log = log
        self._answer_within(TIMEOUT_S)
        with self._browser_kept():
            driver.set_script_timeout(TIMEOUT_S)
            driver.set_page_load_timeout(TIMEOUT_S)
            driver.set_window_size(1280, 900)

    def _answer_within(self, timeout: float) -> None:
        """The HTTP timeout of this driver's next commands: ``timeout`` + the grace."""
        self.driver.command_executor.client_config.timeout = timeout + ANSWER_GRACE_S

    @contextmanager
    def _browser_kept(self) -> Iterator[None]:
        """Driver calls in here raise ``BrowserLostError`` (with the end of the browser's
        own output) when the MiniBrowser process has gone away, not Selenium's bare
        errors: the first command after it died fails with an empty message, the next
        with "invalid session id"; and when the driver does not answer at all."""
        from selenium.common.exceptions import InvalidSessionIdException, WebDriverException
        from urllib3.exceptions import HTTPError

        try:
            yield
        except (HTTPError, TimeoutError) as exc:  # no answer (urllib3's timeouts included)
            raise BrowserLostError(f"webkit: the driver did not answer a command in "
                                   f"{self.driver.command_executor.client_config.timeout:.0f}"
                                   f" s ({exc!r})") from exc
        except InvalidSessionIdException as exc:  # only close() ends a session
            raise self._lost() from exc
        except WebDriverException as exc:
            try:
                self.driver.timeouts  # noqa: B018 - one cheap command: is the session alive?
            except InvalidSessionIdException:
                raise self._lost() from exc
            raise

    def _lost(self) -> BrowserLostError:
        tail = ""
        if self._log is not None and self._log.is_file():
            tail = self._log.read_text(errors="replace")[-LOG_TAIL_CHARS:].strip()
        return BrowserLostError("webkit: the MiniBrowser under this page went away (crashed "
                                f"or killed); its last output: {tail or '(none)'}")

    def goto(self, url: str) -> None:
        with self._browser_kept():
            self.driver.get(url)

    def evaluate(self, fn: str, arg: object = None, timeout: float = TIMEOUT_S) -> object:
        """Through WebDriver's execute-async-script, with ``fn`` written into the script
        itself (no eval in the page, so the site's CSP does not matter)."""
        from selenium.common.exceptions import WebDriverException

        script = (
            "const done = arguments[arguments.length - 1];"
            f"const arg = {json.dumps(arg)};"
            f"(async () => {call_source(fn)})().then("
            "  (v) => done({ok: v === undefined ? null : v}),"
            "  (e) => done({error: `${e}\\n${(e && e.stack) || ''}`}));")
        try:
            with self._browser_kept():
                self._answer_within(timeout)
                try:
                    self.driver.set_script_timeout(timeout)
                    answer = self.driver.execute_async_script(script)
                finally:
                    self._answer_within(TIMEOUT_S)
        except BrowserLostError:
            raise
        except WebDriverException as exc:
            text = str(exc)
            # "Could not parse script result": the document changed under the script
            if any(word in text.lower() for word in ("navigat", "unload", "could not parse")):
                raise NavigationInterruptedError(text) from exc
            raise
        if answer is None:  # the page went away under the script
            raise NavigationInterruptedError("webkit: the script got no answer")
        if "error" in answer:
            raise EngineError(f"webkit evaluate: {answer['error']}")
        return answer["ok"]

    def _pointer_click(self, selector: str) -> None:
        from selenium.webdriver.common.by import By

        with self._browser_kept():
            self.driver.find_element(By.CSS_SELECTOR, selector).click()

    def reload(self) -> None:
        with self._browser_kept():
            self.driver.refresh()

    def screenshot(self, path: str | Path) -> None:
        with self._browser_kept():
            self.driver.save_screenshot(str(path))

    def close(self) -> None:
        from selenium.common.exceptions import InvalidSessionIdException

        # a driver that stopped answering holds quit() no longer than this; quit() then
        # stops the driver's process anyway
        self.driver.command_executor.client_config.timeout = ANSWER_GRACE_S
        try:
            self.driver.quit()
        except InvalidSessionIdException:
            pass  # the browser went away already: the test has said so
        finally:
            if self._log is not None:
                self._log.unlink(missing_ok=True)


class WebKitEngine(Engine):
    name = "webkit"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        """``env``: extra environment for the driver and the browsers it starts, e.g.
        ``{"JSC_useSharedArrayBuffer": "1"}`` to diagnose a lab with a WebKit debug
        switch (not a stock setting: tests of the site must not depend on one)."""
        self._extra_env = dict(env or {})
        for tool in (DRIVER, XVFB):
            if not Path(tool).exists():
                raise EngineError(f"{tool} is missing: {INSTALL}")
        try:
            import selenium  # noqa: F401
        except ImportError as exc:
            raise EngineError("selenium is missing from the test venv: run "
                              "`python3 build.py test`") from exc
        self._binary = minibrowser()
        self._xvfb = Xvfb()
        self._proxy = RefusingProxy()
        try:
            # one session to learn the version; it becomes the first page
            self._spare: tuple[object, Path] | None = self._session(fake_camera=False)
        except BaseException:
            self.close()
            raise
        caps = self._spare[0].capabilities  # type: ignore[attr-defined]
        self.version = str(caps.get("browserVersion") or caps.get("version") or "?")

    def _session(self, fake_camera: bool) -> tuple[object, Path]:
        """A new WebDriver session (a new MiniBrowser) and the file its driver and browser
        write their output to."""
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        options = Options()
        options.binary_location = self._binary
        options.add_argument("--automation")
        options.add_argument(f"--proxy={self._proxy.url}")
        for host in ("localhost", "127.0.0.1", "::1"):  # one option per host
            options.add_argument(f"--ignore-host={host}")
        if fake_camera:
            options.add_argument("--enable-media-stream=true")
            options.add_argument("--enable-mock-capture-devices=true")
        # The locale of a minimal Linux (and of CI): WebKitGTK then reports
        # navigator.language "C", which Intl refuses (js/page/locale_guard.js); pinned so
        # every run meets it, whatever the caller's LANG
        env = {k: v for k, v in os.environ.items()
               if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
        env.update(LANG="C.UTF-8", **self._extra_env, DISPLAY=self._xvfb.display)
        env.pop("WAYLAND_DISPLAY", None)
        for attempt in range(1, SESSION_ATTEMPTS + 1):
            log = Path(tempfile.mkstemp(prefix="pytfjs-webkit-", suffix=".log")[1])
            service = Service(DRIVER, env=env, log_output=str(log))
            hung = threading.Event()

            def kill(service=service, hung=hung) -> None:
                hung.set()
                process = getattr(service, "process", None)  # set once the driver started
                if process is not None:
                    process.kill()  # the pending request then fails at once

            watchdog = threading.Timer(SESSION_START_S, kill)
            watchdog.start()
            try:
                with warnings.catch_warnings():
                    # Selenium 4.51's WebKitGTK class still sets remote_server_addr itself
                    warnings.filterwarnings("ignore", "setting remote_server_addr",
                                            DeprecationWarning)
                    return webdriver.WebKitGTK(options=options, service=service), log
            except Exception as exc:  # noqa: BLE001 - a killed driver fails in several ways
                log.unlink(missing_ok=True)
                if not hung.is_set():
                    raise
                warnings.warn(f"WebKitWebDriver started no session in {SESSION_START_S:.0f} s "
                              f"(attempt {attempt} of {SESSION_ATTEMPTS}): killed it",
                              RuntimeWarning, stacklevel=2)
                if attempt == SESSION_ATTEMPTS:
                    raise EngineError(f"WebKitWebDriver did not start a session in "
                                      f"{SESSION_START_S:.0f} s, {attempt} times") from exc
            finally:
                watchdog.cancel()
        raise AssertionError("unreachable")

    def new_page(self, fake_camera: bool = False, service_workers: bool = False,
                 **options: object) -> WebKitPage:
        """``service_workers`` is accepted but MiniBrowser has no switch for them: they
        are always on in WebKit (each page's storage is ephemeral anyway)."""
        if options:
            raise TypeError(f"webkit pages take no options {sorted(options)}")
        if self._spare is not None and not fake_camera:
            (driver, log), self._spare = self._spare, None
        else:
            driver, log = self._session(fake_camera)
        return WebKitPage(driver, self._proxy, log)

    def close(self) -> None:
        spare = getattr(self, "_spare", None)
        if spare is not None:
            WebKitPage(spare[0], self._proxy, spare[1]).close()
            self._spare = None
        if getattr(self, "_proxy", None) is not None:
            self._proxy.close()
            self._proxy = None
        if getattr(self, "_xvfb", None) is not None:
            self._xvfb.close()
            self._xvfb = None
