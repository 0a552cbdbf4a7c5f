"""Labs: each is a folder py/labs/<id>/ holding main.py, lesson.md and lab.json.

The build turns each into one JSON document (dist/labs/<id>.json) that the lab page
fetches, and renders the home page's list of labs.

A lab may be translated: ``main.<lang>.py`` (the same program with comments and printed
text in that language), ``lesson.<lang>.md`` and a ``"<lang>"`` block in lab.json
(``title``, ``summary``, ``params``). The three come together or not at all, and the
translated program must be the same program as main.py (``same_program``). The lab
document then carries ``"translations": {"<lang>": {...}}``.
"""

from __future__ import annotations

import ast
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildlib.site import markdown

REQUIRED = ("id", "title", "week", "summary")
LANGUAGES = ("uk",)  # the languages a lab may be translated into (English is main.py)


class LabError(ValueError):
    """A lab folder is incomplete or inconsistent."""


@dataclass
class Lab:
    id: str
    title: str
    week: int
    summary: str
    source: str
    lesson_html: str
    order: int = 0
    packages: list[str] = field(default_factory=lambda: ["numpy"])
    data: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    heading: str = ""  # a teacher lab's own home-page heading (else "Week N")
    # lang -> {"title", "summary", "source", "lesson_html", "params"[, "heading"]}
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        document = {
            "id": self.id, "title": self.title, "week": self.week, "summary": self.summary,
            "source": self.source, "lesson_html": self.lesson_html, "packages": self.packages,
            "data": self.data, "models": self.models, "params": self.params,
        }
        if self.heading:
            document["heading"] = self.heading
        if self.translations:
            document["translations"] = self.translations
        return document

    def index_entry(self) -> dict[str, Any]:
        """The lab as the home page's index lists it: no source, lesson or params text
        in the translations, only what a lab card shows."""
        entry = {k: v for k, v in self.document().items()
                 if k not in ("source", "lesson_html", "translations")}
        if self.translations:
            entry["translations"] = {
                lang: {k: v for k, v in t.items() if k in ("title", "summary", "heading")}
                for lang, t in self.translations.items()}
        return entry


