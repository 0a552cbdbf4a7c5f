"""Paths and build settings. Every external input's pin (version, source, sha256) is in
``fetch/inputs.py``; the project's own version is ``pytfjs.__version__``, read here
without importing pytfjs (the build runs before numpy exists)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from buildlib.fetch import inputs

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
SITE = ROOT / "site"
PY_SRC = ROOT / "py"
LABS_SRC = PY_SRC / "labs"
NODE_MODULES = ROOT / "node_modules"
LOCALE = ROOT / "locale"  # the translation catalogs (.po), compiled by make/catalogs.py

# Pyodide packages shipped in dist/: the labs need these and their dependency closure.
PYODIDE_PACKAGES = ("numpy", "pandas", "micropip")


def _pytfjs_version() -> str:
    source = (PY_SRC / "pytfjs" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', source, flags=re.M)
    if not found:
        raise RuntimeError("py/pytfjs/__init__.py has no __version__ line")
    return found.group(1)


PYTFJS_VERSION = _pytfjs_version()


def cache_dir() -> Path:
    """Where downloaded wheels are kept between builds (override: PYTFJS_CACHE)."""
    env = os.environ.get("PYTFJS_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "pytfjs"
    return base / f"pyodide-{inputs.PYODIDE.version}"
