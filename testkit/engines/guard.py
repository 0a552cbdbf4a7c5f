"""The non-loopback guard for engines Playwright cannot route: a refusing proxy.

Firefox (puppeteer over BiDi) and WebKitGTK (WebDriver) give us no request interception
that is reliable for workers and service workers, so the browser is pointed at this proxy
for every host except loopback instead. It records each request it is asked to make (the
absolute URL of a plain HTTP request, ``CONNECT host:port`` for HTTPS) and answers 403, so
nothing ever leaves the machine and the test can still see that the page tried.
"""

from __future__ import annotations

import http.server
import threading


class _Refuse(http.server.BaseHTTPRequestHandler):
    """Answers every method with 403 after recording its target."""

    server: RefusingProxy

    def _refuse(self) -> None:
        target = self.path if self.command != "CONNECT" else f"CONNECT {self.path}"
        with self.server.lock:
            # a path alone is a request to this server itself, not through it: Firefox's
            # remote settings, pointed here (firefox.py), loopback by construction
            (self.server.direct if target.startswith("/") else self.server.seen).append(target)
        body = b"pytfjs tests: requests to non-loopback hosts are refused\n"
        self.send_response(403)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _refuse  # noqa: N815
    do_CONNECT = _refuse  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the record is ``seen``, not stderr."""


class RefusingProxy(http.server.ThreadingHTTPServer):
    """An HTTP proxy on 127.0.0.1 (free port) that records and refuses every request.

    ``seen`` is the list of proxied targets in arrival order (``direct``: requests made
    to the proxy itself as a server, which are loopback and not counted); pages remember
    its length when they open, so each page reports only what was asked for while it was
    the one under test.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Refuse)
        self.seen: list[str] = []
        self.direct: list[str] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="refusing-proxy",
                                        daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def since(self, start: int) -> list[str]:
        """Targets recorded after the first ``start`` ones."""
        with self.lock:
            return list(self.seen[start:])

    def mark(self) -> int:
        with self.lock:
            return len(self.seen)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
