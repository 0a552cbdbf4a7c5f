"""Labs: each is a folder py/labs/<id>/ holding main.py, lesson.md and lab.json.

The build turns each into one JSON document (dist/labs/<id>.json) that the lab page
fetches, and renders the home page's list of labs.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildlib.site import markdown

REQUIRED = ("id", "title", "week", "summary")


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

    def document(self) -> dict[str, Any]:
        document = {
            "id": self.id, "title": self.title, "week": self.week, "summary": self.summary,
            "source": self.source, "lesson_html": self.lesson_html, "packages": self.packages,
            "data": self.data, "models": self.models, "params": self.params,
        }
        if self.heading:
            document["heading"] = self.heading
        return document


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
    return Lab(
        id=meta["id"], title=meta["title"], week=int(meta["week"]), summary=meta["summary"],
        order=int(meta.get("order", 0)),
        source=(folder / "main.py").read_text(encoding="utf-8"),
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
    index = [{k: v for k, v in lab.document().items() if k not in ("source", "lesson_html")}
             for lab in labs]
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")


def render_index(template: str, labs: list[Lab]) -> str:
    """Fill the home page's {{labs}} slot with one card per lab, grouped by week; labs
    with a heading of their own (a teacher's) follow, grouped by it."""
    parts = []
    weeks = [(f"Week {week}", [lab for lab in labs if lab.week == week and not lab.heading])
             for week in sorted({lab.week for lab in labs if not lab.heading})]
    headings = list(dict.fromkeys(lab.heading for lab in labs if lab.heading))
    sections = weeks + [(h, [lab for lab in labs if lab.heading == h]) for h in headings]
    for title, members in sections:
        parts.append(f'<section class="week"><h2>{html.escape(title)}</h2>'
                     '<ul class="lab-list">')
        for lab in members:
            href = f"lab.html?lab={html.escape(lab.id)}"
            parts.append(
                f'<li class="lab-card"><a href="{href}"><span class="lab-title">'
                f"{html.escape(lab.title)}</span></a>"
                f'<p>{html.escape(lab.summary)}</p>'
                f'<p class="lab-links"><a href="{href}&amp;run=1">Open and run</a></p></li>'
            )
        parts.append("</ul></section>")
    return template.replace("{{labs}}", "\n".join(parts))
