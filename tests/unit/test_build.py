"""build.py and buildlib: integrity checks, the wheel, labs, the manifest, the server."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildlib import config
from buildlib.fetch import inputs, npm, pyodide_packages
from buildlib.fetch.integrity import IntegrityError, sha256_file
from buildlib.make import wheel
from buildlib.serve.server import serve_in_thread
from buildlib.site import labs, manifest, markdown

ROOT = config.ROOT


def test_vendor_lock_pins_every_vendored_file():
    lock = npm.load_lock()
    assert set(lock) == {f.dest for f in inputs.NPM_FILES}
    assert all(len(digest) == 64 for digest in lock.values())


def fake_node_modules(folder: Path) -> Path:
    """A copy of the pinned part of node_modules: the pinned files and each package.json."""
    for pin in npm.pinned_files():
        target = folder / pin.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config.NODE_MODULES / pin.path, target)
    for package in npm.pinned_packages():
        shutil.copyfile(config.NODE_MODULES / package.name / "package.json",
                        folder / package.name / "package.json")
    return folder


def test_tampered_npm_file_is_refused_by_name(tmp_path):
    fake_modules = fake_node_modules(tmp_path / "node_modules")
    victim = fake_modules / next(f.path for f in inputs.NPM_FILES
                                 if f.dest == "vendor/tfjs/tf.es2017.min.js")
    victim.write_bytes(victim.read_bytes() + b"\n// tampered")
    with pytest.raises(IntegrityError,
                       match=r"sha256 mismatch for vendor/tfjs/tf\.es2017\.min\.js"):
        npm.vendor_npm_files(tmp_path / "dist", node_modules=fake_modules)


def test_pyodide_closure_is_what_the_labs_need():
    lock = pyodide_packages.official_lock()
    names = pyodide_packages.closure(lock, config.PYODIDE_PACKAGES)
    assert names == ["micropip", "numpy", "packaging", "pandas", "python-dateutil", "pytz",
                     "six"]


def _copy_cache(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    lock = pyodide_packages.official_lock()
    for name in pyodide_packages.closure(lock, config.PYODIDE_PACKAGES):
        file_name = lock["packages"][name]["file_name"]
        shutil.copyfile(config.cache_dir() / file_name, cache / file_name)
    return cache


def test_build_refuses_a_tampered_wheel_naming_it(tmp_path):
    cache = _copy_cache(tmp_path)
    victim = next(cache.glob("numpy-*.whl"))
    with zipfile.ZipFile(victim, "a") as archive:
        archive.writestr("numpy/evil.py", "print('hi')\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", "--cache-dir", str(cache),
         "--dist", str(tmp_path / "dist")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 1
    assert not (tmp_path / "dist").exists()
    assert f"sha256 mismatch for {victim.name}" in proc.stderr
    assert "build refused" in proc.stderr


def test_shipped_lock_lists_only_what_dist_holds(dist_dir):
    lock = json.loads((dist_dir / "vendor/pyodide/pyodide-lock.json").read_text())
    for name, entry in lock["packages"].items():
        path = dist_dir / "vendor/pyodide" / entry["file_name"]
        assert path.is_file(), name
        assert sha256_file(path) == entry["sha256"], name
    assert "pytfjs" in lock["packages"] and "scipy" not in lock["packages"]


def test_manifest_covers_dist_exactly(dist_dir):
    content = json.loads((dist_dir / manifest.MANIFEST).read_text())
    listed = {f["path"]: f for f in content["files"]}
    on_disk = {p.relative_to(dist_dir).as_posix() for p in dist_dir.rglob("*")
               if p.is_file() and p.suffix != ".gz" and p.name != manifest.MANIFEST}
    assert set(listed) == on_disk
    sample = listed["vendor/tfjs/tf.es2017.min.js"]
    assert sample["sha256"] == sha256_file(dist_dir / "vendor/tfjs/tf.es2017.min.js")
    assert sample["size"] == (dist_dir / "vendor/tfjs/tf.es2017.min.js").stat().st_size


def test_dist_uses_relative_urls_only(dist_dir):
    for page in ("index.html", "lab.html"):
        text = (dist_dir / page).read_text()
        for attr in ('src="/', 'href="/', "http://", "https://"):
            assert attr not in text, (page, attr)
    for js in (dist_dir / "js").rglob("*.js"):
        assert "https://" not in js.read_text() and "http://" not in js.read_text(), js


def test_wheel_is_reproducible_and_valid(tmp_path):
    entry_a, path_a = wheel.build_wheel(ROOT / "py/pytfjs", tmp_path / "a")
    entry_b, path_b = wheel.build_wheel(ROOT / "py/pytfjs", tmp_path / "b")
    assert path_a.read_bytes() == path_b.read_bytes()
    assert entry_a["sha256"] == entry_b["sha256"] == sha256_file(path_a)
    with zipfile.ZipFile(path_a) as archive:
        names = archive.namelist()
        assert "pytfjs/__init__.py" in names and "pytfjs/runner.py" in names
        record = archive.read("pytfjs-0.1.0.dist-info/RECORD").decode()
        assert all(name in record for name in names)
        assert not any("__pycache__" in n for n in names)
    assert entry_a["depends"] == ["numpy"] and entry_a["imports"] == ["pytfjs"]


def test_every_lab_is_complete():
    found = labs.load_labs(config.LABS_SRC)
    assert "one-neuron" in [lab.id for lab in found]
    for lab in found:
        compile(lab.source, f"{lab.id}.py", "exec", flags=0x2000)  # PyCF_ALLOW_TOP_LEVEL_AWAIT
        assert lab.lesson_html.strip() and lab.title and lab.week in (1, 2, 3, 4)


def test_lab_folder_errors_are_clear(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "lab.json").write_text(json.dumps({"id": "other", "title": "t", "week": 1,
                                                 "summary": "s"}))
    with pytest.raises(labs.LabError, match="has no main.py"):
        labs.load_lab(folder)
    (folder / "main.py").write_text("")
    (folder / "lesson.md").write_text("")
    with pytest.raises(labs.LabError, match="differs from its folder name"):
        labs.load_lab(folder)


def test_markdown_subset():
    html = markdown.to_html(
        "## Title\nSome `code` and **bold** and *it*.\nSame para.\n\n- one\n- two <b>\n\n"
        "1. first\n2. second\n\n```\nx = 1 < 2\n```\n[link](lab.html?lab=x)\n"
    )
    assert "<h3>Title</h3>" in html
    assert "<p>Some <code>code</code> and <strong>bold</strong> and <em>it</em>. Same para.</p>" \
        in html
    assert "<ul><li>one</li><li>two &lt;b&gt;</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "<pre><code>x = 1 &lt; 2</code></pre>" in html
    assert '<a href="lab.html?lab=x">link</a>' in html


def test_render_index_links_labs():
    found = labs.load_labs(config.LABS_SRC)
    page = labs.render_index("<main>{{labs}}</main>", found)
    assert 'href="lab.html?lab=one-neuron"' in page
    assert 'href="lab.html?lab=one-neuron&amp;run=1"' in page


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    (root / "sub").mkdir()
    (root / "index.html").write_text("<p>home</p>")
    (root / "app.wasm").write_bytes(b"\0asm" + b"\1" * 20000)
    manifest.precompress(root)
    (root / "sub" / "data.json").write_text("{}")
    secret = root.parent / "secret.txt"
    secret.write_text("outside")
    (root / "link.txt").symlink_to(secret)
    server, url = serve_in_thread(root)
    yield server.server_address[1]
    server.shutdown()


def _request(port: int, method: str, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_server_headers_and_types(served):
    response, body = _request(served, "GET", "/app.wasm")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/wasm"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Embedder-Policy") == "require-corp"
    assert body.startswith(b"\0asm")
    response, _ = _request(served, "GET", "/")
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")


def test_server_sends_precompressed_files_when_accepted(served):
    response, body = _request(served, "GET", "/app.wasm", {"Accept-Encoding": "gzip, br"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"\0asm")
    assert len(body) < 20000


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt",
    "/%252e%252e/secret.txt", "/link.txt", "//etc/passwd", "/sub/%00", "/nope.html",
])
def test_server_refuses_paths_outside_the_tree(served, path):
    response, body = _request(served, "GET", path)
    assert response.status == 404
    assert b"outside" not in body


def test_server_answers_304_for_a_file_the_browser_has(served, tmp_path):
    """The ETag lets a browser keep what it has (and Chromium its compiled wasm) while
    still asking each time: "no-cache", so a rebuilt file is fetched at once."""
    first, body = _request(served, "GET", "/app.wasm")
    tag = first.getheader("ETag")
    assert first.status == 200 and tag and first.getheader("Cache-Control") == "no-cache"
    again, again_body = _request(served, "GET", "/app.wasm", {"If-None-Match": tag})
    assert again.status == 304 and again_body == b"" and again.getheader("ETag") == tag
    assert again.getheader("Content-Security-Policy")  # the headers of every response
    other, _ = _request(served, "GET", "/app.wasm", {"If-None-Match": '"0-0", "1-1"'})
    assert other.status == 200
    gz, _ = _request(served, "GET", "/app.wasm", {"Accept-Encoding": "gzip"})
    assert gz.getheader("ETag") != tag  # the gzip body is another representation
    stale, _ = _request(served, "GET", "/app.wasm", {"If-None-Match": tag,
                                                     "Accept-Encoding": "gzip"})
    assert stale.status == 200


def test_server_sees_a_rebuilt_file_at_once(tmp_path):
    (tmp_path / "lab.py").write_text("print(1)")
    server, _ = serve_in_thread(tmp_path)
    try:
        port = server.server_address[1]
        first, _ = _request(port, "GET", "/lab.py")
        (tmp_path / "lab.py").write_text("print(22)")
        second, body = _request(port, "GET", "/lab.py",
                                {"If-None-Match": first.getheader("ETag")})
        assert second.status == 200 and body == b"print(22)"
    finally:
        server.shutdown()


def test_server_keeps_the_connection_for_the_next_file(served):
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    try:
        sockets = set()
        for path in ("/index.html", "/app.wasm", "/sub/data.json"):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status == 200 and response.version == 11
            sockets.add(id(conn.sock))
        assert len(sockets) == 1  # one connection for all three
        conn.request("GET", "/nope.html")  # an error closes it; the client opens another
        assert conn.getresponse().status == 404
    finally:
        conn.close()


def test_server_allows_only_get_and_head(served):
    response, _ = _request(served, "POST", "/index.html")
    assert response.status == 405 and response.getheader("Allow") == "GET, HEAD"
    response, body = _request(served, "HEAD", "/index.html")
    assert response.status == 200 and body == b""


# ---------------------------------------------------------------- Content-Security-Policy

def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


STRICT_SCRIPT_SRC = ["'self'", "'wasm-unsafe-eval'"]


def test_policy_allows_only_this_origin():
    from buildlib.serve.server import content_security_policy

    header = _directives(content_security_policy())
    assert header["default-src"] == ["'none'"]
    assert header["frame-ancestors"] == ["'none'"]
    for name, sources in header.items():
        for source in sources:  # no host, no scheme, no inline script or style
            assert source.startswith("'"), (name, source)
            assert source not in ("'unsafe-inline'", "'unsafe-eval'"), name
    assert header["script-src"] == STRICT_SCRIPT_SRC
    assert header["style-src"] == ["'self'"]  # no hashes of a chart library's <style>
    meta = _directives(content_security_policy(meta=True))
    assert "frame-ancestors" not in meta  # ignored (with a console error) in <meta>
    assert meta == {k: v for k, v in header.items() if k != "frame-ancestors"}
    # the runtime worker's: blob: added for the threaded wasm backend's workers, no more
    worker = _directives(content_security_policy(worker=True))
    assert worker["script-src"] == ["'self'", "blob:", "'wasm-unsafe-eval'"]
    assert worker["worker-src"] == ["'self'", "blob:"]
    assert {k: v for k, v in worker.items() if k not in ("script-src", "worker-src")} == {
        k: v for k, v in header.items() if k not in ("script-src", "worker-src")}


def _no_unsafe_eval(policy: str | None, where: str) -> None:
    assert policy, f"no Content-Security-Policy on {where}"
    assert "unsafe-eval" in "'wasm-unsafe-eval'"  # the one allowed source names it too
    sources = [source for part in policy.split(";") for source in part.split()[1:]]
    assert "'unsafe-eval'" not in sources, f"'unsafe-eval' in the policy of {where}: {policy}"
    assert set(_directives(policy.strip())["script-src"]) <= {"'self'", "blob:",
                                                              "'wasm-unsafe-eval'"}, where


def test_no_unsafe_eval_in_the_server_the_pack_or_a_built_page(dist_dir, tmp_path):
    """'unsafe-eval' is gone for good: not in build.py serve's policy (pages, the worker),
    not in the classroom pack's serve.py as it answers, not in any built page's <meta>."""
    import re

    from buildlib.serve.server import content_security_policy

    for meta in (False, True):
        for worker in (False, True):
            _no_unsafe_eval(content_security_policy(meta=meta, worker=worker),
                            f"server.py (meta={meta}, worker={worker})")
    # sw.js sends them where the host sends no headers (GitHub Pages): the worker's too
    sw = (dist_dir / "sw.js").read_text()
    for name, worker in (("PAGE_CSP", False), ("WORKER_CSP", True)):
        policy = re.search(rf'const {name} = "([^"]*)";', sw)
        assert policy and policy[1] == content_security_policy(worker=worker), name
        _no_unsafe_eval(policy[1], f"dist/sw.js {name}")
    pages = sorted(dist_dir.glob("*.html"))
    assert pages
    for page in pages:
        metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">',
                           page.read_text())
        assert len(metas) == 1, page.name
        _no_unsafe_eval(metas[0], f"dist/{page.name}")
    with _pack_server(tmp_path, {"index.html": "x", "worker.js": "x"}) as port:
        for path in ("/", "/worker.js", "/missing.js"):
            response, _ = _request(port, "GET", path)
            _no_unsafe_eval(response.getheader("Content-Security-Policy"), f"serve.py {path}")
        response, _ = _request(port, "GET", "/worker.js")
        assert response.getheader("Content-Security-Policy") == content_security_policy(
            worker=True)


def test_server_sends_the_policy_on_every_response(served):
    from buildlib.serve.server import content_security_policy

    for method, path, status in (("GET", "/", 200), ("GET", "/app.wasm", 200),
                                 ("HEAD", "/index.html", 200), ("GET", "/nope.html", 404),
                                 ("POST", "/index.html", 405)):
        response, _ = _request(served, method, path)
        assert response.status == status, path
        assert response.getheader("Content-Security-Policy") == content_security_policy()
        assert response.getheader("X-Content-Type-Options") == "nosniff"
    response, _ = _request(served, "GET", "/worker.js")  # the runtime worker: its own
    assert response.getheader("Content-Security-Policy") == content_security_policy(
        worker=True)


def test_every_built_page_carries_the_policy_in_a_meta_tag(dist_dir):
    from buildlib.serve.server import content_security_policy

    tag = ('<meta http-equiv="Content-Security-Policy" content="'
           f'{content_security_policy(meta=True)}">')
    pages = sorted(dist_dir.glob("*.html"))
    assert [p.name for p in pages] == ["index.html", "lab.html"]
    for page in pages:
        text = page.read_text()
        assert tag in text, page.name
        assert text.index(tag) < text.index("<script"), page.name  # before any script
        assert "<script>" not in text and " on" + "click=" not in text  # no inline script


def test_classroom_serve_script_sends_the_policy(tmp_path):

    from buildlib.serve.server import content_security_policy

    with _pack_server(tmp_path, {"index.html": "<p>labs</p>"}) as port:
        response, body = _request(port, "GET", "/")
        assert body == b"<p>labs</p>"
        assert response.getheader("Content-Security-Policy") == content_security_policy()
        assert _directives(response.getheader("Content-Security-Policy"))[
            "frame-ancestors"] == ["'none'"]


@contextlib.contextmanager
def _pack_server(folder: Path, files: dict[str, str]) -> Iterator[int]:
    """The classroom pack's serve.py, run as a learner would, serving ``files`` from
    ``folder``/site; yields its port once it listens."""
    import socket

    from buildlib.serve.pack import serve_script

    (folder / "site").mkdir()
    for name, text in files.items():
        (folder / "site" / name).write_text(text)
    (folder / "serve.py").write_text(serve_script())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "serve.py", "--port", str(port)], cwd=folder,
                            stdout=subprocess.PIPE, text=True)
    try:
        # printed once the socket listens, so a request after it queues until served
        assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_each_lab_lists_the_files_its_page_downloads_to_start(dist_dir):
    lock = json.loads((dist_dir / "vendor/pyodide/pyodide-lock.json").read_text())
    for lab in labs.load_labs(config.LABS_SRC):
        startup = json.loads((dist_dir / f"labs/{lab.id}.json").read_text())["startup"]
        paths = [f["path"] for f in startup]
        assert paths[:4] == [path for path, _ in labs.RUNTIME_FILES], lab.id
        wheels = {f"vendor/pyodide/{lock['packages'][name]['file_name']}"
                  for name in pyodide_packages.closure(lock, ["pytfjs", *lab.packages])}
        assert set(paths[4:]) == wheels, lab.id
        for entry in startup:
            assert entry["bytes"] == (dist_dir / entry["path"]).stat().st_size
    pandas_lab = next(lab for lab in labs.load_labs(config.LABS_SRC) if "pandas" in lab.packages)
    whats = [f["what"] for f in json.loads(
        (dist_dir / f"labs/{pandas_lab.id}.json").read_text())["startup"]]
    assert any(w.startswith("pandas ") for w in whats) and any(w.startswith("pytz ") for w in whats)
