#!/usr/bin/env python3
"""pytfjs build entry point.

    python3 build.py build        # dist/: the whole static site, offline, verified
    python3 build.py serve        # build, then serve dist/ on http://127.0.0.1:8000
    python3 build.py test         # install test tools if missing, build, run pytest
    python3 build.py bench        # build, run the benchmarks in bench/
    python3 build.py pack         # build, then build/pytfjs-classroom.zip (site + serve.py)
    python3 build.py node-red     # build/node-red-contrib-pytfjs-<version>.tgz (Node-RED nodes)
    python3 build.py lock-vendor  # re-pin npm files in buildlib/inputs.py after a version bump
    python3 build.py new-lab ID   # write a small lab to start from, in ./labs/ID
    build, serve and pack take --labs DIR (your own labs, see README.md), repeatable

Needs only Python 3.11+ and Node.js 20 with npm; everything else it installs itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from buildlib import (
    assets,
    config,
    keras_tools,
    kernels,
    labs,
    manifest,
    npm,
    pyodide_packages,
    teacher_labs,
    teacher_wheels,
    wheel,
)
from buildlib.integrity import IntegrityError

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


def fill_csp(html: str) -> str:
    """The page's <meta> Content-Security-Policy: the server's policy (one source of truth)."""
    from buildlib.server import content_security_policy

    if "{{csp}}" not in html:
        raise ValueError("an HTML page in site/ lacks its {{csp}} <meta> placeholder")
    return html.replace("{{csp}}", content_security_policy(meta=True))


def fill_service_worker_csp(script: str) -> str:
    """sw.js sends the server's policies on what it serves (the page's on HTML, the
    runtime worker's on worker.js): where the host sends no headers (GitHub Pages), the
    worker, which a <meta> tag cannot reach, gets its policy once sw.js controls the page."""
    from buildlib.server import content_security_policy

    for placeholder in ("__PYTFJS_CSP__", "__PYTFJS_WORKER_CSP__"):
        if placeholder not in script:
            raise ValueError(f"site/sw.js lacks its {placeholder} placeholder")
    return (script.replace("__PYTFJS_WORKER_CSP__", content_security_policy(worker=True))
            .replace("__PYTFJS_CSP__", content_security_policy()))


def build(dist: Path = config.DIST, cache: Path | None = None, quiet: bool = False,
          lab_dirs: list[Path] | tuple[Path, ...] = ()) -> dict:
    """Assemble dist/ from site/, node_modules, verified Pyodide wheels and py/, with the
    teacher's labs and wheels of ``lab_dirs`` (checked first: a mistake writes nothing)."""
    started = time.perf_counter()
    npm.ensure_node_modules()
    all_labs = labs.load_labs(config.LABS_SRC)
    shipped = set(pyodide_packages.closure(pyodide_packages.official_lock(),
                                           config.PYODIDE_PACKAGES)) | {"pytfjs", "pyfive"}
    teacher = teacher_labs.load([Path(d) for d in lab_dirs], all_labs, shipped)
    final, dist = dist, dist.with_name(dist.name + ".partial")
    if dist.exists():
        shutil.rmtree(dist)
    try:
        info = _assemble(dist, cache, all_labs, teacher)
    except BaseException:
        shutil.rmtree(dist, ignore_errors=True)  # a refused build leaves nothing behind
        raise
    content = json.loads((dist / manifest.MANIFEST).read_text())
    # Only a complete build replaces the previous one: a refused build leaves it intact.
    if final.exists():
        shutil.rmtree(final)
    dist.rename(final)
    if not quiet:
        total = sum(f["size"] for f in content["files"])
        print(f"built {final}: {len(content['files'])} files, {total / 1e6:.1f} MB "
              f"({info.pop('_compressed')} precompressed), {len(info['labs'])} labs, "
              f"{time.perf_counter() - started:.1f} s")
    info.pop("_compressed", None)
    return info


