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

from .. import limits
from ..i18n import _
from .keras_to_tfjs import Conversion
from .keras_to_tfjs import convert_bytes as _convert_bytes
from .writer import QUANTIZE_DTYPES, ConvertError, layers_model_files, write_files

__all__ = ["QUANTIZE_DTYPES", "Conversion", "ConvertError", "convert_bytes", "convert_file",
           "layers_model_files", "write_files"]


def convert_bytes(data: bytes, filename: str, quantization: str | None = None,
                  reader: str = "pyfive") -> Conversion:
    """Convert a Keras file's bytes; raises only ConvertError (a message, never a traceback).

    The readers check the limits and explain their own failures; this is the last edge,
    for a file damaged in a way no check foresaw (a config whose layers are not dicts...).
    """
    try:
        return _convert_bytes(data, filename, quantization, reader)
    except ConvertError:
        raise
    except MemoryError as e:
        raise ConvertError(_("{filename} needs more memory than is free here; try a smaller "
                           "model, or convert it on the command line")
                               .format(filename=filename)) from e
    except Exception as e:  # noqa: BLE001 - the edge for untrusted files
        raise ConvertError(_("{filename} could not be converted: the file is damaged or holds "
                           "something this converter does not know{detail}. Save "
                           "the model again and convert the new file")
                               .format(filename=filename, detail=limits.detail(e))) from e


def convert_file(model_path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                 quantization: str | None = None, reader: str = "pyfive") -> Conversion:
    """Convert ``model_path`` into a new folder ``out_dir`` (all or nothing)."""
    path = Path(model_path)
    if Path(out_dir).exists():
        raise ConvertError(_("{out_dir} already exists; choose a new output folder "
                           "(nothing was written)").format(out_dir=out_dir))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConvertError(_("cannot read {path}: {value}")
                           .format(path=path, value=e.strerror or e)) from e
    conversion = convert_bytes(data, path.name, quantization, reader)
    write_files(out_dir, conversion.files)
    return conversion
