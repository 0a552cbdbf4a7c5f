"""Fixtures: the built site served on loopback, and headless Debian Chromium.

The helpers they use (and tests import) live in ``testkit/harness.py``, shared with
bench/ and docs/. Browser tests are marked ``browser``; run only the CPython unit tests
with ``pytest -m "not browser"``. Every browser test fails if the page asks for anything
from a host other than 127.0.0.1/localhost, and (Chromium) on any Content-Security-Policy
violation its page or the runtime worker reports; a ``page`` test also fails on the site's
HTML served without the policy header.

Tests written once for Chromium, Firefox ESR and WebKitGTK use ``engine`` (one running
browser per engine, launched once per session, parametrized with ids
chromium/firefox/webkit) and ``epage`` (a fresh page per test), from ``testkit/engines``;
they are marked ``engines`` automatically. ``-k firefox`` picks one engine by its id;
``PYTFJS_ENGINES=chromium,firefox`` keeps the others from launching at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildlib.serve.server import content_security_policy
from testkit import engines
from testkit.harness import (
    LAB_TIMEOUT_MS,
    ROOT,
    PageLog,
    forget_site_data,
    guarded_context,
    guarded_profile,
    launch_browser,
    one_wasm_thread,
    serve_site,
)


@pytest.fixture(scope="session")
def dist_dir() -> Path:
    """The built site. Never built here: a build fetches and makes 120 MB, which a test
    run must not start behind the user's back (``python3 build.py test`` builds first)."""
    # absolute: Node-RED and other subprocesses run in folders of their own
    dist = Path(os.environ.get("PYTFJS_DIST", ROOT / "dist")).resolve()
    if not (dist / "manifest.json").is_file():
        pytest.fail(f"no built site at {dist} (no manifest.json): run `python3 build.py "
                    "build` first, or `python3 build.py test`, which builds, then tests; "
                    "PYTFJS_DIST=DIR tests another build", pytrace=False)
    return dist


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory) -> Path:
    """Files the tests make, served at ``_test/`` beside the built site (not inside dist/)."""
    return tmp_path_factory.mktemp("site-fixtures")


