"""The classroom pack: unzipped into an empty folder, its own serve.py runs a lab."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from buildlib.serve.pack import write_pack
from testkit.harness import console_text, free_port, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def unpacked(dist_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classroom")
    archive = write_pack(dist_dir, folder / "pack.zip")
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder / "unzipped")
    return folder / "unzipped" / "pytfjs"


def start(serve_dir, *args):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "serve.py", "--port", str(port), *args],
                            cwd=serve_dir, stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    return proc, port, first


def test_pack_serves_and_runs_a_lab(page, unpacked):
    assert sorted(p.name for p in unpacked.iterdir()) == ["README.txt", "serve.py", "site"]
    proc, port, first = start(unpacked)
    try:
        assert f"http://127.0.0.1:{port}/" in first
        page.goto(f"http://127.0.0.1:{port}/lab.html?lab=one-neuron&run=1&backend=wasm")
        assert wait_state(page, "done", "error") == "done", console_text(page)
        assert abs(page.evaluate("window.pytfjs.results.prediction") - 19) <= 0.3
    finally:
        proc.terminate()
        proc.wait(10)


def test_lan_mode_warns_and_lists_addresses(unpacked):
    proc, port, first = start(unpacked, "--lan")
    try:
        warning = proc.stdout.readline()
        assert "WARNING: --lan lets anyone on this network open these labs" in warning
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_script_parses_as_python_38(unpacked, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--target-version", "py38", "--select", "E9,F63,F7,F82",
                           str(unpacked / "serve.py")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
