"""A teacher's labs folder (issue 31), built with `build.py pack --labs` into a tmp folder:
the lab on the home page, run to done in the served site and in the unpacked pack; the
site's own package index through micropip; a learner's .whl added from a file."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from buildlib import config
from buildlib.fetch.integrity import sha256_file
from testkit.harness import console_text, free_port, open_lab, run_in_lab, wait_state, wait_until
from testkit.teacher_folder import (
    EXTRA_WHEEL,
    LAB_ID,
    WHEEL_FILE,
    WHEEL_NAME,
    make_labs_folder,
    make_wheel,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def teacher_build(tmp_path_factory) -> dict[str, Path]:
    """One `build.py pack --labs` (a build into a tmp dist, then the zip), unzipped."""
    root = tmp_path_factory.mktemp("teacher")
    labs = make_labs_folder(root)
    scaffolded = subprocess.run([sys.executable, "build.py", "new-lab", "my-first", "--labs",
                                 str(labs)], cwd=config.ROOT, capture_output=True, text=True)
    assert scaffolded.returncode == 0, scaffolded.stdout + scaffolded.stderr
    dist, out = root / "dist", root / "pack.zip"
    proc = subprocess.run([sys.executable, "build.py", "pack", "--labs", str(labs), "--dist",
                           str(dist), "--out", str(out)], cwd=config.ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as archive:
        archive.extractall(root / "unzipped")
    return {"dist": dist, "pack": root / "unzipped" / "pytfjs", "root": root}


@pytest.fixture(scope="module")
def teacher_site(teacher_build):
    """`build.py serve --labs` itself: it builds (into a tmp dist) and serves."""
    root, port = teacher_build["root"], free_port()
    proc = subprocess.Popen([sys.executable, "build.py", "serve", "--labs", str(root / "labs"),
                             "--dist", str(root / "served"), "--port", str(port)],
                            cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        lines = []
        for line in proc.stdout:  # the build's lines, then "Serving ..."
            lines.append(line)
            if line.startswith("Serving "):
                break
        assert f"http://127.0.0.1:{port}/" in lines[-1], "".join(lines)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_teacher_files_are_in_the_manifest_with_sha256(teacher_build):
    """What the service worker's offline copy holds: the lab, its CSV, the wheels, the
    site's package index, each with its sha256."""
    dist = teacher_build["dist"]
    files = {f["path"]: f["sha256"] for f in json.loads(
        (dist / "manifest.json").read_text())["files"]}
    for path in (f"labs/{LAB_ID}.json", f"labs/{LAB_ID}/scores.csv",
                 f"vendor/pyodide/{WHEEL_FILE}", "pypi/tinystats.json", "pypi/index.json"):
        assert files[path] == sha256_file(dist / path), path


def _run_teacher_lab_from_home(page, home: str) -> None:
    page.goto(home)
    section = page.locator("section.week", has=page.locator("h2", has_text="Ms Smith's extras"))
    section.get_by_role("link", name="Open and run").click()
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert results["rows"] == 20 and results["middle"] == 2.0 and results["version"] == "0.1.0"
    assert "Traceback" not in console_text(page)


def test_teacher_lab_is_listed_and_runs_in_the_served_site(page, teacher_site):
    _run_teacher_lab_from_home(page, teacher_site)


def test_the_scaffolded_lab_runs_to_done(page, teacher_site):
    page.goto(teacher_site)
    page.locator("section.week", has=page.locator("h2", has_text="My labs")).get_by_role(
        "link", name="Open and run").click()
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert results["val_rows"] == 12 and results["epochs"] == 60
    assert 0 <= results["val_mse"] < 1.0  # y = 3a - 2b + 1 is learnable by this model
    assert page.locator(".chart, canvas").count() >= 1


