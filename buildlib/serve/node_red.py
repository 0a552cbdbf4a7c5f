"""The Node-RED node package: an installable tarball with its small dependencies inside.

``pack(dest)`` copies ``node-red-contrib-pytfjs/`` to a temporary folder, puts the pinned
copies of its pure-JS dependencies (pngjs, jpeg-js, fflate: ``bundleDependencies``) from
this repository's ``node_modules`` (installed by ``npm ci`` from package-lock.json) into
it, and runs ``npm pack``. The tarball then installs without the npm registry except for
``@tensorflow/tfjs``, a peer dependency: the Node-RED user directory provides the one copy
of TF.js that every node and function node in the process shares.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from buildlib import config

PACKAGE = config.ROOT / "node-red-contrib-pytfjs"


def manifest() -> dict[str, Any]:
    package: dict[str, Any] = json.loads((PACKAGE / "package.json").read_text())
    return package


def pack(dest: Path, node_modules: Path = config.NODE_MODULES) -> Path:
    """Write ``node-red-contrib-pytfjs-<version>.tgz`` into ``dest``; returns its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed: install Node.js 20 and npm.")
    meta = manifest()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pytfjs-node-red-") as tmp:
        work = Path(tmp) / "package"
        shutil.copytree(PACKAGE, work, ignore=shutil.ignore_patterns("node_modules"))
        for name in meta["bundleDependencies"]:
            source = node_modules / name
            version = json.loads((source / "package.json").read_text())["version"]
            if version != meta["dependencies"][name]:
                raise SystemExit(f"node_modules/{name} is {version}, the node package pins "
                                 f"{meta['dependencies'][name]}: run `npm ci`.")
            shutil.copytree(source, work / "node_modules" / name)
        subprocess.run([npm, "pack", "--silent", "--pack-destination", str(dest.resolve())],
                       cwd=work, check=True, capture_output=True)
    tarball = dest / f"{meta['name']}-{meta['version']}.tgz"
    if not tarball.is_file():
        raise SystemExit(f"npm pack did not write {tarball}")
    return tarball


def _closure(packages: dict[str, dict[str, Any]], root: str) -> dict[str, dict[str, Any]]:
    """Lock entries of ``root`` (a node_modules/... key) and everything it needs, keyed as in
    the lock (Node's resolution: a dependency is looked up from the package's own
    node_modules outwards)."""
    wanted, todo = {}, [root]
    while todo:
        key = todo.pop()
        if key in wanted:
            continue
        entry = packages[key]
        wanted[key] = entry
        for dep in {**entry.get("dependencies", {}), **entry.get("optionalDependencies", {})}:
            base = key
            while True:
                candidate = f"{base}/node_modules/{dep}"
                if candidate in packages:
                    todo.append(candidate)
                    break
                if "/node_modules/" not in base:
                    if f"node_modules/{dep}" in packages:
                        todo.append(f"node_modules/{dep}")
                    elif dep not in entry.get("optionalDependencies", {}):
                        raise SystemExit(f"package-lock.json has no {dep} for {key}")
                    break
                base = base.rsplit("/node_modules/", 1)[0]
    return wanted


def user_dir_lock(packages: tuple[str, ...] = ("@tensorflow/tfjs",)
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """package.json and package-lock.json of a Node-RED user directory holding ``packages``
    exactly as this repository pins them (for an `npm ci --offline` from npm's cache)."""
    lock = json.loads((config.ROOT / "package-lock.json").read_text())
    entries_all = lock["packages"]
    deps = {name: entries_all[f"node_modules/{name}"]["version"] for name in packages}
    manifest_ = {"name": "node-red-user-dir", "version": "0.0.0", "private": True,
                 "dependencies": deps}
    entries: dict[str, dict[str, Any]] = {}
    for name in packages:
        for key, value in _closure(entries_all, f"node_modules/{name}").items():
            entries[key] = {k: v for k, v in value.items() if k not in ("dev", "devOptional",
                                                                        "peer")}
    sub = {"name": manifest_["name"], "version": "0.0.0", "lockfileVersion": 3,
           "requires": True, "packages": {"": {"name": manifest_["name"], "version": "0.0.0",
                                               "dependencies": deps}, **entries}}
    return manifest_, sub
