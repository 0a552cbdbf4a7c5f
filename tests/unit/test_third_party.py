"""THIRD_PARTY.md must name every vendored file with the sha256 the build enforces."""

from __future__ import annotations

import json

from buildlib import config, npm, pyodide_packages

TEXT = (config.ROOT / "THIRD_PARTY.md").read_text()


def test_every_npm_file_is_recorded_with_its_sha256():
    for dest, digest in npm.load_lock().items():
        assert f"| `{dest}` |" in TEXT, dest
        assert digest in TEXT, dest


def test_test_only_npm_files_are_recorded_and_never_shipped(dist_dir):
    pins = json.loads((config.ROOT / "package.json").read_text()).get("devDependencies", {})
    for package, version in pins.items():
        assert not version.startswith(("^", "~", ">")), package
        assert f"| {package} | {version} |" in TEXT, package
    for path, digest in config.TEST_NPM_FILES.items():
        assert f"| `{path}` |" in TEXT and digest in TEXT, path
        assert path.split("/")[0] in pins, path
        assert not any(src.startswith(path.split("/")[0] + "/")
                       for src in config.NPM_FILES.values()), path
    shipped = {f["path"] for f in json.loads((dist_dir / "manifest.json").read_text())["files"]}
    assert not [p for p in shipped if "axe" in p]


def test_every_pyodide_wheel_is_recorded_with_the_official_sha256():
    lock = pyodide_packages.official_lock()
    for name in pyodide_packages.closure(lock, config.PYODIDE_PACKAGES):
        entry = lock["packages"][name]
        assert f"| `{entry['file_name']}` | {name} | {entry['version']} |" in TEXT, name
        assert entry["sha256"] in TEXT, name


def test_npm_pins_match_package_json():
    pins = json.loads((config.ROOT / "package.json").read_text())["dependencies"]
    for package, version in pins.items():
        assert not version.startswith(("^", "~", ">")), package
        assert f"| {package} | {version} |" in TEXT, package


def test_every_data_set_is_recorded_with_source_and_sha256(dist_dir):
    from buildlib import datasets
    from buildlib.integrity import sha256_file

    for source, digest in datasets.SOURCES.items():
        assert f"| `{source}` |" in TEXT and digest in TEXT, source
    for path in sorted(p for p in (dist_dir / "data").rglob("*") if p.is_file()):
        rel = path.relative_to(dist_dir).as_posix()
        assert f"| `{rel}` |" in TEXT, rel
        assert sha256_file(path) in TEXT, f"{path.name} changed: update THIRD_PARTY.md"
