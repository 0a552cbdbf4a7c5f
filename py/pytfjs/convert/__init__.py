"""Keras (.h5 / .keras) to TF.js layers-model conversion in pure Python (no TensorFlow).

    from pytfjs.convert import convert_file
    print(convert_file("model.h5", "web_model", quantization="uint8").report())

or ``python -m pytfjs.convert model.h5 web_model``. ``writer`` encodes TF.js files from
numpy arrays (also used by the build's pretrained models); ``hdf5`` reads HDF5 with pyfive
(or h5py); ``keras_file`` finds config and weights in every Keras generation's layout;
``topology`` rewrites the config into the Keras-2 dialect TF.js 4.22 loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from .keras_to_tfjs import Conversion, convert_bytes
from .writer import QUANTIZE_DTYPES, ConvertError, layers_model_files, write_files

__all__ = ["QUANTIZE_DTYPES", "Conversion", "ConvertError", "convert_bytes", "convert_file",
           "layers_model_files", "write_files"]


def convert_file(model_path: str | os.PathLike, out_dir: str | os.PathLike,
                 quantization: str | None = None, reader: str = "pyfive") -> Conversion:
    """Convert ``model_path`` into a new folder ``out_dir`` (all or nothing)."""
    path = Path(model_path)
    if Path(out_dir).exists():
        raise ConvertError(f"{out_dir} already exists; choose a new output folder "
                           "(nothing was written)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConvertError(f"cannot read {path}: {e.strerror or e}") from e
    conversion = convert_bytes(data, path.name, quantization, reader)
    write_files(out_dir, conversion.files)
    return conversion
