"""Bytecode for the Python that dist/ ships, so a learner's Python starts without compiling.

Pyodide's ``python_stdlib.zip`` and the wheels hold only ``.py`` files: every start of
Python compiled each module it imported (its start-up, Pyodide's package loader, numpy,
pytfjs) from source. This step adds a ``.pyc`` beside each ``.py`` (the source stays, so
tracebacks still show their lines), compiled by the shipped Pyodide itself in Node.js, so
the bytecode is exactly that Python's. Measured in Node.js with the shipped Pyodide, cold,
one-neuron's start: ``loadPyodide`` 1.8-2.1 s -> 0.7-0.9 s, loading pytfjs with numpy
0.63-0.68 -> 0.45-0.59 s, ``import numpy`` 0.43-0.62 -> 0.11-0.20 s.

The wheels also lose what only a compiler or a type checker reads (``pyc_zip.DEV_ONLY``:
numpy's headers, stubs, static libraries and Cython files, 128 of its 424 files), which
Pyodide otherwise unpacks on every start.

The inputs are verified (sha256) before this step; the shipped lock then names the
sha256 of the wheels as shipped. Outputs are cached under ``build/bytecode/`` by the
inputs' sha256 and this step's own code: a rebuild with the same inputs runs no Node.js.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import sha256_file
from buildlib.make.pyc_zip import DEV_ONLY

HERE = Path(__file__).resolve().parent
COMPILER = HERE / "pyc_zip.py"
RUNNER = HERE / "bytecode.mjs"
CACHE = config.ROOT / "build" / "bytecode"
STDLIB = "python_stdlib.zip"
# where each kind of zip lives at run time (a code object's file name)
STDLIB_PREFIX = "/lib/python312.zip/"
SITE_PREFIX = "/lib/python3.12/site-packages/"


# What a lab's Python reads: loaded and imported in Node.js before compiling, and only the
# files they read get bytecode (all of the standard library and of pandas would add 7 MB
# to the download for modules no lab imports).
PACKAGES = ("pytfjs", "pandas", "micropip", "pyfive")
MODULES = ("pytfjs.*", "numpy", "pandas", "micropip", "pyfive")


def _fingerprint(paths: list[Path]) -> str:
    """The inputs and this step's code: one key for all outputs, since which modules are
    read (and so compiled) depends on every package."""
    parts = [COMPILER.read_bytes(), RUNNER.read_bytes(), inputs.PYODIDE.version.encode(),
             repr((PACKAGES, MODULES)).encode()]
    parts += [f"{p.name}:{sha256_file(p)}".encode() for p in paths]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def add_bytecode(pyodide_dir: Path, wheels: list[str], cache: Path = CACHE) -> dict[str, str]:
    """Add bytecode to ``pyodide_dir``'s stdlib zip and to ``wheels`` (file names there),
    in place; returns {wheel file name: its new sha256}."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed: install Node.js 20 and npm, then run this "
                         "again.")
    # the wheels lose what only a compiler or a type checker reads (pyc_zip.DEV_ONLY)
    drop = ",".join(DEV_ONLY)
    jobs = [(pyodide_dir / STDLIB, "sibling", STDLIB_PREFIX, "")]
    jobs += [(pyodide_dir / name, "pycache", SITE_PREFIX, drop) for name in wheels]
    key = cache / _fingerprint([path for path, _, _, _ in jobs])
    if not key.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            args: list[str] = []
            for path, layout, prefix, members_left_out in jobs:
                args += [str(path), str(Path(tmp) / path.name), layout, prefix,
                         members_left_out]
            # the shipped pyodide.js finds pyodide.asm.*, the stdlib zip and the wheels
            # (as they were verified) in that folder
            subprocess.run([node, str(RUNNER), str(pyodide_dir), str(COMPILER),
                            ",".join(PACKAGES), ",".join(MODULES), *args],
                           check=True, stdout=subprocess.DEVNULL)
            for old in cache.iterdir():  # older inputs' outputs (not another build's tmp*)
                if old.is_dir() and not old.name.startswith("tmp"):
                    shutil.rmtree(old, ignore_errors=True)
            try:
                Path(tmp).rename(key)
            except OSError:
                if not key.is_dir():  # else a build beside this one made the same first
                    raise
            else:
                Path(tmp).mkdir()  # for TemporaryDirectory's clean-up
    for path, _, _, _ in jobs:
        shutil.copyfile(key / path.name, path)
    return {name: sha256_file(pyodide_dir / name) for name in wheels}


def compile_shipped_python(dist: Path, names: list[str]) -> None:
    """Add bytecode to the stdlib zip and to the wheels of the packages ``names`` in
    ``dist``'s shipped lock, and write their new sha256 into the lock."""
    pyodide_dir = dist / "vendor" / "pyodide"
    lock_path = pyodide_dir / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    files = {name: lock["packages"][name]["file_name"] for name in names}
    digests = add_bytecode(pyodide_dir, sorted(files.values()))
    for name, file_name in files.items():
        lock["packages"][name]["sha256"] = digests[file_name]
    lock_path.write_text(json.dumps(lock, indent=1) + "\n")
