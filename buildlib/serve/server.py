"""A small static server for dist/: loopback by default, the headers the labs need.

- application/wasm and text/javascript MIME types,
- COOP/COEP/CORP so the page is cross-origin isolated (threaded wasm),
- gzip transfer of precompressed files when the browser accepts it,
- HTTP/1.1 with an ETag on every file and ``Cache-Control: no-cache``: a browser asks again
  each time (a rebuilt site is never stale) and gets "304 Not Modified" for what it has.
  Chromium then keeps the machine code it compiled from the .wasm files (its code cache
  is tied to the cached response): a return visit starts Python without compiling
  Pyodide again (docs/performance.md, "Start-up"),
- only GET and HEAD, only files under the served root,
- a Content-Security-Policy on every response (the HTML pages carry the same policy in a
  <meta> tag, for hosts such as GitHub Pages that cannot send headers).
"""

from __future__ import annotations

import http.server
import mimetypes
import os
import posixpath
import sys
import threading
import urllib.parse
from functools import partial
from pathlib import Path
from typing import Any

TYPES = {
    ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".css": "text/css", ".html": "text/html; charset=utf-8",
    ".py": "text/x-python; charset=utf-8", ".whl": "application/zip", ".zip": "application/zip",
    ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".png": "image/png", ".svg": "image/svg+xml", ".bin": "application/octet-stream",
}

# Content-Security-Policy: the site's own origin only, nothing remote, no inline script,
# no eval. Every source beyond 'self' is here because a test found the labs break without
# it (tests/browser/test_security.py runs labs and fails on any violation; so does every
# browser test, through the harness's violation check). No 'unsafe-eval' anywhere:
# tests/unit/test_build.py fails if it comes back, here, in the pack or in a page.
CSP_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'none'"),
    # 'wasm-unsafe-eval': Pyodide and tfjs-backend-wasm compile WebAssembly (that, and
    #   nothing else: TF.js's ES2017 builds, Pyodide and uPlot have no eval sink).
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("style-src", "'self'"),
    ("img-src", "'self'"),
    ("connect-src", "'self'"),  # fetch(): wheels, lab files, data sets, the service worker
    ("worker-src", "'self'"),  # worker.js (the runtime) and sw.js (the offline copy)
    ("base-uri", "'none'"),
    ("form-action", "'none'"),
    ("frame-ancestors", "'none'"),  # header only: browsers ignore it in <meta>
)
META_IGNORED = {"frame-ancestors"}

# The runtime worker's own policy (a worker is governed by the headers of its script, not
# by the page's): the page's, plus blob: where only this worker needs it.
WORKER_SCRIPT = "worker.js"
WORKER_CSP_DIRECTIVES: tuple[tuple[str, str], ...] = tuple(
    # blob: the threaded tfjs-backend-wasm starts its pthread workers from a Blob of the
    #   worker code bundled in tf-backend-wasm.es2017.min.js, and each of them
    #   importScripts() a second Blob (they inherit this policy); blob: URLs can only be
    #   minted by script already running here.
    (name, "'self' blob: 'wasm-unsafe-eval'") if name == "script-src"
    else (name, "'self' blob:") if name == "worker-src"  # those pthread workers (above)
    else (name, sources)
    for name, sources in CSP_DIRECTIVES)


def content_security_policy(meta: bool = False, worker: bool = False) -> str:
    """The policy as a header value, or (``meta=True``) as a <meta http-equiv> content;
    ``worker=True``: the runtime worker script's (``WORKER_CSP_DIRECTIVES``)."""
    directives = WORKER_CSP_DIRECTIVES if worker else CSP_DIRECTIVES
    return "; ".join(f"{name} {sources}" for name, sources in directives
                     if not (meta and name in META_IGNORED))


SECURITY_HEADERS = {
    "Content-Security-Policy": content_security_policy(),  # worker.js: the worker's
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def entity_tag(path: Path) -> str:
    """A strong validator for one file as served (its gzip twin has its own): size and
    modification time, so a rebuild that rewrites a file changes its tag."""
    st = path.stat()
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}"'


class DistHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one directory tree read-only."""

    server_version = "pytfjs"
    sys_version = ""
    # keep-alive: one connection carries a page's many files (every response says its
    # length: files, errors, 304s and 405s)
    protocol_version = "HTTP/1.1"

    mounts: dict[str, Path] = {}  # extra top-level folders (the test suite's fixtures)

    def _resolve(self) -> Path | None:
        raw = urllib.parse.urlsplit(self.path).path
        decoded = urllib.parse.unquote(raw)
        if "\\" in decoded or "\0" in decoded:
            return None
        parts = [p for p in posixpath.normpath(decoded).split("/") if p]
        if any(p in ("..", ".") for p in parts):
            return None
        root = Path(self.directory).resolve()
        if parts and parts[0] in self.mounts:
            root, parts = self.mounts[parts[0]].resolve(), parts[1:]
        target = root.joinpath(*parts) if parts else root
        if target.is_dir():
            target = target / "index.html"
        try:
            resolved = target.resolve()
        except OSError:
            return None
        if root not in resolved.parents or not resolved.is_file():
            return None
        return resolved

    def _send_file(self, head_only: bool) -> None:
        path = self._resolve()
        if path is None:
            self.send_error(404, "Not found")
            return
        ctype = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] \
            or "application/octet-stream"
        body_path, encoding = path, None
        gz = path.with_name(path.name + ".gz")
        if "gzip" in self.headers.get("Accept-Encoding", "") and gz.is_file():
            body_path, encoding = gz, "gzip"
        size = body_path.stat().st_size
        tag = entity_tag(body_path)
        unchanged = tag in {t.strip() for t in self.headers.get("If-None-Match", "").split(",")}
        self.send_response(304 if unchanged else 200)
        if not unchanged:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            if encoding:
                self.send_header("Content-Encoding", encoding)
        self.send_header("ETag", tag)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if head_only or unchanged:
            return
        with open(body_path, "rb") as handle:
            while chunk := handle.read(1 << 16):
                self.wfile.write(chunk)

    def end_headers(self) -> None:
        # every response, errors included, carries the security headers; the runtime
        # worker's script its own policy (WORKER_CSP_DIRECTIVES)
        worker = urllib.parse.urlsplit(self.path).path.endswith("/" + WORKER_SCRIPT)
        for name, value in SECURITY_HEADERS.items():
            if name == "Content-Security-Policy" and worker:
                value = content_security_policy(worker=True)
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._send_file(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._send_file(head_only=True)

    def _refuse(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if os.environ.get("PYTFJS_QUIET_SERVER"):
            return
        super().log_message(format, *args)


class QuietServer(http.server.ThreadingHTTPServer):
    """A browser that goes away mid-download (a closed tab, a test's page) is no error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000,
                mounts: dict[str, Path] | None = None) -> http.server.ThreadingHTTPServer:
    handler_class = type("Handler", (DistHandler,), {"mounts": dict(mounts or {})})
    handler = partial(handler_class, directory=str(root))
    server = QuietServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(root: Path, host: str = "127.0.0.1", port: int = 0,
                    mounts: dict[str, Path] | None = None
                    ) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start a server on a free port (for tests and benchmarks); returns (server, base url)."""
    server = make_server(root, host, port, mounts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"
