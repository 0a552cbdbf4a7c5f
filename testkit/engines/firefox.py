"""Firefox ESR (Debian's /usr/bin/firefox-esr), headless, through puppeteer-core over
WebDriver BiDi, from the Node bridge ``firefox_bridge.mjs``.

One bridge process = one Firefox. Pages are new browser contexts (fresh storage), so
nothing but the browser process and its profile-wide prefs is shared between tests.
Prefs are profile-wide, so a page that asks for other ``service_workers`` or
``fake_camera`` settings than the first browser has gets a second Firefox (kept for the
session). Every non-loopback request goes to the engine's ``RefusingProxy``.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from testkit.harness import ROOT

from . import Engine, EngineError, NavigationInterruptedError, ProxiedPage, call_source
from .guard import RefusingProxy

FIREFOX = "/usr/bin/firefox-esr"
BRIDGE = Path(__file__).with_name("firefox_bridge.mjs")
PUPPETEER = ROOT / "node_modules" / "puppeteer-core" / "package.json"
TIMEOUT_S = 600.0


def firefox_prefs(proxy_port: int, service_workers: bool, fake_camera: bool) -> dict:
    """Prefs on top of puppeteer's own (which already turn off updates, telemetry, safe
    browsing and most start-up traffic): everything not loopback goes to the refusing
    proxy, and the remaining background services that would call home are off, so the
    guard's record holds only what the page asked for."""
    prefs = {
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1", "network.proxy.http_port": proxy_port,
        "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": proxy_port,
        "network.proxy.share_proxy_settings": True,
        "network.proxy.no_proxies_on": "localhost, 127.0.0.1, [::1]",
        # Firefox sends even localhost to the proxy unless told not to
        "network.proxy.allow_hijacking_localhost": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "network.predictor.enabled": False,
        "browser.safebrowsing.provider.mozilla.updateURL": "",
        "browser.topsites.contile.enabled": False,
        "browser.newtabpage.activity-stream.feeds.topsites": False,
        "extensions.blocklist.enabled": False,
        "app.normandy.enabled": False,
        "toolkit.telemetry.enabled": False,
        "dom.push.connection.enabled": False,  # the push service's WebSocket
        # remote settings (certificate lists, experiments) call firefox.settings.services
        # .mozilla.com even with puppeteer's dummy server
        "services.settings.server": f"http://127.0.0.1:{proxy_port}/remote-settings/v1",
        "security.remote_settings.crlite_filters.enabled": False,
        "security.remote_settings.intermediates.enabled": False,
        "messaging-system.rsexperimentloader.enabled": False,
        "browser.region.update.enabled": False,
        "browser.region.network.url": "",
        "network.trr.mode": 5,
        "dom.serviceWorkers.enabled": service_workers,
    }
    if fake_camera:
        prefs |= {"media.navigator.streams.fake": True,
                  "media.navigator.permission.disabled": True}
    return prefs


