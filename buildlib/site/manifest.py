"""Content manifest of dist/ and precompressed copies of big text-like files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from buildlib.fetch.integrity import sha256_file

MANIFEST = "manifest.json"
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".css", ".html", ".txt", ".csv", ".py", ".svg"}
MIN_SIZE = 8 * 1024


def precompress(dist: Path) -> int:
    """Write ``file.gz`` beside big compressible files when it saves at least 10%."""
    count = 0
    for path in sorted(dist.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE or path.stat().st_size < MIN_SIZE:
            continue
        data = path.read_bytes()
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        target = path.with_name(path.name + ".gz")
        if len(packed) <= 0.9 * len(data):
            target.write_bytes(packed)
            count += 1
        elif target.exists():
            target.unlink()
    return count


def stamp_service_worker(dist: Path, content: dict[str, Any]) -> str:
    """Name the service worker's cache after the build's content (every file's sha256).

    A new build changes sw.js itself, which is what makes browsers install the new
    worker and cache the new files, instead of serving the old ones forever.
    """
    import hashlib

    files = [f for f in content["files"] if f["path"] != "sw.js"]
    build = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    worker = dist / "sw.js"
    worker.write_text(worker.read_text().replace("__PYTFJS_BUILD__", build))
    return build


def write_manifest(dist: Path, version: str) -> dict[str, Any]:
    """List every served file (path, size, sha256); the .gz twins are encodings, not files."""
    files = []
    for path in sorted(dist.rglob("*")):
        rel = path.relative_to(dist).as_posix()
        if not path.is_file() or rel == MANIFEST or path.suffix == ".gz":
            continue
        files.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)})
    manifest = {"name": "pytfjs", "version": version, "files": files}
    (dist / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest
