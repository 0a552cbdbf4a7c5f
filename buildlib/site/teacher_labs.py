"""A teacher's own labs (``build.py build|serve|pack --labs DIR``), checked before class.

``DIR`` holds lab folders (``DIR/<id>/main.py``, ``lesson.md``, ``lab.json`` and the data
files ``lab.json`` declares; optionally a translation, ``main.uk.py`` + ``lesson.uk.md`` +
a ``"uk"`` block in lab.json, checked like the course's) and optionally
``DIR/wheels/*.whl``. A teacher finds a mistake here, in words naming the file and the
field or line, rather than in front of the class: every problem of every folder is
collected and the build refuses with all of them before it writes anything.

A teacher lab's data files are shipped at ``labs/<id>/<path>`` (the lab reads them with
``await ui.fetch_bytes("labs/<id>/<path>")``), so they are offline and checksummed like
the course's own files.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from buildlib.site import markdown, teacher_wheels
from buildlib.site.labs import LANGUAGES, Lab, LabError, load_translations

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
RESERVED = {"index"}  # dist/labs/index.json
# field -> (expected type, words for it, required)
FIELDS: dict[str, tuple[type | tuple[type, ...], str, bool]] = {
    "id": (str, "a text: the folder's name", True),
    "title": (str, "a text", True),
    "summary": (str, "a text: one sentence for the home page", True),
    "week": (int, "a whole number (the home page lists the lab under Week N)", False),
    "heading": (str, "a text: the home page heading to list the lab under", False),
    "order": (int, "a whole number (its place under its heading)", False),
    "packages": (list, "a list of package names, e.g. [\"numpy\"]", False),
    "data": (list, "a list of file paths inside the lab folder, e.g. [\"scores.csv\"]",
             False),
    "params": (dict, "an object of parameter name -> what it does", False),
}


@dataclass
class TeacherLabs:
    labs: list[Lab] = field(default_factory=list)
    data: dict[str, Path] = field(default_factory=dict)  # dist path -> the teacher's file
    wheels: list[teacher_wheels.TeacherWheel] = field(default_factory=list)

    def write(self, dist: Path) -> list[str]:
        """Copy the labs' data files into ``dist``; returns their dist paths."""
        for rel, source in self.data.items():
            target = dist / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return sorted(self.data)


def _read_json(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        problems.append(f"{path}, line {exc.lineno} column {exc.colno}: not valid JSON "
                        f"({exc.msg}); lab.json must be one JSON object")
        return None
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 text; save lab.json as UTF-8")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{path}: expected one JSON object {{...}}, found "
                        f"{type(meta).__name__}")
        return None
    return meta


def _check_fields(path: Path, meta: dict[str, Any], problems: list[str]) -> bool:
    ok = True
    for key, (kind, words, required) in FIELDS.items():
        if key not in meta:
            if required:
                problems.append(f"{path}: field {key!r} is missing; expected {words}")
                ok = False
            continue
        value = meta[key]
        wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if not wrong and kind is list:
            wrong = not all(isinstance(v, str) for v in value)
        if not wrong and kind is dict:
            wrong = not all(isinstance(v, str) for v in value.values())
        if wrong:
            problems.append(f"{path}: field {key!r} is {json.dumps(value)}; expected {words}")
            ok = False
    if "week" not in meta and "heading" not in meta:
        problems.append(f"{path}: needs field 'week' ({FIELDS['week'][1]}) or 'heading' "
                        f"({FIELDS['heading'][1]})")
        ok = False
    unknown = sorted(set(meta) - set(FIELDS) - set(LANGUAGES))
    if unknown:
        problems.append(f"{path}: unknown field {', '.join(map(repr, unknown))}; expected "
                        f"only {', '.join(FIELDS)} (and {', '.join(LANGUAGES)}: a "
                        "translation's title, summary and params)")
        ok = False
    return ok


def _check_source(path: Path, problems: list[str]) -> str | None:
    try:
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 text; save main.py as UTF-8")
        return None
    except SyntaxError as exc:
        problems.append(f"{path}, line {exc.lineno}: {exc.msg} (main.py must be valid "
                        "Python 3.12; a top-level await is allowed)")
        return None
    return source