@pytest.fixture(scope="session")
def site_url(dist_dir: Path, fixtures_dir: Path) -> Iterator[str]:
    # dist/ is also served under /sub/path/ to prove it works from any sub-path
    server, url = serve_site(dist_dir, mounts={"_test": fixtures_dir, "sub": dist_dir})
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def sync_pw() -> Iterator[object]:
    """The session's one sync Playwright: a process cannot run two at a time, and both
    ``browser`` and the chromium ``engine`` need one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(sync_pw) -> Iterator[object]:
    try:
        browser = launch_browser(sync_pw)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield browser
    browser.close()


# What a test's page may find from the tests before it in the same context: the Cache
# Storage that holds the Python start-up snapshot. Everything else is cleared, but for
# the HTTP cache and the code cache (not site data), as in a learner's browser.
KEPT_BETWEEN_TESTS = {"cache_storage"}


@pytest.fixture(scope="session")
def kept_context(sync_pw, tmp_path_factory) -> Iterator[tuple[object, PageLog]]:
    """The browser context every ``page`` of this test process opens in, and its log: a
    Chromium profile on disk, kept for the session.

    A learner's browser has seen the site before: a new context per test made every test
    a first visit, which starts Python from nothing and makes and stores its 25 MB
    snapshot again. An off-the-record context (``browser.new_context()``) also has no
    code cache, so each page compiled Pyodide's and TF.js' wasm again: 5.7 s of CPU per
    start to "lab ready", 3.0 s in this profile (docs/testing.md).
    Tests marked ``first_visit`` get no site data: nothing kept but the caches."""
    log = PageLog()
    # Service workers (the offline copy) are off here: each new context would otherwise
    # cache the whole site in the background; test_offline.py turns them on.
    try:
        context = guarded_profile(sync_pw, tmp_path_factory.mktemp("kept-profile"), log,
                                  viewport={"width": 1280, "height": 900},
                                  service_workers="block")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield context, log
    context.close()


@pytest.fixture
def sw_page(browser) -> Iterator[tuple[object, object, PageLog]]:
    """A page whose context lets service workers run (the offline copy), with the guard:
    a context of its own, new for each test."""
    log = PageLog()
    context = guarded_context(browser, log, service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(LAB_TIMEOUT_MS)
    yield context, page, log
    context.close()
    assert not log.external, f"the page requested non-loopback URLs: {log.external}"
    log.check_violations()


@pytest.fixture
def page_log(kept_context) -> PageLog:
    _, log = kept_context
    log.reset()
    return log


@pytest.fixture
def page(request, kept_context, page_log: PageLog, site_url: str) -> Iterator[object]:
    context, _ = kept_context
    page = context.new_page()
    first_visit = request.node.get_closest_marker("first_visit") is not None
    forget_site_data(context, page, site_url, set() if first_visit else KEPT_BETWEEN_TESTS)
    if request.node.get_closest_marker("wasm_threads") is None:
        one_wasm_thread(page)
    page.set_default_timeout(LAB_TIMEOUT_MS)
    page.on("console", lambda msg: page_log.console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: page_log.page_errors.append(str(exc)))
    unguarded: list[str] = []  # the site's HTML answered without its policy header

    def check_policy(response) -> None:
        if (response.url.startswith(site_url)
                and response.headers.get("content-type", "").startswith("text/html")
                and response.headers.get("content-security-policy")
                != content_security_policy()):
            unguarded.append(response.url)

    context.on("response", check_policy)
    yield page
    context.remove_listener("response", check_policy)
    for opened in context.pages:  # this test's page, and any it opened
        opened.close()
    assert not page_log.external, f"the page requested non-loopback URLs: {page_log.external}"
    assert not unguarded, f"HTML served without the Content-Security-Policy: {unguarded}"
    page_log.check_violations()  # every test runs under the strict policy, and fails on a violation


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that reads the built site ``needs_dist``, every test that runs per
    engine ``engines`` (and ``browser``), and order the files longest first."""
    for item in items:
        if "dist_dir" in getattr(item, "fixturenames", ()):  # site_url and page need it too
            item.add_marker(pytest.mark.needs_dist)
        if "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.engines)
            item.add_marker(pytest.mark.browser)
            # once more after the browser itself went away (pytest-rerunfailures); any
            # other failure, an assertion included, fails at once
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=[engines.BrowserLostError]))
    # the longest files first: `build.py test` runs the files on two workers
    # (pytest-xdist, --dist loadfile), and a long file handed out last would run alone
    items[:] = sorted(items, key=lambda item: _LONG_FILES.get(item.path.name, len(_LONG_FILES)))


# the files that take longest on 2 cores (`--durations`), longest first
_LONG_FILES = {name: rank for rank, name in enumerate((
    "test_engines_labs.py", "test_rpsls.py", "test_engines_start.py", "test_webgpu.py",
    "test_mnist.py", "test_engines_smoke.py", "test_toxicity.py", "test_node_red.py"))}


@pytest.fixture(scope="session", params=engines.selected_engines())
def engine(request: pytest.FixtureRequest) -> Iterator[engines.Engine]:
    """One running browser of each selected engine, launched once and closed at the end
    of the session (pytest finishes one engine's tests before starting the next, so at
    most one of them runs at a time). A missing browser fails with how to install it:
    never a silent skip."""
    options = {"playwright": request.getfixturevalue("sync_pw")} \
        if request.param == "chromium" else {}
    try:
        browser = engines.launch(request.param, **options)
    except engines.EngineError as exc:
        pytest.fail(f"{request.param}: {exc}")
    yield browser
    browser.close()


@pytest.fixture
def epage(engine: engines.Engine) -> Iterator[engines.EnginePage]:
    """A fresh page with default options (no service workers, no fake camera): a new
    browser context in Chromium and Firefox, a new WebDriver session (a new MiniBrowser
    process, ephemeral storage) in WebKit; only the browser process is shared. Fails at
    teardown if the page asked for any non-loopback URL. For other options, call
    ``engine.new_page(fake_camera=True)`` / ``service_workers=True`` in the test."""
    page = engine.new_page()
    try:
        yield page
        external = page.external
    finally:
        page.close()
    assert not external, f"{engine.name}: the page requested non-loopback URLs: {external}"
