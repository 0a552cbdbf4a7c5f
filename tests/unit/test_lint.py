"""The linters are part of the test command: ruff for Python, ESLint for JavaScript.

ESLint (pinned in package-lock.json, installed by the build's ``npm ci``) checks the
page shell, the Node examples and checks, and the benchmarks' Node scripts with
``eslint.config.mjs``: one dialect (const/let, modules where the page loads them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"


def test_python_is_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_javascript_is_eslint_clean():
    if not ESLINT.exists():
        pytest.fail("node_modules/.bin/eslint is missing: run `python3 build.py build` "
                    "(it installs the npm packages, ESLint included)")
    result = subprocess.run([str(ESLINT), "--max-warnings", "0", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_eslint_really_checks_the_page_scripts():
    """The config covers site/js: a `var` in a page script (given on stdin) is reported."""
    result = subprocess.run([str(ESLINT), "--stdin", "--stdin-filename", "site/js/probe.js"],
                            cwd=ROOT, input="var probe = 1;\nwindow.probe = probe;\n",
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "no-var" in result.stdout
