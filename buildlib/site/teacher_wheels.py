"""A teacher's own wheels (``DIR/wheels/*.whl``): checked, and shipped like Pyodide's own.

Pyodide runs pure-Python wheels only unless a wheel was built for its ABI, so a wheel with
a platform tag would fail in the classroom, not here: the build refuses it by name. A
damaged wheel (not a zip, a CRC error, a file that does not match RECORD) is refused too.

A shipped wheel gets a pyodide-lock.json entry (its ``imports`` make ``import name`` load
it, as ``import pandas`` loads pandas) and a file of the site's own package index,
``pypi/<name>.json`` in the PyPI JSON API format micropip 0.9 reads, with its sha256 and
a ``file:`` URL that Pyodide resolves against the site (never another host).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from buildlib.fetch.integrity import sha256_file
from buildlib.site.labs import LabError

WHEEL_NAME = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-(?P<version>[^-]+)"
    r"(?:-(?P<build>\d[^-]*))?-(?P<python>[^-]+)-(?P<abi>[^-]+)-(?P<platform>[^-]+)\.whl$")
INDEX_DIR = "pypi"
WHEEL_DIR = "vendor/pyodide"


def canonical(name: str) -> str:
    """PEP 503's normalised project name (what pyodide-lock.json and micropip key on)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class TeacherWheel:
    path: Path
    name: str  # canonical
    version: str
    imports: tuple[str, ...]
    depends: tuple[str, ...]  # canonical names

    def lock_entry(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "file_name": self.path.name,
            "install_dir": "site", "sha256": sha256_file(self.path),
            "package_type": "package", "imports": list(self.imports),
            "depends": list(self.depends), "unvendored_tests": False,
        }


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(
        b"=").decode()


def _requirement_name(line: str) -> str | None:
    """The project a Requires-Dist line names, or None for an extra's requirement."""
    requirement, _, marker = line.partition(";")
    if "extra" in marker:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return canonical(match.group(1)) if match else None


def check_wheel(path: Path) -> TeacherWheel:
    """The wheel's name, version, imports and dependencies; LabError naming the file and
    what is wrong when it is not a sound pure-Python wheel."""
    where = f"{path}"
    match = WHEEL_NAME.match(path.name)
    if not match:
        raise LabError(f"{where}: not a wheel file name (expected "
                       "name-version-python-abi-platform.whl, e.g. mypkg-1.0-py3-none-any.whl)")
    platform, abi, python = match["platform"], match["abi"], match["python"]
    if platform != "any" or abi != "none":
        raise LabError(f"{where}: platform tag {platform!r} (ABI {abi!r}): only pure-Python "
                       "wheels (...-none-any.whl) run in Pyodide; use the package's "
                       "pure-Python wheel, or leave it out")
    if not any(tag.startswith(("py3", "cp3")) for tag in python.split(".")):
        raise LabError(f"{where}: Python tag {python!r}: expected a Python 3 wheel (py3)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LabError(f"{where}: damaged, not a zip archive ({exc}); download or build "
                       "the wheel again") from None
    with archive:
        bad = _first_bad_member(archive)
        if bad:
            raise LabError(f"{where}: damaged, {bad}; download or build the wheel again")
        names = archive.namelist()
        info = next((n.split("/")[0] for n in names
                     if n.endswith(".dist-info/METADATA") and n.count("/") == 1), None)
        if info is None or f"{info}/WHEEL" not in names or f"{info}/RECORD" not in names:
            raise LabError(f"{where}: damaged, no *.dist-info/METADATA, WHEEL and RECORD "
                           "inside; download or build the wheel again")
        metadata = HeaderParser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8",
                                                                                   "replace"))
        if canonical(metadata.get("Name", "")) != canonical(match["name"]):
            raise LabError(f"{where}: METADATA names {metadata.get('Name')!r}, the file "
                           f"name {match['name']!r}; they must agree")
        problem = _record_problem(archive, f"{info}/RECORD")
        if problem:
            raise LabError(f"{where}: damaged, {problem}; download or build the wheel again")
        imports = _imports(archive, names, info)
        depends = tuple(sorted({n for line in metadata.get_all("Requires-Dist") or []
                                if (n := _requirement_name(line))}))
    return TeacherWheel(path, canonical(match["name"]), metadata.get("Version",
                        match["version"]), imports, depends)


