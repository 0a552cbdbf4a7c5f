"""Chromium through Playwright: a thin wrapper over testkit/harness.py's browser and guard.

Each page is a new browser context (fresh storage) with the route guard of
``testkit.harness.install_guard``. A fake webcam needs browser launch flags
(``harness.camera_args``), so a second Chromium with them is started the first time a
page asks for ``fake_camera=True``, and kept for the session.
"""

from __future__ import annotations

from pathlib import Path

from testkit import harness

from . import Engine, EngineError, EnginePage, NavigationInterruptedError


class ChromiumPage(EnginePage):
    engine = "chromium"

    def __init__(self, context: object, log: harness.PageLog) -> None:
        self.context = context
        self.log = log
        self.page = context.new_page()
        self.page.set_default_timeout(harness.LAB_TIMEOUT_MS)
        self.page.on("console", lambda msg: log.console.append(f"{msg.type}: {msg.text}"))
        self.page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))

    @property
    def external(self) -> list[str]:
        return self.log.external

    def clear_external(self) -> None:
        self.log.external.clear()

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def evaluate(self, fn: str, arg: object = None, timeout: float | None = None) -> object:
        """``timeout``: not needed here (Playwright's evaluate fails when the page dies)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            return self.page.evaluate(fn, arg)
        except PlaywrightError as exc:
            if "context was destroyed" in str(exc):
                raise NavigationInterruptedError(str(exc)) from exc
            raise

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def reload(self) -> None:
        self.page.reload()

    def screenshot(self, path: str | Path) -> None:
        self.page.screenshot(path=str(path))

    def wait(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)  # lets Playwright deliver its events

    def close(self) -> None:
        self.context.close()


class ChromiumEngine(Engine):
    name = "chromium"

    def __init__(self, playwright: object = None) -> None:
        """``playwright``: a running sync Playwright to share. One process can run only
        one sync Playwright at a time, so under pytest the engine uses the session's (the
        ``sync_pw`` fixture, which the ``browser`` fixture shares too); alone, it starts
        and later stops its own."""
        from playwright.sync_api import sync_playwright

        if not Path(harness.CHROMIUM).exists():
            raise EngineError("Debian chromium is missing: run `python3 build.py test` (or "
                              "`sudo apt-get install --no-install-recommends chromium`)")
        self._own_pw = playwright is None
        self._pw = sync_playwright().start() if playwright is None else playwright
        try:
            self._browser = harness.launch_browser(self._pw)
        except Exception:
            if self._own_pw:
                self._pw.stop()
            raise
        self._camera_browser = None
        self.version = self._browser.version

    def new_page(self, fake_camera: bool = False, service_workers: bool = False,
                 **context_options: object) -> ChromiumPage:
        if fake_camera and self._camera_browser is None:
            self._camera_browser = harness.launch_browser(self._pw, harness.camera_args())
        browser = self._camera_browser if fake_camera else self._browser
        log = harness.PageLog()
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = harness.guarded_context(
            browser, log, service_workers="allow" if service_workers else "block",
            **context_options)
        return ChromiumPage(context, log)

    def close(self) -> None:
        for browser in (self._camera_browser, self._browser):
            if browser is not None:
                browser.close()
        if self._own_pw:
            self._pw.stop()
