"""The linters are part of the test command: ruff for Python, ESLint for JavaScript.

ESLint (pinned in package-lock.json, installed by the build's ``npm ci``) checks the
page shell, the Node examples and checks, and the benchmarks' Node scripts with
``eslint.config.mjs``: one dialect (const/let, modules where the page loads them).
"""

from __future__ import annotations

import ast
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
    result = subprocess.run([str(ESLINT), "--stdin", "--stdin-filename", "site/js/page/probe.js"],
                            cwd=ROOT, input="var probe = 1;\nwindow.probe = probe;\n",
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "no-var" in result.stdout
    assert "no-restricted-globals" not in result.stdout  # the page has a DOM


@pytest.mark.parametrize("path", ["site/js/worker/probe.js", "site/js/shared/probe.js",
                                  "site/worker.js"])
def test_eslint_keeps_the_dom_out_of_the_worker(path):
    """What runs in the runtime worker (site/worker.js, js/worker/, js/shared/) may not
    name a DOM global: a planted `document.title` is an error by name."""
    result = subprocess.run([str(ESLINT), "--stdin", "--stdin-filename", path], cwd=ROOT,
                            input="export const probe = () => document.title + window.name;\n",
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("no-restricted-globals") == 2, result.stdout
    assert "the runtime worker has no DOM" in result.stdout


def _project_python() -> list[Path]:
    skip = {".venv", "node_modules", "dist", "build", ".git"}
    return [p for p in ROOT.rglob("*.py")
            if not skip.intersection(p.relative_to(ROOT).parts) and ".keras-venv" not in str(p)]


def _edits_sys_path(node: ast.AST) -> bool:
    """``sys.path.insert(...)``/``append``/``extend``, or an assignment into ``sys.path``."""
    def is_sys_path(n: ast.AST) -> bool:
        return (isinstance(n, ast.Attribute) and n.attr == "path"
                and isinstance(n.value, ast.Name) and n.value.id == "sys")

    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"insert", "append", "extend"} and is_sys_path(node.func.value)
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(is_sys_path(t) or (isinstance(t, ast.Subscript) and is_sys_path(t.value))
                   for t in targets)
    return False


def test_no_module_edits_sys_path():
    """Imports work through pytest's pythonpath and the test venv's .pth (build.py), and
    the benchmarks run as modules: a ``sys.path.insert`` would hide a broken layout."""
    found = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in _project_python()
             for n in ast.walk(ast.parse(p.read_text("utf-8"))) if _edits_sys_path(n)]
    assert not found, f"sys.path edited in {found}"
    assert _edits_sys_path(ast.parse("import sys\nsys.path.insert(0, 'x')").body[1].value)
    assert _edits_sys_path(ast.parse("sys.path[:0] = ['x']").body[0])


def test_conftest_holds_only_fixtures():
    """Helpers live in testkit/harness.py and testkit/engines (shared with bench/ and docs/),
    not in conftest; pytest hooks (``pytest_*``) can only live there, so they may."""
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text("utf-8"))
    defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    helpers = [n.name for n in defined
               if not any("fixture" in ast.unparse(d) for d in n.decorator_list)
               and not n.name.startswith("pytest_")]
    assert defined and not helpers, f"not fixtures: {helpers}"


def _imports_tests(tree: ast.AST) -> list[int]:
    """Line numbers of ``import tests...`` / ``from tests... import`` in ``tree``."""
    lines = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
        if any(name == "tests" or name.startswith("tests.") for name in names):
            lines.append(node.lineno)
    return lines


def test_only_tests_import_tests():
    """tests/ holds tests; what bench/, docs/, testkit/ and the build share with them lives
    in testkit/, so nothing outside tests/ imports ``tests``."""
    found = [f"{p.relative_to(ROOT)}:{line}" for p in _project_python()
             if p.relative_to(ROOT).parts[0] != "tests"
             for line in _imports_tests(ast.parse(p.read_text("utf-8")))]
    assert not found, f"import tests outside tests/ (move the helper to testkit/): {found}"
    assert _imports_tests(ast.parse("from tests.harness import x\nimport tests.browser")) \
        == [1, 2]
    assert _imports_tests(ast.parse("from testkit import harness\nfrom . import tests")) == []
