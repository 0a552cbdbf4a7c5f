"""Paths and build settings. Every external input's pin (version, source, sha256) is in
``inputs.py``, so a version bump is an edit there; the names below that come from it are
kept for the modules and tests that read them here."""

from __future__ import annotations

import os
from pathlib import Path

from . import inputs

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
SITE = ROOT / "site"
PY_SRC = ROOT / "py"
LABS_SRC = PY_SRC / "labs"
NODE_MODULES = ROOT / "node_modules"

PYODIDE_VERSION = inputs.PYODIDE.version
PYODIDE_CDN = inputs.PYODIDE_CDN.url

# Pyodide packages shipped in dist/: the labs need these and their dependency closure.
PYODIDE_PACKAGES = ("numpy", "pandas", "micropip")

PYTFJS_VERSION = "0.1.0"


def cache_dir() -> Path:
    """Where downloaded wheels are kept between builds (override: PYTFJS_CACHE)."""
    env = os.environ.get("PYTFJS_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "pytfjs"
    return base / f"pyodide-{PYODIDE_VERSION}"


# Runtime files copied from node_modules into dist/, as {dist path: node_modules path};
# each is checked against its sha256 in inputs.NPM_FILES, the build refuses any mismatch.
NPM_FILES: dict[str, str] = {f.dest: f.path for f in inputs.NPM_FILES}

# npm files the tests use but dist/ never ships (devDependencies), pinned the same way:
# {node_modules path: sha256}. axe-core is injected into pages by the accessibility tests.
TEST_NPM_FILES: dict[str, str] = {f.path: f.sha256 for f in inputs.TEST_NPM_FILES}
