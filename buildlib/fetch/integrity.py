"""sha256 checks: every vendored byte is compared with a pinned digest."""

from __future__ import annotations

import hashlib
from pathlib import Path


class IntegrityError(RuntimeError):
    """A vendored file does not match its pinned sha256; the build must stop."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str, name: str, source: str) -> None:
    """Raise IntegrityError naming ``name`` when ``path`` does not hash to ``expected``."""
    actual = sha256_file(path)
    if actual != expected:
        raise IntegrityError(
            f"sha256 mismatch for {name} (from {source}):\n"
            f"  expected {expected}\n  got      {actual}\n"
            f"  file: {path}\n"
            "Refusing to vendor it. Delete the file so the build fetches a fresh copy, "
            "or, if you changed a pinned version on purpose, update its pin in "
            "buildlib/fetch/inputs.py (npm files: `python3 build.py lock-vendor` does that)."
        )
