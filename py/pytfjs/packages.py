"""micropip, offline: the site's own package index, and words instead of a traceback.

Every build ships micropip, which out of the box asks PyPI: a classroom without internet
cannot reach it, and this project never asks another host. So when a lab imports
micropip, :func:`configure` points it at the site's own index (``pypi/<name>.json``,
written by ``buildlib/site/teacher_wheels.py`` for the wheels a teacher ships) and wraps
``micropip.install``: a name the site does not ship ends in an ``InputError`` (a message
in the page, not a traceback) saying how to add it, before anything is fetched.

:func:`add_wheel` installs a pure-Python wheel the learner picked on their computer,
for this page only (the page's "Add a package (.whl)" button, through the worker).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from .control import InputError
from .i18n import _

INDEX_URL = "pypi/{package_name}.json"  # relative: fetched from this site, wherever it is
INDEX = "pypi/index.json"
WHEEL_DIR = Path("/tmp/pytfjs-wheels")  # noqa: S108 - Pyodide's in-memory file system, one page
WHEEL_NAME = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._]*)-(?P<version>[^-]+)"
                        r"(?:-\d[^-]*)?-(?P<python>[^-]+)-(?P<abi>[^-]+)-(?P<platform>[^-]+)"
                        r"\.whl$")
_ORIGINAL: list[Any] = []  # micropip's own install, once wrapped
_AVAILABLE: list[set[str]] = []  # what the site ships, once read
HOW_TO_ADD = (  # English; how_to_add() says it in the learner's language
              "This site works offline and installs only the packages it ships. To add a "
              "pure-Python package, a teacher puts its wheel (.whl) in the wheels/ folder "
              "beside their labs and rebuilds with `python3 build.py build --labs DIR`; "
              "you can also add a .whl file from your computer with the page's "
              "\"Add a package (.whl)\" button.")


def canonical(name: str) -> str:
    """PEP 503's normalised name, as pyodide-lock.json and the site's index spell it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str | None:
    """The project a requirement string names; None for a URL or a file (emfs:, .whl)."""
    text = requirement.strip()
    if ":" in text.split("[")[0] or text.endswith(".whl") or "/" in text:
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)
    return canonical(match.group(0)) if match else None


def not_shipped_message(names: list[str], available: set[str]) -> str:
    listed = ", ".join(sorted(available)) or _("none")
    which = ", ".join(repr(n) for n in names)
    return (_("micropip cannot install {which}: not a package of this site (it ships: "
              "{listed}).").format(which=which, listed=listed) + " " + how_to_add())


def how_to_add() -> str:
    """:data:`HOW_TO_ADD` in the learner's language."""
    return _("This site works offline and installs only the packages it ships. To add a "
             "pure-Python package, a teacher puts its wheel (.whl) in the wheels/ folder "
             "beside their labs and rebuilds with `python3 build.py build --labs DIR`; you "
             "can also add a .whl file from your computer with the page's \"Add a package "
             "(.whl)\" button.")


def available_from_index(index: dict[str, Any]) -> set[str]:
    """Package names pypi/index.json says the site ships (its own wheels and the lock)."""
    return {canonical(n) for n in [*index.get("packages", {}), *index.get("shipped", [])]}


async def _available() -> set[str]:
    if not _AVAILABLE:
        from .site_files import fetch_bytes

        try:
            index = json.loads(await fetch_bytes(INDEX))
        except (FileNotFoundError, ValueError):
            index = {}
        _AVAILABLE.append(available_from_index(index))
    return _AVAILABLE[0]


async def install(requirements: str | list[str], *args: Any, **kwargs: Any) -> Any:
    """``micropip.install``, from this site only: a name it does not ship is refused in
    words (InputError) before anything is fetched."""
    wanted = [requirements] if isinstance(requirements, str) else list(requirements)
    available = await _available()
    installed = _installed()
    unknown = [r for r in wanted if (n := requirement_name(r)) is not None
               and n not in available and n not in installed]
    if unknown:
        raise InputError(not_shipped_message(unknown, available))
    try:
        return await _ORIGINAL[0](requirements, *args, **kwargs)
    except ValueError as exc:  # micropip's "Can't find ..."/"Can't fetch ..."
        raise InputError(_("micropip could not install {items}: "
                         "{exc} {HOW_TO_ADD}")
                             .format(items=', '.join(map(repr, wanted)), exc=exc,
                                     HOW_TO_ADD=how_to_add())) from None


def _installed() -> set[str]:
    """Names installed in this Python (a wheel added from a file is one)."""
    from importlib import metadata

    return {canonical(d.metadata["Name"] or "") for d in metadata.distributions()}


def configure() -> None:
    """Point micropip at the site's index and wrap its install (once). Only where it is
    installed: Pyodide loads it (not imports it) when a lab's code imports it."""
    if _ORIGINAL or importlib.util.find_spec("micropip") is None:
        return
    import micropip

    micropip.set_index_urls([INDEX_URL])
    _ORIGINAL.append(micropip.install)
    micropip.install = install


def check_wheel_name(file_name: str) -> re.Match[str]:
    """The parts of a wheel's file name; InputError for a file that is not a pure-Python
    wheel (Pyodide cannot run a wheel built for another platform)."""
    match = WHEEL_NAME.match(file_name)
    if not match:
        raise InputError(_("{file_name}: not a wheel file (expected a name like "
                         "mypkg-1.0-py3-none-any.whl)").format(file_name=file_name))
    if match["platform"] != "any" or match["abi"] != "none":
        raise InputError(_("{file_name}: built for platform {match!r}; only "
                         "pure-Python wheels (...-none-any.whl) run here")
                             .format(file_name=file_name, match=match['platform']))
    return match


async def add_wheel(file_name: str, data: Any) -> str:
    """Install a wheel file the learner chose (bytes or a JS Uint8Array) for this page.

    Returns JSON ``{"ok": bool, "text": sentence}`` for the page's console: a refused
    file is words, never a Python traceback crossing into JavaScript."""
    try:
        text = await _add_wheel(file_name, data)
    except InputError as exc:
        return json.dumps({"ok": False, "text": str(exc)})
    return json.dumps({"ok": True, "text": text})


async def _add_wheel(file_name: str, data: Any) -> str:
    import micropip

    configure()
    file_name = Path(file_name).name
    match = check_wheel_name(file_name)
    raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    WHEEL_DIR.mkdir(parents=True, exist_ok=True)
    path = WHEEL_DIR / file_name
    path.write_bytes(raw)
    try:
        await (_ORIGINAL[0] if _ORIGINAL else micropip.install)(f"emfs:{path}")
    except Exception as exc:  # noqa: BLE001 - a damaged file: its words, not a traceback
        raise InputError(_("{file_name}: could not be installed ({type}: "
                         "{exc})")
                             .format(file_name=file_name, type=type(exc).__name__,
                                     exc=exc)) from None
    importlib.invalidate_caches()
    return (_("Installed {name} {version} from {file_name}, for this page (a reload forgets "
              "it): import it in your code.")
            .format(name=match["name"], version=match["version"], file_name=file_name))
