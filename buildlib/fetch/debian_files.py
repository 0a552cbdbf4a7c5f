"""Files out of a pinned Debian package file (.deb), fetched and unpacked without installing.

A data set Debian packages (Fashion-MNIST) must be in every build, also on a machine without
the package installed, without root, or not running Debian at all. So the build fetches the
package file itself: from the cache, else its pinned pool URL on deb.debian.org, else with
``apt-get download`` (which uses this machine's apt sources and proxies). The file is checked
against its sha256 in ``inputs.py``; a .deb is an ``ar`` archive holding ``data.tar.*``, which
Python's ``tarfile`` reads, so no dpkg is needed. Each extracted file has its own pin too.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file, verify


def fetch_deb(package: inputs.Package, cache: Path | None = None) -> Path:
    """The pinned .deb of ``package``, from the cache, its pool URL or ``apt-get download``."""
    if package.registry != "debian" or package.sha256 is None:
        raise ValueError(f"{package.name} is not a Debian package file pinned by sha256")
    folder = (cache or config.cache_dir()).parent / "debian"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{package.name}_{package.version.replace(':', '%3a')}_all.deb"
    if target.is_file() and sha256_file(target) == package.sha256:
        return target
    errors = []
    try:
        print(f"  fetching Debian's {package.name} {package.version} package file ...",
              flush=True)
        part = target.with_suffix(".part")
        with urllib.request.urlopen(package.url, timeout=60) as response, \
                open(part, "wb") as out:  # noqa: S310 (a pinned URL, checked by sha256)
            shutil.copyfileobj(response, out)
        part.replace(target)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        errors.append(f"{package.url}: {exc}")
        if shutil.which("apt-get"):
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run(
                    ["apt-get", "download", f"{package.name}={package.version}"], cwd=tmp,
                    capture_output=True, text=True, check=False)
                found = sorted(Path(tmp).glob("*.deb"))
                if found:
                    shutil.move(str(found[0]), target)
                else:
                    errors.append("apt-get download: " + (done.stderr.strip() or "no file"))
    if not target.is_file():
        raise SystemExit(f"Could not fetch Debian's {package.name} {package.version} "
                         f"({'; '.join(errors)}). Put the package file at {target} by hand, "
                         "or run `apt-get update` first if apt-get knows no such package.")
    verify(target, package.sha256, target.name, f"Debian {package.name}")
    return target


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of an ``ar`` archive (the container of a .deb), by name."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive (a .deb starts with '!<arch>')")
    members, pos = {}, 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        if header[58:60] != b"`\n":
            raise ValueError(f"damaged ar header at byte {pos}")
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)  # members are aligned to even offsets
    return members


def extract(deb: Path, folder: str, pins: tuple[inputs.File, ...], target: Path) -> Path:
    """Write each pinned file of ``folder`` (an absolute path in the package, e.g.
    ``/usr/share/datasets/x``) from ``deb`` into ``target``, checked against its sha256."""
    members = ar_members(deb.read_bytes())
    data_name = next((n for n in members if n.startswith("data.tar")), None)
    if data_name is None:
        raise ValueError(f"{deb.name} has no data.tar member")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(members[data_name])) as archive:
        names = {m.name.removeprefix("./"): m for m in archive.getmembers() if m.isfile()}
        for pin in pins:
            inside = f"{folder.strip('/')}/{pin.path}"
            if inside not in names:
                raise IntegrityError(f"{deb.name} has no file {inside}")
            handle = archive.extractfile(names[inside])
            data = handle.read() if handle else b""
            if hashlib.sha256(data).hexdigest() != pin.sha256:
                raise IntegrityError(f"sha256 mismatch for {inside} in {deb.name}")
            (target / pin.path).write_bytes(data)
    return target