def _first_bad_member(archive: zipfile.ZipFile) -> str:
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        return f"unreadable ({exc})"
    return f"{bad} fails its CRC check" if bad else ""


def _record_problem(archive: zipfile.ZipFile, record: str) -> str:
    """The first file whose sha256 differs from RECORD's, or one RECORD lists but lacks."""
    members = set(archive.namelist())
    for line in archive.read(record).decode("utf-8", "replace").splitlines():
        file, _, rest = line.partition(",")
        digest = rest.partition(",")[0]
        if not file or not digest:
            continue
        if file not in members:
            return f"RECORD lists {file}, which is missing"
        if _record_hash(archive.read(file)) != digest:
            return f"{file} does not match its sha256 in RECORD"
    return ""


def _imports(archive: zipfile.ZipFile, names: list[str], info: str) -> tuple[str, ...]:
    """Top-level import names: top_level.txt, else the wheel's top-level packages/modules."""
    if f"{info}/top_level.txt" in names:
        listed = archive.read(f"{info}/top_level.txt").decode().split()
        if listed:
            return tuple(sorted(set(listed)))
    found = set()
    for name in names:
        head = name.split("/")[0]
        if head.endswith((".dist-info", ".data")):
            continue
        if "/" in name:
            found.add(head)
        elif name.endswith(".py"):
            found.add(name[:-3])
    return tuple(sorted(found))


def find_wheels(folders: list[Path]) -> list[Path]:
    return [w for folder in folders for w in sorted((folder / "wheels").glob("*.whl"))]


def check_wheels(paths: list[Path], shipped: set[str]) -> tuple[list[TeacherWheel],
                                                                list[str]]:
    """Every wheel checked; (sound wheels, problems). Names must not clash with each
    other or with the packages the site already ships, and every dependency must ship."""
    wheels: list[TeacherWheel] = []
    problems: list[str] = []
    for path in paths:
        try:
            wheel = check_wheel(path)
        except LabError as exc:
            problems.append(str(exc))
            continue
        other = next((w for w in wheels if w.name == wheel.name), None)
        if other is not None:
            problems.append(f"{path}: package {wheel.name!r} is also {other.path}; keep one")
        elif wheel.name in shipped:
            problems.append(f"{path}: package {wheel.name!r} already ships with the site "
                            "(Pyodide's own build); remove this wheel")
        else:
            wheels.append(wheel)
    known = shipped | {w.name for w in wheels}
    for wheel in wheels:
        missing = [d for d in wheel.depends if d not in known]
        if missing:
            problems.append(f"{wheel.path}: needs {', '.join(missing)}, which the site does "
                            "not ship: put those wheels in the same wheels/ folder too")
    return wheels, problems


def write_index(dist: Path, wheels: list[TeacherWheel], shipped: list[str]) -> list[str]:
    """pypi/<name>.json per wheel and pypi/index.json (their names, versions and imports,
    and ``shipped``: every package in the shipped lock, which micropip installs from the
    lock); the wheels themselves are vendored beside Pyodide's. Returns the paths written."""
    out = dist / INDEX_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for wheel in wheels:
        entry = wheel.lock_entry()
        document = {
            "info": {"name": wheel.name, "version": wheel.version},
            "releases": {wheel.version: [{
                "filename": wheel.path.name,
                # file: + a relative path: Pyodide's loadBinaryFile resolves it against the
                # worker, i.e. this site, wherever it is served from
                "url": f"file:{WHEEL_DIR}/{wheel.path.name}",
                "digests": {"sha256": entry["sha256"]},
                "size": wheel.path.stat().st_size,
            }]},
        }
        (out / f"{wheel.name}.json").write_text(json.dumps(document, indent=1) + "\n")
        written.append(f"{INDEX_DIR}/{wheel.name}.json")
    index = {"packages": {w.name: {"version": w.version, "imports": list(w.imports)}
                          for w in wheels},
             "shipped": sorted(shipped)}
    (out / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    return [*written, f"{INDEX_DIR}/index.json"]