def test_teacher_lab_runs_in_the_unpacked_pack(page, teacher_build):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "serve.py", "--port", str(port)],
                            cwd=teacher_build["pack"], stdout=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
        _run_teacher_lab_from_home(page, f"http://127.0.0.1:{port}/")
    finally:
        proc.terminate()
        proc.wait(10)


def test_micropip_installs_a_shipped_wheel_from_the_site_index(page, teacher_site):
    assert open_lab(page, teacher_site, "one-neuron") == "ready"
    state = run_in_lab(page, f"import micropip\n"
                       f"await micropip.install({EXTRA_WHEEL!r}, verbose=True)\n"
                       # not an import statement: Pyodide would load it from the lock
                       # before the run (what a lab that imports a shipped wheel gets)
                       "import importlib\n"
                       f"print(importlib.import_module({EXTRA_WHEEL!r}).GREETING)\n"
                       "from importlib import metadata\n"
                       f"print('installer:', metadata.distribution({EXTRA_WHEEL!r})"
                       ".read_text('INSTALLER').strip())\n")
    assert state == "done", console_text(page)
    text = console_text(page)
    # micropip itself fetched it from the site's index (pypi/extrapkg.json, sha256
    # checked), not Pyodide's loader: no other host was asked (the guard checks)
    assert "Downloading extrapkg-2.0-py3-none-any.whl" in text
    assert "installer: micropip" in text and "hello from extrapkg" in text


def test_micropip_refuses_a_name_the_site_lacks_in_words(page, teacher_site):
    assert open_lab(page, teacher_site, "one-neuron") == "ready"
    state = run_in_lab(page, "import micropip\nawait micropip.install('requests')\n")
    assert state == "error"
    text = console_text(page)
    assert "micropip cannot install 'requests'" in text and "works offline" in text
    assert "--labs" in text and WHEEL_NAME in text
    assert "Traceback" not in text
    # the page is still usable: the next run works
    assert run_in_lab(page, "from pytfjs import report\nreport(again=1)\n") == "done"


def test_a_learner_adds_a_wheel_from_a_file(page, teacher_site, tmp_path):
    wheel = make_wheel(tmp_path, "learnerpkg", "0.3", module="ANSWER = 42\n")
    assert open_lab(page, teacher_site, "one-neuron") == "ready"
    page.set_input_files("#wheel-file", str(wheel))
    wait_until(page, "t => document.getElementById('console').innerText.includes(t)",
               "Installed learnerpkg 0.3")
    state = run_in_lab(page, "import learnerpkg\nfrom pytfjs import report\n"
                       "report(answer=learnerpkg.ANSWER)\n")
    assert state == "done", console_text(page)
    assert page.evaluate("window.pytfjs.results.answer") == 42


def test_a_platform_wheel_from_a_file_is_refused_in_words(page, teacher_site, tmp_path):
    wheel = make_wheel(tmp_path, "nativepkg", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64")
    assert open_lab(page, teacher_site, "one-neuron") == "ready"
    page.set_input_files("#wheel-file", str(wheel))
    wait_until(page, "t => document.getElementById('console').innerText.includes(t)",
               "only pure-Python wheels")
    assert "Traceback" not in console_text(page)
    assert run_in_lab(page, "from pytfjs import report\nreport(ok=1)\n") == "done"


def test_a_learner_drops_a_wheel_on_the_page(page, teacher_site, tmp_path):
    wheel = make_wheel(tmp_path, "droppedpkg", "1.2", module="NAME = 'dropped'\n")
    assert open_lab(page, teacher_site, "one-neuron") == "ready"
    page.evaluate("""([name, bytes]) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], name));
        document.querySelector('#console').dispatchEvent(
            new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
    }""", [wheel.name, list(wheel.read_bytes())])
    wait_until(page, "t => document.getElementById('console').innerText.includes(t)",
               "Installed droppedpkg 1.2")
    state = run_in_lab(page, "import droppedpkg\nprint(droppedpkg.NAME)\n")
    assert state == "done" and "dropped" in console_text(page)
