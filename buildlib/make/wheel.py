"""Build the pytfjs wheel (pure Python) reproducibly, and its Pyodide lock entry.

Shipping pytfjs as a wheel listed in the lock lets Pyodide load it (and numpy, its
dependency) with the same integrity check as every other package.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Any

from buildlib import config
from buildlib.fetch.integrity import sha256_file

_EPOCH = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: same sources -> same bytes


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_wheel(package_dir: Path, out_dir: Path, name: str = "pytfjs",
                version: str = config.PYTFJS_VERSION,
                requires: tuple[str, ...] = ("numpy",),
                extra_files: dict[str, bytes] | None = None) -> tuple[dict[str, Any], Path]:
    """Zip ``package_dir`` as ``name-version-py3-none-any.whl``; return (lock entry, path).
    ``extra_files`` (path inside the package -> bytes) adds built files, e.g. the compiled
    catalogs ``locale/uk/LC_MESSAGES/pytfjs.mo``."""
    files: list[tuple[str, bytes]] = []
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            rel = path.relative_to(package_dir.parent).as_posix()
            files.append((rel, path.read_bytes()))
    for rel, data in sorted((extra_files or {}).items()):
        files.append((f"{package_dir.name}/{rel}", data))
    dist_info = f"{name}-{version}.dist-info"
    metadata = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires)
    ).encode()
    wheel_meta = (b"Wheel-Version: 1.0\nGenerator: pytfjs-build\nRoot-Is-Purelib: true\n"
                  b"Tag: py3-none-any\n")
    files.append((f"{dist_info}/METADATA", metadata))
    files.append((f"{dist_info}/WHEEL", wheel_meta))
    files.append((f"{dist_info}/top_level.txt", f"{name}\n".encode()))
    record = "".join(f"{rel},{_record_hash(data)},{len(data)}\n" for rel, data in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    wheel_path = out_dir / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in files:
            info = zipfile.ZipInfo(rel, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    entry = {
        "name": name,
        "version": version,
        "file_name": wheel_path.name,
        "install_dir": "site",
        "sha256": sha256_file(wheel_path),
        "package_type": "package",
        "imports": [name],
        "depends": list(requires),
        "unvendored_tests": False,
    }
    return entry, wheel_path
