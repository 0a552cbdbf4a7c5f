"""node_modules: install with `npm ci` when missing or stale, then vendor pinned files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from . import config
from .integrity import IntegrityError, sha256_file, verify

_STAMP = ".pytfjs-lock.sha256"


def _lock_digest() -> str:
    return hashlib.sha256((config.ROOT / "package-lock.json").read_bytes()).hexdigest()


def ensure_node_modules() -> None:
    """Run `npm ci` unless node_modules was installed from this exact package-lock.json."""
    stamp = config.NODE_MODULES / _STAMP
    digest = _lock_digest()
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed: install Node.js 20 and npm, then run this again.")
    print("npm ci (node_modules missing or out of date) ...", flush=True)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=config.ROOT, check=True
    )
    stamp.write_text(digest + "\n")


def load_lock() -> dict[str, str]:
    return json.loads(config.VENDOR_LOCK.read_text())


def write_lock(node_modules: Path = config.NODE_MODULES) -> dict[str, str]:
    """Pin the current node_modules files (used only after a deliberate version bump)."""
    lock = {dest: sha256_file(node_modules / src) for dest, src in sorted(config.NPM_FILES.items())}
    config.VENDOR_LOCK.write_text(json.dumps(lock, indent=2) + "\n")
    return lock


def vendor_npm_files(dist: Path, node_modules: Path = config.NODE_MODULES) -> list[str]:
    """Copy each pinned runtime file into dist/ after checking its sha256."""
    lock = load_lock()
    written = []
    for dest, src in config.NPM_FILES.items():
        source = node_modules / src
        if dest not in lock:
            raise IntegrityError(f"{dest} has no pinned sha256 in {config.VENDOR_LOCK.name}")
        if not source.is_file():
            raise IntegrityError(f"{dest}: {source} is missing; run `npm ci`.")
        verify(source, lock[dest], dest, f"npm package file node_modules/{src}")
        target = dist / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(dest)
    return written
