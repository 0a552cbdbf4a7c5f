"""Only ``pytfjs._compat`` touches the browser: no other module names ``js`` or ``pyodide``.

That keeps the pure-Python logic importable and testable on CPython (micropip's
``_compat`` split) and gives the browser boundary one place, which the worker runtime
will turn into messages.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BROWSER_MODULES = {"js", "pyodide"}


def offences(source: str) -> list[str]:
    """Each place in ``source`` that imports js/pyodide or reaches ``_compat.js``."""
    found = []
    # lab scripts await at top level, as Pyodide's runPythonAsync allows
    tree = compile(source, "<source>", "exec",
                   flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Attribute) and node.attr == "js"
              and isinstance(node.value, ast.Name) and node.value.id == "_compat"):
            found.append(f"line {node.lineno}: _compat.js")
            continue
        else:
            continue
        found += [f"line {node.lineno}: import {name}" for name in names
                  if name.split(".")[0] in BROWSER_MODULES]
    return found


def test_the_checker_sees_each_kind_of_reach():
    assert offences("import js") == ["line 1: import js"]
    assert offences("from pyodide.ffi import to_js") == ["line 1: import pyodide.ffi"]
    assert offences("from . import _compat\nx = _compat.js.fetch") == ["line 2: _compat.js"]
    assert offences("self.js.dispose()\nimport json\nfrom .js import x") == []


def test_only_compat_names_the_browser():
    files = [p for p in (ROOT / "py").rglob("*.py") if p.name != "_compat.py"]
    assert len(files) > 30
    bad = {}
    for path in files:
        found = offences(path.read_text(encoding="utf-8"))
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert bad == {}