def _data_files(folder: Path, lab_id: str, declared: list[str], meta_path: Path,
                problems: list[str]) -> dict[str, Path]:
    found = {}
    for rel in declared:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in rel:
            problems.append(f"{meta_path}: data path {rel!r} must be a relative path inside "
                            f"the lab folder, e.g. \"scores.csv\"")
            continue
        source = folder / pure
        if not source.is_file():
            problems.append(f"{meta_path}: declares data file {rel!r}, but {source} does "
                            "not exist; add the file or remove it from \"data\"")
            continue
        found[f"labs/{lab_id}/{pure.as_posix()}"] = source
    return found


def load_folder(folder: Path, problems: list[str]) -> tuple[Lab, dict[str, Path]] | None:
    """One lab folder as a Lab (its data files by dist path), or None with ``problems``."""
    missing = [n for n in ("lab.json", "main.py", "lesson.md") if not (folder / n).is_file()]
    if missing:
        problems.append(f"{folder}: lab folder has no {', '.join(missing)} (a lab folder "
                        "holds main.py, lesson.md and lab.json)")
        return None
    meta_path = folder / "lab.json"
    meta = _read_json(meta_path, problems)
    source = _check_source(folder / "main.py", problems)
    if meta is None or not _check_fields(meta_path, meta, problems):
        return None
    lab_id = meta["id"]
    if lab_id != folder.name:
        problems.append(f"{meta_path}: field 'id' is {lab_id!r} but the folder is "
                        f"{folder.name!r}; they must be the same")
        return None
    if not ID.match(lab_id) or lab_id in RESERVED:
        problems.append(f"{meta_path}: id {lab_id!r}: expected lowercase letters, digits, "
                        "'-' and '_' (not 'index'), e.g. \"my-lab\"")
        return None
    data = _data_files(folder, lab_id, meta.get("data", []), meta_path, problems)
    if source is None or len(data) != len(meta.get("data", [])):
        return None
    before = len(problems)
    translations = load_translations(folder, meta, source, problems)
    if len(problems) != before:
        return None
    lab = Lab(id=lab_id, title=meta["title"], week=meta.get("week", 0),
              summary=meta["summary"], order=meta.get("order", 0), source=source,
              lesson_html=markdown.to_html((folder / "lesson.md").read_text(
                  encoding="utf-8", errors="replace")),
              packages=[teacher_wheels.canonical(p) for p in meta.get("packages", ["numpy"])],
              data=sorted(data),
              params=dict(meta.get("params", {})), heading=meta.get("heading", ""),
              translations=translations)
    return lab, data


def load(folders: list[Path], course: list[Lab], shipped: set[str]) -> TeacherLabs:
    """Every lab and wheel of the teacher's folders, checked; one LabError lists all the
    problems. ``shipped`` are the package names the site ships without them."""
    problems: list[str] = []
    result = TeacherLabs()
    taken = {lab.id: "the course's own lab" for lab in course}
    where: dict[str, Path] = {}
    for root in folders:
        if not root.is_dir():
            problems.append(f"--labs {root}: no such folder")
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if folder.name[0] in "._" or folder.name == "wheels":
                continue
            loaded = load_folder(folder, problems)
            if loaded is None:
                continue
            lab, data = loaded
            if lab.id in taken:
                problems.append(f"{folder / 'lab.json'}: id {lab.id!r} is already "
                                f"{taken[lab.id]}; choose another id (and folder name)")
                continue
            taken[lab.id] = str(folder)
            where[lab.id] = folder / "lab.json"
            result.labs.append(lab)
            result.data.update(data)
    wheels, wheel_problems = teacher_wheels.check_wheels(teacher_wheels.find_wheels(
        [f for f in folders if f.is_dir()]), shipped)
    problems += wheel_problems
    result.wheels = wheels
    known = shipped | {w.name for w in wheels}
    for lab in result.labs:
        unknown = [p for p in lab.packages if p not in known]
        if unknown:
            problems.append(f"{where[lab.id]}: field 'packages': {', '.join(map(repr, unknown))} "
                            f"are not shipped (shipped: {', '.join(sorted(known))}); add a "
                            "pure-Python wheel to wheels/ or remove the name")
    if problems:
        raise LabError("\n".join(["your labs have mistakes; nothing was built:", *problems]))
    result.labs.sort(key=lambda lab: (lab.week, lab.order, lab.id))
    return result
