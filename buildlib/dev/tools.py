"""``build.py test`` and ``build.py bench``: install what the tests need (a venv from
requirements-test.txt, Debian's browsers and drivers, the npm devDependencies), build,
then run pytest on two workers, or the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from buildlib import config
from buildlib.fetch import npm
from buildlib.site.assemble import build

TEST_VENV = config.ROOT / ".venv"
TEST_REQUIREMENTS = config.ROOT / "requirements-test.txt"
TEST_WORKERS = 2  # CI has 2 cores: one worker each
CHROMIUM = Path("/usr/bin/chromium")
# Debian packages the browser tests need, each with a file that shows it is installed
TEST_DEBIAN_PACKAGES = {
    "chromium": str(CHROMIUM),
    "firefox-esr": "/usr/bin/firefox-esr",
    "webkit2gtk-driver": "/usr/bin/WebKitWebDriver",  # pulls libwebkit2gtk (MiniBrowser)
    "xvfb": "/usr/bin/Xvfb",
    "xauth": "/usr/bin/xauth",
}


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env)


def ensure_test_tools() -> Path:
    """A venv with the pinned test requirements (Selenium among them), the browsers the
    three-engine tests drive (Debian's chromium, firefox-esr, webkit2gtk-driver with its
    MiniBrowser, xvfb and xauth for WebKit, which has no headless mode) and puppeteer-core
    in node_modules (for Firefox; never a downloaded browser). Installs only what is
    missing, so it is quiet when everything is there; returns the venv's python."""
    python = TEST_VENV / "bin" / "python"
    stamp = TEST_VENV / ".requirements"
    requirements = TEST_REQUIREMENTS.read_text()
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(TEST_VENV)])
    if not stamp.is_file() or stamp.read_text() != requirements:
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-r", str(TEST_REQUIREMENTS)])
        stamp.write_text(requirements)
    _project_on_path(python)
    # Debian's chromium for the tests (Fashion-MNIST needs no install: the build takes it
    # out of Debian's package file, see buildlib/fetch/debian_files.py)
    wanted = [package for package, path in TEST_DEBIAN_PACKAGES.items()
              if not Path(path).exists()]
    if wanted:
        if os.geteuid() != 0:
            raise SystemExit(f"the tests need Debian packages: sudo apt-get install "
                             f"{' '.join(wanted)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _run(["apt-get", "update", "-qq"], env=env)
        _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *wanted], env=env)
    # puppeteer-core (package.json devDependencies) drives Firefox; npm ci runs no install
    # scripts, and this keeps any puppeteer from fetching a browser of its own
    os.environ.setdefault("PUPPETEER_SKIP_DOWNLOAD", "1")
    npm.ensure_node_modules()
    return python



def _project_on_path(python: Path) -> None:
    """Put ``py/`` (pytfjs) and the project root (tests, bench, buildlib) on the test
    venv's path, as an editable install would: benchmarks and scripts then import them
    with no ``sys.path`` edits (``.venv/bin/python -m bench.bench_mnist``)."""
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path"
                           "('purelib'))"], check=True, capture_output=True, text=True)
    pth = Path(site.stdout.strip()) / "pytfjs-dev.pth"
    wanted = f"{config.PY_SRC}\n{config.ROOT}\n"
    if not pth.is_file() or pth.read_text() != wanted:
        pth.write_text(wanted)



def test(pytest_args: list[str]) -> int:
    python = ensure_test_tools()
    build()
    env = dict(os.environ, PYTFJS_DIST=str(config.DIST))
    cmd = [str(python), "-m", "pytest", *_workers(pytest_args), *pytest_args]
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=config.ROOT, env=env)



def _workers(pytest_args: list[str]) -> list[str]:
    """Two pytest-xdist workers, each taking whole files, unless the arguments choose
    (``-n 0`` runs in one process). Half of a browser test's time is waiting (pages
    loading, Python starting, timers), which the other worker fills."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        return []
    return ["-n", str(TEST_WORKERS), "--dist", "loadfile"]



def bench(args: list[str]) -> int:
    """bench/bench.py (start-up, Python vs JS, transfers), then the per-lab benchmarks,
    each run as a module from the project root."""
    python = ensure_test_tools()
    build()
    status = 0
    scripts: list[tuple[str, list[str]]] = [("bench", args)] + [(name, []) for name in (
        "bench_start", "bench_worker", "bench_mnist", "bench_mobilenet", "bench_rpsls",
        "bench_toxicity", "bench_convert", "bench_node_red", "bench_csv")]
    for script, extra in scripts:
        cmd = [str(python), "-m", f"bench.{script}", *extra]
        print("+ " + " ".join(cmd), flush=True)
        status = subprocess.call(cmd, cwd=config.ROOT) or status
    return status