class _Bridge:
    """The Node process and its JSON-lines conversation."""

    def __init__(self, prefs: dict) -> None:
        node = shutil.which("node")
        if node is None:
            raise EngineError("node is missing: install Node.js 20 (Debian package nodejs)")
        if not PUPPETEER.is_file():
            raise EngineError("puppeteer-core is missing from node_modules: run "
                              "`python3 build.py build` (npm ci; PUPPETEER_SKIP_DOWNLOAD=1)")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept for error reports)
        # release builds honour services.settings.server only with this set
        env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1", MOZ_REMOTE_SETTINGS_DEVTOOLS="1")
        config = json.dumps({"executablePath": FIREFOX, "prefs": prefs})
        self.proc = subprocess.Popen(
            ["node", str(BRIDGE), str(ROOT), config], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env, bufsize=1)
        self._ids = itertools.count(1)
        self._answers: dict[int, queue.Queue] = {0: queue.Queue()}
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True, name="firefox-bridge").start()
        self._wait(0, 120.0, "start")

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                box = self._answers.get(message.get("id"))
            if box is not None:
                box.put(message)
        with self._lock:  # the bridge ended: wake every waiter
            for box in self._answers.values():
                box.put({"error": "the Firefox bridge exited"})

    def stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-3000:]

    def _wait(self, request_id: int, timeout: float, op: str) -> object:
        box = self._answers[request_id]
        try:
            message = box.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"firefox: no answer to {op} in {timeout:.0f} s") from None
        finally:
            with self._lock:
                self._answers.pop(request_id, None)
        if "error" in message:
            error = message["error"]
            if "exited" in error:
                error += ":\n" + self.stderr_tail()
            if "context was destroyed" in error or "navigated" in error.lower():
                raise NavigationInterruptedError(error)
            raise EngineError(f"firefox {op}: {error}")
        return message.get("result")

    def call(self, op: str, timeout: float = TIMEOUT_S, **args: object) -> object:
        request_id = next(self._ids)
        with self._lock:
            self._answers[request_id] = queue.Queue()
        try:
            self.proc.stdin.write(json.dumps({"id": request_id, "op": op, "args": args}) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise EngineError(f"firefox bridge is gone: {exc}\n{self.stderr_tail()}") from exc
        return self._wait(request_id, timeout, op)

    def close(self) -> None:
        try:
            self.call("close", timeout=30.0)
        except (EngineError, TimeoutError):
            pass
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


class FirefoxPage(ProxiedPage):
    engine = "firefox"

    def __init__(self, bridge: _Bridge, proxy: RefusingProxy) -> None:
        self._bridge = bridge
        self._proxy = proxy
        self._start = proxy.mark()
        self._id = bridge.call("newPage")

    def goto(self, url: str) -> None:
        self._bridge.call("goto", page=self._id, url=url)

    def evaluate(self, fn: str, arg: object = None, timeout: float = TIMEOUT_S) -> object:
        source = (f"(async () => {{ const arg = {json.dumps(arg)}; "
                  f"return await {call_source(fn)}; }})()")
        return self._bridge.call("evaluate", timeout=timeout, page=self._id, source=source)

    def _pointer_click(self, selector: str) -> None:
        self._bridge.call("click", page=self._id, selector=selector)

    def reload(self) -> None:
        self._bridge.call("reload", page=self._id)

    def screenshot(self, path: str | Path) -> None:
        self._bridge.call("screenshot", page=self._id, path=str(Path(path).resolve()))

    def close(self) -> None:
        self._bridge.call("closePage", page=self._id, timeout=60.0)


class FirefoxEngine(Engine):
    name = "firefox"

    def __init__(self, service_workers: bool = False, fake_camera: bool = False) -> None:
        if not Path(FIREFOX).exists():
            raise EngineError("Debian firefox-esr is missing: run `python3 build.py test` "
                              "(or `sudo apt-get install --no-install-recommends firefox-esr`)")
        self._proxy = RefusingProxy()
        self._bridges: dict[tuple[bool, bool], _Bridge] = {}
        try:
            self._bridge_for(service_workers, fake_camera)
        except BaseException:
            self._proxy.close()
            raise
        self._default = (service_workers, fake_camera)
        self.version = str(next(iter(self._bridges.values())).call("version"))

    def _bridge_for(self, service_workers: bool, fake_camera: bool) -> _Bridge:
        key = (service_workers, fake_camera)
        if key not in self._bridges:
            prefs = firefox_prefs(self._proxy.port, service_workers, fake_camera)
            self._bridges[key] = _Bridge(prefs)
        return self._bridges[key]

    def new_page(self, fake_camera: bool = False, service_workers: bool = False,
                 **options: object) -> FirefoxPage:
        if options:
            raise TypeError(f"firefox pages take no options {sorted(options)}")
        return FirefoxPage(self._bridge_for(service_workers, fake_camera), self._proxy)

    def close(self) -> None:
        for bridge in self._bridges.values():
            bridge.close()
        self._bridges.clear()
        self._proxy.close()