def _assemble(dist: Path, cache: Path | None, all_labs: list[labs.Lab],
              teacher: teacher_labs.TeacherLabs) -> dict:
    """Write the whole site into ``dist`` (a fresh folder); returns build-info.json's
    content (and the number of precompressed files, under ``_compressed``)."""
    shutil.copytree(config.SITE, dist, ignore=shutil.ignore_patterns("index.html", "*~"))
    for page in dist.glob("*.html"):
        page.write_text(fill_csp(page.read_text(encoding="utf-8")), encoding="utf-8")
    sw = dist / "sw.js"
    sw.write_text(fill_service_worker_csp(sw.read_text(encoding="utf-8")), encoding="utf-8")
    npm.vendor_npm_files(dist)

    build_dir = config.ROOT / "build"
    entry, wheel_path = wheel.build_wheel(config.PY_SRC / "pytfjs", build_dir)
    extra = {"pytfjs": (entry, wheel_path),
             "pyfive": keras_tools.pyfive_wheel(build_dir, cache)}
    extra.update({w.name: (w.lock_entry(), w.path) for w in teacher.wheels})
    packages = pyodide_packages.vendor_pyodide_packages(dist, extra, cache=cache)
    teacher_wheels.write_index(dist, teacher.wheels, packages)  # micropip's offline index

    # the data sets and models the labs declare in their lab.json
    written = assets.write_declared(all_labs, dist, cache)
    written["data"] += teacher.write(dist)
    every_lab = all_labs + teacher.labs
    shipped_lock = json.loads((dist / "vendor/pyodide/pyodide-lock.json").read_text())
    labs.write_labs(every_lab, dist, shipped_lock)
    template = (config.SITE / "index.html").read_text(encoding="utf-8")
    (dist / "index.html").write_text(fill_csp(labs.render_index(template, every_lab)),
                                     encoding="utf-8")
    shutil.copyfile(config.ROOT / "THIRD_PARTY.md", dist / "THIRD_PARTY.md")
    kernels.write_kernels(dist, cache)  # the SIMD training kernels, compiled from kernels/

    info = {
        "pytfjs": config.PYTFJS_VERSION,
        "pyodide": config.PYODIDE_VERSION,
        "pyodide_packages": packages,
        "labs": [lab.id for lab in every_lab],
        "data": written["data"],
        "models": written["models"],
    }
    (dist / "build-info.json").write_text(json.dumps(info, indent=1) + "\n")
    content = manifest.write_manifest(dist, config.PYTFJS_VERSION)
    manifest.stamp_service_worker(dist, content)
    compressed = manifest.precompress(dist)
    manifest.write_manifest(dist, config.PYTFJS_VERSION)
    return {**info, "_compressed": compressed}


def serve(host: str, port: int, lab_dirs: list[Path] | tuple[Path, ...] = (),
          dist: Path = config.DIST) -> None:
    from buildlib.server import make_server

    build(dist, lab_dirs=lab_dirs)
    server = make_server(dist, host, port)
    print(f"Serving {dist} on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")


