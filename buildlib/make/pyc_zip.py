"""Add bytecode (.pyc) beside each .py of a zip: run inside the shipped Pyodide.

This file is executed by ``bytecode.mjs`` in the Pyodide that ``dist/`` ships, so the
bytecode is exactly what that Python (3.12) would have compiled itself at import time. It
only uses the standard library and is also imported on CPython by the unit tests (which
check the layout, not the magic number). See ``buildlib/make/bytecode.py`` for why.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import marshal
import sys
import zipfile
from collections.abc import Iterable

# hash-based and unchecked (PEP 552): the import system takes the bytecode as it is,
# without reading the source or comparing timestamps (a zip member has no useful mtime)
UNCHECKED_HASH = 0b01

# What a wheel ships for building against it or type-checking it, and nothing in a browser
# reads: type stubs, C headers and sources, static libraries, Cython declarations and
# sources. numpy's wheel holds 128 such files (1.2 MB unpacked), which Pyodide unpacked
# on every start of every lab (numpy's unpack in Node.js: 114 -> 91 ms without them).
DEV_ONLY = (".pyi", ".h", ".c", ".a", ".pxd", ".pyx")


def pyc_name(member: str, layout: str, cache_tag: str) -> str:
    """Where the bytecode of ``member`` (a .py) goes: ``sibling`` (``json/decoder.pyc``,
    what zipimport reads from a zip on ``sys.path``) or ``pycache``
    (``numpy/__pycache__/version.cpython-312.pyc``, what the import system reads beside a
    .py on disk, as a wheel unpacks into site-packages)."""
    stem = member[:-3]
    if layout == "sibling":
        return stem + ".pyc"
    if layout == "pycache":
        folder, _, name = stem.rpartition("/")
        return f"{folder}/__pycache__/{name}.{cache_tag}.pyc" if folder \
            else f"__pycache__/{name}.{cache_tag}.pyc"
    raise ValueError(f"unknown layout {layout!r}")


def pyc_bytes(source: bytes, filename: str) -> bytes:
    """An unchecked hash-based .pyc of ``source`` for this Python."""
    code = compile(source, filename, "exec", dont_inherit=True)
    return (importlib.util.MAGIC_NUMBER + UNCHECKED_HASH.to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))


def imported_files(modules: list[str]) -> list[str]:
    """Import ``modules`` (and every submodule of the packages among them whose name ends
    in ``.*``) and return the file of every module loaded, and of every module compiled
    on the way (one whose import then failed, e.g. a Windows-only fallback, is read on
    every start too): what a lab's Python reads."""
    import importlib
    import importlib._bootstrap_external as external
    import pkgutil
    import zipimport

    read: set[str] = set()
    zip_compile = zipimport._compile_source  # type: ignore[attr-defined]
    source_to_code = external.SourceLoader.source_to_code

    def zip_counted(pathname: str, source: bytes) -> object:
        read.add(pathname)
        return zip_compile(pathname, source)

    def counted(self: object, data: bytes, path: str, *args: object, **kwargs: object
                ) -> object:
        read.add(path)
        return source_to_code(self, data, path, *args, **kwargs)  # type: ignore[arg-type]

    zipimport._compile_source = zip_counted  # type: ignore[attr-defined]
    external.SourceLoader.source_to_code = counted  # type: ignore[method-assign,assignment]
    try:
        for name in modules:
            package = name.removesuffix(".*")
            module = importlib.import_module(package)
            if name.endswith(".*"):
                for info in pkgutil.walk_packages(module.__path__, package + "."):
                    importlib.import_module(info.name)
    finally:
        zipimport._compile_source = zip_compile  # type: ignore[attr-defined]
        external.SourceLoader.source_to_code = source_to_code  # type: ignore[method-assign]
    read.update(file for m in list(sys.modules.values())
                if isinstance(file := getattr(m, "__file__", None), str))
    return sorted(read)


def add_bytecode(src: str, dst: str, layout: str, prefix: str,
                 only: list[str] | None = None, drop: Iterable[str] = ()) -> int:
    """Copy the zip ``src`` to ``dst`` with a .pyc for each .py member (sources kept, so
    tracebacks still show their lines); ``prefix`` + the member's name is the path the
    code will have at run time, and with ``only`` just the members whose path is in it get
    one. Members whose names end with one of ``drop`` (e.g. DEV_ONLY) are left out, and
    out of a wheel's RECORD. Returns how many were compiled. A member that does not
    compile (a deliberate syntax error in a test file) is left to fail at import, as
    before."""
    wanted = None if only is None else set(only)
    suffixes = tuple(drop)
    compiled = 0
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        dropped = {n for n in names if suffixes and n.endswith(suffixes)
                   and ".dist-info/" not in n}
        for info in zin.infolist():
            if info.filename in dropped:
                continue
            data = zin.read(info)
            if info.filename.endswith(".dist-info/RECORD") and dropped:
                data = _without(data, dropped)
            zout.writestr(info, data)
            if not info.filename.endswith(".py") or ".dist-info/" in info.filename:
                continue
            if wanted is not None and prefix + info.filename not in wanted:
                continue
            target = pyc_name(info.filename, layout, tag)
            if target in names:
                continue
            try:
                pyc = pyc_bytes(data, prefix + info.filename)
            except (SyntaxError, ValueError):
                continue
            entry = zipfile.ZipInfo(target, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            zout.writestr(entry, pyc)
            compiled += 1
    return compiled


def _without(record: bytes, dropped: set[str]) -> bytes:
    """A wheel's RECORD (CSV: path, hash, size) without the rows of ``dropped``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(record.decode("utf-8"))):
        if row and row[0] not in dropped:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")
