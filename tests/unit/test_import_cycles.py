"""No import cycle inside the ``pytfjs`` package, read statically from the source.

Each module's imports are parsed with ``ast`` (nothing is imported or run), resolved to
modules of the package, and the graph is searched for cycles; the message names each
cycle found, e.g. ``pytfjs.ui -> pytfjs.reporting -> pytfjs.ui``.

What counts as an edge:

- every ``import`` statement anywhere in a module: at module level, and also inside
  functions and methods (and under ``if TYPE_CHECKING:``). A function-level import
  defers the cycle to call time but keeps the two modules depending on each other,
  which is what the layout must not have: the ``ui`` <-> ``reporting`` cycle this test
  was written against was one (``ui.render`` imported ``reporting`` in its body);
- ``from . import x`` and ``from .pkg import x``: an edge to the submodule ``pkg.x``
  when that is a module of the package, else to ``pkg`` itself (the ``__init__`` that
  defines the name ``x``);
- ``import pytfjs.a.b`` and ``from pytfjs.a import b``: absolute spellings, the same.

Not counted: the implicit import of a module's parent packages (Python runs
``pytfjs/__init__.py`` before any submodule; counting that would make every package
that imports its own submodules, as ``pytfjs/__init__`` does, a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "pytfjs"
ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "py" / PACKAGE


def module_files(source: Path = SOURCE, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package."""
    modules = {}
    for path in sorted(source.rglob("*.py")):
        parts = [package, *path.relative_to(source).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool,
             known: set[str]) -> set[str]:
    """The package's modules that one import statement in ``module`` imports."""
    def inside(name: str) -> str | None:
        """``name`` or its longest prefix that is a module of the package."""
        parts = name.split(".")
        while parts:
            if ".".join(parts) in known:
                return ".".join(parts)
            parts.pop()
        return None

    if isinstance(node, ast.Import):
        found = {inside(alias.name) for alias in node.names}
        return {name for name in found if name}
    if node.level:  # relative: level 1 is the module's own package
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[:len(package) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    found = set()
    for alias in node.names:
        submodule = f"{origin}.{alias.name}"
        found.add(submodule if submodule in known else inside(origin))
    return {name for name in found if name}


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (anywhere in its body)."""
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _targets(node, name, is_package, known)
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a closed path of module names) per strongly connected group of
    modules that import each other (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_closed_path(graph, group) for group in groups]


def _closed_path(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest cycle through the group's first module (breadth-first)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & group):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")  # Tarjan found one


def test_the_graph_sees_every_kind_of_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from .a import f\n",
        "a.py": "from . import b\n",
        "b.py": "def later():\n    from .sub import c\n",  # function level
        "sub/__init__.py": "from .. import name_in_init\n",  # a name, not a module
        "sub/c.py": "from .. import a\nimport pkg.b\nfrom pkg.sub import d\n",
        "sub/d.py": "from ..a import f\nimport json\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    graph = import_graph(module_files(package, "pkg"))
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"},
                     "pkg.sub": {"pkg"}, "pkg.sub.c": {"pkg.a", "pkg.b", "pkg.sub.d"},
                     "pkg.sub.d": {"pkg.a"}}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_pytfjs_has_no_import_cycle():
    modules = module_files()
    assert {"pytfjs", "pytfjs.ui", "pytfjs._compat", "pytfjs.convert.writer"} <= set(modules)
    found = cycles(import_graph(modules))
    assert not found, "import cycles in pytfjs (imports anywhere in a module count):\n" + \
        "\n".join(" -> ".join(cycle) for cycle in found)


def test_no_pytfjs_module_imports_the_lab_namespace():
    """``pytfjs.ui`` only gathers names for lab scripts; the package imports the modules of
    each job (output, charts, prompts, site_files, pause) instead."""
    graph = import_graph(module_files())
    assert graph["pytfjs.ui"] and graph["pytfjs.ui"] <= {
        "pytfjs.output", "pytfjs.charts", "pytfjs.prompts", "pytfjs.site_files", "pytfjs.pause"}
    users = sorted(name for name, edges in graph.items() if "pytfjs.ui" in edges)
    assert users == [], users