def _run(cmd: list[str], **kwargs) -> None:
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def ensure_test_tools() -> Path:
    """A venv with the pinned test requirements (Selenium among them), the browsers the
    three-engine tests drive (Debian's chromium, firefox-esr, webkit2gtk-driver with its
    MiniBrowser, xvfb and xauth for WebKit, which has no headless mode) and puppeteer-core
    in node_modules (for Firefox; never a downloaded browser). Installs only what is
    missing, so it is quiet when everything is there; returns the venv's python."""
    python = TEST_VENV / "bin" / "python"
    stamp = TEST_VENV / ".requirements"
    wanted = TEST_REQUIREMENTS.read_text()
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(TEST_VENV)])
    if not stamp.is_file() or stamp.read_text() != wanted:
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-r", str(TEST_REQUIREMENTS)])
        stamp.write_text(wanted)
    _project_on_path(python)
    # Debian's chromium for the tests (Fashion-MNIST needs no install: the build takes it
    # out of Debian's package file, see buildlib/debian_files.py)
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
    scripts = (("bench", args), ("bench_start", []), ("bench_worker", []),
               ("bench_mnist", []), ("bench_mobilenet", []), ("bench_rpsls", []),
               ("bench_toxicity", []),
               ("bench_convert", []), ("bench_node_red", []), ("bench_csv", []))
    for script, extra in scripts:
        cmd = [str(python), "-m", f"bench.{script}", *extra]
        print("+ " + " ".join(cmd), flush=True)
        status = subprocess.call(cmd, cwd=config.ROOT) or status
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build dist/")
    p_build.add_argument("--cache-dir", type=Path, help="Pyodide wheel cache to use")
    p_build.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    p_serve = sub.add_parser("serve", help="build and serve dist/")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    sub.add_parser("test", help="run the test suite (extra args go to pytest)")
    sub.add_parser("bench", help="run the benchmarks (extra args go to bench/bench.py)")
    p_pack = sub.add_parser("pack", help="build, then the classroom zip (site + serve.py)")
    p_pack.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    p_pack.add_argument("--out", type=Path, default=config.ROOT / "build" /
                        "pytfjs-classroom.zip", help="the zip to write")
    for p in (p_build, p_serve, p_pack):
        p.add_argument("--labs", type=Path, action="append", default=[], metavar="DIR",
                       help="a folder of your own lab folders (and wheels/*.whl) to build "
                       "beside the course's; may be given more than once")
    p_new = sub.add_parser("new-lab", help="write a small lab to start from: "
                           "DIR/ID/main.py, lesson.md, lab.json and a CSV")
    p_new.add_argument("id", help="the lab's id: lowercase letters, digits, - and _")
    p_new.add_argument("--labs", type=Path, default=Path("labs"), metavar="DIR",
                       help="the folder of your labs (default: ./labs)")
    sub.add_parser("node-red", help="pack the Node-RED nodes into build/*.tgz")
    sub.add_parser("lock-vendor", help="re-pin npm packages and files in buildlib/inputs.py "
                   "(after a deliberate version bump)")
    args, rest = parser.parse_known_args(argv)
    try:
        if args.command == "build":
            build(args.dist, cache=args.cache_dir, lab_dirs=args.labs)
        elif args.command == "serve":
            serve(args.host, args.port, args.labs, args.dist)
        elif args.command == "test":
            return test(rest)
        elif args.command == "bench":
            return bench(rest)
        elif args.command == "pack":
            from buildlib.pack import write_pack

            build(args.dist, lab_dirs=args.labs)
            out = write_pack(args.dist, args.out)
            print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): unzip it and run "
                  "`python3 serve.py` inside")
        elif args.command == "node-red":
            from buildlib import node_red

            npm.ensure_node_modules()
            out = node_red.pack(config.ROOT / "build")
            from buildlib import inputs

            tfjs = f"{inputs.TFJS.name}@{inputs.TFJS.version}"
            print(f"wrote {out}: `npm install {tfjs} {out.name}` in your "
                  "Node-RED user directory (see README.md)")
        elif args.command == "new-lab":
            from buildlib import scaffold

            folder = scaffold.write_lab(args.labs, args.id)
            print(f"wrote {folder}: edit main.py, then `python3 build.py serve --labs "
                  f"{args.labs}` and open the lab from the home page")
        elif args.command == "lock-vendor":
            npm.ensure_node_modules()
            changed = npm.repin()
            for what, (old, new) in changed.items():
                print(f"{what}: {old} -> {new}")
            print(f"{len(changed)} pins changed in {npm.INPUTS_PY.relative_to(config.ROOT)}"
                  + (": update THIRD_PARTY.md to match" if changed else ""))
    except IntegrityError as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    except labs.LabError as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