class _Blank(ast.NodeTransformer):
    """Set a program's text aside: every string constant becomes "" and an f-string
    keeps only its replacement fields (their format specs, e.g. ``:.3f``, stay)."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return ast.copy_location(ast.Constant(value=""), node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        node.values = [self.visit(v) for v in node.values if isinstance(v, ast.FormattedValue)]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node.value = self.visit(node.value)  # the format spec is kept as written
        return node


def _located(node: Any, parent: ast.AST) -> ast.AST:
    return node if hasattr(node, "lineno") else parent


def _first_difference(a: Any, b: Any) -> tuple[Any, Any] | None:
    """The innermost nodes with a line number of ``a`` and ``b`` (blanked trees) where
    they first differ; ``None`` for a side that has nothing there."""
    if type(a) is not type(b):
        return (a, b)
    if isinstance(a, list):
        for x, y in zip(a, b, strict=False):
            found = _first_difference(x, y)
            if found:
                return found
        if len(a) != len(b):
            return (a[len(b)] if len(a) > len(b) else None,
                    b[len(a)] if len(b) > len(a) else None)
        return None
    if not isinstance(a, ast.AST):
        return None if a == b else (a, b)
    for name in a._fields:
        found = _first_difference(getattr(a, name, None), getattr(b, name, None))
        if found:
            return (_located(found[0], a) if found[0] is not None else None,
                    _located(found[1], b) if found[1] is not None else None)
    return None


def _parse(source: str, name: str) -> ast.Module:
    return ast.parse(source, name, type_comments=False)


def same_program(original: str, translated: str, name: str = "the translation") -> str | None:
    """None when ``translated`` is ``original`` with only its comments and string text
    changed (string constants and f-string text set aside, ASTs equal); else the first
    difference in words, naming ``name`` and the two lines."""
    try:
        ours = _Blank().visit(_parse(original, "main.py"))
        theirs = _Blank().visit(_parse(translated, name))
    except SyntaxError as exc:
        return f"{name}, line {exc.lineno}: {exc.msg} (it must be valid Python, like main.py)"
    found = _first_difference(ours, theirs)
    if found is None:
        return None
    a, b = found
    where_a = getattr(a, "lineno", None) or "end"
    where_b = getattr(b, "lineno", None) or "end"
    original_lines, translated_lines = original.splitlines(), translated.splitlines()

    def shown(node: Any, lines: list[str]) -> str:
        line: int | None = getattr(node, "lineno", None) if isinstance(node, ast.AST) else None
        if line is None:
            return "nothing more"
        return "`" + lines[line - 1].strip()[:80] + "`"

    return (f"{name}, line {where_b}: not the same program as main.py (line {where_a}): "
            f"main.py has {shown(a, original_lines)} where it has "
            f"{shown(b, translated_lines)} (a translation may change only comments and "
            "the text in strings)")


def _read_text(path: Path, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 text; save it as UTF-8")
        return None


def load_translations(folder: Path, meta: dict[str, Any], source: str,
                      problems: list[str]) -> dict[str, dict[str, Any]]:
    """Each language's main.<lang>.py, lesson.<lang>.md and lab.json block, checked:
    all three or none, the block's fields, the params it explains, and the same program
    as main.py. Mistakes are appended to ``problems`` (each names its file)."""
    found: dict[str, dict[str, Any]] = {}
    meta_path = folder / "lab.json"
    params = meta.get("params", {}) if isinstance(meta.get("params", {}), dict) else {}
    for lang in LANGUAGES:
        main_path, lesson_path = folder / f"main.{lang}.py", folder / f"lesson.{lang}.md"
        present = {"main": main_path.is_file(), "lesson": lesson_path.is_file(),
                   "block": lang in meta}
        if not any(present.values()):
            continue
        missing = [what for what, here in (
            (main_path.name, present["main"]), (lesson_path.name, present["lesson"]),
            (f'a "{lang}" block in lab.json', present["block"])) if not here]
        if missing:
            problems.append(f"{folder}: the {lang} translation has no {' and no '.join(missing)} "
                            f"(a translated lab needs main.{lang}.py, lesson.{lang}.md and "
                            f'a "{lang}" block with title and summary in lab.json)')
            continue
        block = meta[lang]
        if not isinstance(block, dict):
            problems.append(f'{meta_path}: field "{lang}" is {json.dumps(block)}; expected an '
                            'object {"title": ..., "summary": ..., "params": {...}}')
            continue
        ok = True
        for key in ("title", "summary"):
            if not isinstance(block.get(key), str) or not block[key].strip():
                problems.append(f'{meta_path}: field "{lang}" needs {key!r}, a text')
                ok = False
        unknown = sorted(set(block) - {"title", "summary", "params", "heading"})
        if unknown:
            problems.append(f'{meta_path}: field "{lang}" has unknown '
                            f'{", ".join(map(repr, unknown))}; expected only \'title\', '
                            "'summary', 'params', 'heading'")
            ok = False
        if "heading" in block and not isinstance(block["heading"], str):
            problems.append(f'{meta_path}: field "{lang}": \'heading\' must be a text')
            ok = False
        hints = block.get("params", {})
        if not isinstance(hints, dict) or not all(isinstance(v, str) for v in hints.values()):
            problems.append(f'{meta_path}: field "{lang}": \'params\' must be an object of '
                            "parameter name -> what it does, in that language")
            ok = False
        elif set(hints) != set(params):
            extra, lacking = sorted(set(hints) - set(params)), sorted(set(params) - set(hints))
            problems.append(f'{meta_path}: field "{lang}": \'params\' must explain the same '
                            f"parameters as 'params' ({', '.join(params) or 'none'})"
                            + (f"; not in 'params': {', '.join(extra)}" if extra else "")
                            + (f"; missing: {', '.join(lacking)}" if lacking else ""))
            ok = False
        translated = _read_text(main_path, problems)
        lesson = _read_text(lesson_path, problems)
        if translated is None or lesson is None:
            continue
        difference = same_program(source, translated, str(main_path))
        if difference:
            problems.append(difference)
            ok = False
        if not ok:
            continue
        found[lang] = {
            "title": block["title"], "summary": block["summary"], "source": translated,
            "lesson_html": markdown.to_html(lesson),
            "params": {k: hints[k] for k in params},
        }
        if block.get("heading"):
            found[lang]["heading"] = block["heading"]
    return found


def load_lab(folder: Path) -> Lab:
    meta_path = folder / "lab.json"
    for name in ("lab.json", "main.py", "lesson.md"):
        if not (folder / name).is_file():
            raise LabError(f"lab folder {folder} has no {name}")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise LabError(f"{meta_path}: missing {', '.join(missing)}")
    if meta["id"] != folder.name:
        raise LabError(f"{meta_path}: id {meta['id']!r} differs from its folder name")
    source = (folder / "main.py").read_text(encoding="utf-8")
    problems: list[str] = []
    translations = load_translations(folder, meta, source, problems)
    if problems:
        raise LabError("\n".join(problems))
    return Lab(
        id=meta["id"], title=meta["title"], week=int(meta["week"]), summary=meta["summary"],
        order=int(meta.get("order", 0)), source=source, translations=translations,
        lesson_html=markdown.to_html((folder / "lesson.md").read_text(encoding="utf-8")),
        packages=list(meta.get("packages", ["numpy"])), data=list(meta.get("data", [])),
        models=list(meta.get("models", [])), params=dict(meta.get("params", {})),
    )


def load_labs(root: Path) -> list[Lab]:
    labs = [load_lab(p) for p in sorted(root.iterdir()) if p.is_dir() and p.name[0] not in "._"]
    return sorted(labs, key=lambda lab: (lab.week, lab.order, lab.id))


# What every lab page downloads to start Python, before the lab's packages.
RUNTIME_FILES = (
    ("vendor/pyodide/pyodide.asm.js", "Pyodide runtime (JavaScript)"),
    ("vendor/pyodide/pyodide.asm.wasm", "Pyodide runtime (WebAssembly)"),
    ("vendor/pyodide/python_stdlib.zip", "Python standard library"),
    ("vendor/pyodide/pyodide-lock.json", "Python package list"),
)


def startup_files(lab: Lab, dist: Path, lock: dict[str, Any]) -> list[dict[str, Any]]:
    """The files a lab page downloads before the lab can run, with their sizes in dist/:
    the Pyodide runtime, then pytfjs, the lab's packages and everything they depend on
    (the page's loading bar counts them off as they arrive)."""
    from buildlib.fetch.pyodide_packages import closure

    files = list(RUNTIME_FILES)
    for name in closure(lock, ["pytfjs", *lab.packages]):
        entry = lock["packages"][name]
        files.append((f"vendor/pyodide/{entry['file_name']}", f"{name} {entry['version']}"))
    return [{"path": path, "bytes": (dist / path).stat().st_size, "what": what}
            for path, what in files]


def write_labs(labs: list[Lab], dist: Path, lock: dict[str, Any] | None = None) -> None:
    """dist/labs/<id>.json for each lab (with its start-up files when ``lock``, the
    shipped pyodide-lock.json, is given) and the index the home page lists."""
    out = dist / "labs"
    out.mkdir(parents=True, exist_ok=True)
    for lab in labs:
        document = lab.document()
        if lock is not None:
            document["startup"] = startup_files(lab, dist, lock)
        (out / f"{lab.id}.json").write_text(json.dumps(document, indent=1) + "\n")
    index = [lab.index_entry() for lab in labs]
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")


def _translated(texts: dict[str, str]) -> str:
    """``data-<lang>="..."`` attributes: the page swaps a card's text to the learner's
    language without fetching anything (the static page stays English)."""
    return "".join(f' data-{lang}="{html.escape(text)}"' for lang, text in sorted(texts.items()))


def _texts(lab: Lab, key: str) -> dict[str, str]:
    return {lang: t[key] for lang, t in lab.translations.items() if t.get(key)}


def render_index(template: str, labs: list[Lab]) -> str:
    """Fill the home page's {{labs}} slot with one card per lab, grouped by week; labs
    with a heading of their own (a teacher's) follow, grouped by it. Each card carries
    its lab id and its translated title and summary as data attributes."""
    parts = []
    weeks = [(f"Week {week}", {"data-week": str(week)},
              [lab for lab in labs if lab.week == week and not lab.heading])
             for week in sorted({lab.week for lab in labs if not lab.heading})]
    headings = list(dict.fromkeys(lab.heading for lab in labs if lab.heading))
    for h in headings:
        members = [lab for lab in labs if lab.heading == h]
        translated: dict[str, str] = {}
        for lab in members:
            translated = {**_texts(lab, "heading"), **translated}
        weeks.append((h, {f"data-{k}": v for k, v in translated.items()}, members))
    for title, attributes, members in weeks:
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in sorted(attributes.items()))
        parts.append(f'<section class="week"><h2{attrs}>{html.escape(title)}</h2>'
                     '<ul class="lab-list">')
        for lab in members:
            href = f"lab.html?lab={html.escape(lab.id)}"
            parts.append(
                f'<li class="lab-card" data-lab="{html.escape(lab.id)}"><a href="{href}">'
                f'<span class="lab-title"{_translated(_texts(lab, "title"))}>'
                f"{html.escape(lab.title)}</span></a>"
                f'<p class="lab-summary"{_translated(_texts(lab, "summary"))}>'
                f"{html.escape(lab.summary)}</p>"
                f'<p class="lab-links"><a href="{href}&amp;run=1">Open and run</a></p></li>'
            )
        parts.append("</ul></section>")
    return template.replace("{{labs}}", "\n".join(parts))
