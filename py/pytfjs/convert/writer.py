"""TF.js layers-model files (model.json + weight shards) from numpy arrays.

Everything that *writes* the TF.js format lives here, shared by the Keras converter and
the build's pretrained models (MobileNetV2, the text classifier). The encoding matches
tensorflowjs 4.22's ``write_weights.py`` and ``quantization.py``: weights concatenated
little-endian in manifest order, split into 4 MiB shards named
``group1-shard{i}of{N}.bin``; optional affine uint8/uint16 or float16 quantization with
the same manifest entries, so TF.js' own ``decodeWeights`` reads them.

Pure Python + numpy, deterministic: the same input gives the same bytes on CPython and
in Pyodide (tested).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..control import InputError
from ..i18n import _

SHARD_BYTES = 4 * 1024 * 1024
QUANTIZE_DTYPES = ("float16", "uint8", "uint16")
CONVERTED_BY = "pytfjs.convert 0.1.0"


class ConvertError(InputError):
    """A model that cannot be converted; the message says which file and what to do.

    An InputError, so a lab page shows it as a message, not a traceback.
    """


def tfjs_array(name: str, array: Any) -> NDArray[Any]:
    """The array as TF.js stores it: float32 or int32 (float64/int64 narrowed), C order."""
    arr = np.asarray(array)
    if arr.dtype == np.float64 or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype == np.int64 or arr.dtype == np.uint8 or arr.dtype == np.int8:
        arr = arr.astype(np.int32)
    elif arr.dtype == np.bool_:
        arr = arr.astype(np.int32)
    if arr.dtype not in (np.float32, np.int32):
        raise ConvertError(_("weight {name!r} has dtype {dtype}, which TF.js cannot load "
                           "(supported: float16/32/64 and integer types)")
                               .format(name=name, dtype=arr.dtype))
    return np.ascontiguousarray(arr)


def _affine_range(min_val: float, max_val: float, dtype: type[np.unsignedinteger[Any]]
                  ) -> tuple[float, float]:
    """(scale, nudged min) so that 0 is exactly representable, as TF-Lite/tfjs do."""
    quant_max = np.iinfo(dtype).max
    scale = (max_val - min_val) / quant_max
    if min_val <= 0 <= max_val:
        nudged_zero = np.round((0 - min_val) / scale)
        min_val = -nudged_zero * scale
    return float(scale), float(min_val)


def quantize(data: NDArray[Any], dtype_name: str) -> tuple[NDArray[Any], dict[str, Any]]:
    """(quantized array, manifest ``quantization`` entry) for one float32 weight."""
    if dtype_name == "float16":
        return data.astype(np.float16), {"dtype": "float16", "original_dtype": "float32"}
    dtypes: dict[str, type[np.unsignedinteger[Any]]] = {"uint8": np.uint8, "uint16": np.uint16}
    dtype = dtypes.get(dtype_name)
    if dtype is None:
        raise ConvertError(_("unknown quantization {dtype_name!r}; "
                           "use one of {items}")
                               .format(dtype_name=dtype_name, items=', '.join(QUANTIZE_DTYPES)))
    min_val = data.min().astype(np.float64) if data.size else np.float64(0)
    max_val = data.max().astype(np.float64) if data.size else np.float64(0)
    if min_val == max_val:
        scale, low = 1.0, float(min_val)
        q = np.zeros_like(data, dtype=dtype)
    else:
        scale, low = _affine_range(float(min_val), float(max_val), dtype)
        high = np.iinfo(dtype).max * scale + low
        q = np.round((data.clip(low, high) - low) / scale).astype(dtype)
    return q, {"dtype": dtype_name, "min": low, "scale": scale, "original_dtype": "float32"}


def dequantize(data: NDArray[Any], entry: Mapping[str, Any]) -> NDArray[Any]:
    """Inverse of :func:`quantize` (what TF.js does when it loads the weight)."""
    if entry["dtype"] == "float16":
        return data.astype(np.float32)
    values: NDArray[Any] = (data.astype(np.float64) * entry["scale"] + entry["min"]).astype(
        np.float32)
    return values


def encode_weights(weights: Iterable[tuple[str, Any]], quantization: str | None = None,
                   shard_bytes: int = SHARD_BYTES) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """(weightsManifest, {shard file name: bytes}) for one weight group.

    ``weights`` is ``(name, array)`` pairs in the order the model's layers list them.
    Only float32 weights are quantized; int32 ones are stored as they are.
    """
    if quantization is not None and quantization not in QUANTIZE_DTYPES:
        raise ConvertError(_("unknown quantization {quantization!r}; "
                           "use one of {items}")
                               .format(quantization=quantization, items=', '.join(QUANTIZE_DTYPES)))
    specs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    seen: set[str] = set()
    for name, array in weights:
        if name in seen:
            raise ConvertError(_("two weights are both named {name!r}").format(name=name))
        seen.add(name)
        arr = tfjs_array(name, array)
        spec: dict[str, Any] = {"name": name, "shape": list(arr.shape),
                                "dtype": "float32" if arr.dtype == np.float32 else "int32"}
        if quantization and arr.dtype == np.float32:
            arr, spec["quantization"] = quantize(arr, quantization)
        specs.append(spec)
        chunks.append(arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes())
    data = b"".join(chunks)
    count = max(1, math.ceil(len(data) / shard_bytes))
    files = {f"group1-shard{i + 1}of{count}.bin": data[i * shard_bytes:(i + 1) * shard_bytes]
             for i in range(count)}
    return [{"paths": list(files), "weights": specs}], files


def decode_weights(manifest: list[dict[str, Any]], files: Mapping[str, bytes]
                   ) -> dict[str, NDArray[Any]]:
    """{name: float32/int32 array} back from a manifest and its shards (for tests, tools)."""
    out: dict[str, NDArray[Any]] = {}
    for group in manifest:
        data = b"".join(files[path] for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            q = spec.get("quantization")
            dtype = np.dtype(q["dtype"] if q else spec["dtype"]).newbyteorder("<")
            count = int(np.prod(spec["shape"], dtype=np.int64))
            arr = np.frombuffer(data, dtype, count, offset).reshape(spec["shape"])
            offset += count * dtype.itemsize
            out[spec["name"]] = dequantize(arr, q) if q else arr.astype(dtype.newbyteorder("="))
    return out


def model_json(topology: Mapping[str, Any], manifest: list[dict[str, Any]],
               generated_by: str = "", converted_by: str = CONVERTED_BY) -> dict[str, Any]:
    """The model.json dict (keys in the order tensorflowjs writes them)."""
    return {"format": "layers-model", "generatedBy": generated_by,
            "convertedBy": converted_by, "modelTopology": dict(topology),
            "weightsManifest": manifest}


def layers_model_files(topology: Mapping[str, Any], weights: Iterable[tuple[str, Any]],
                       quantization: str | None = None, generated_by: str = "",
                       shard_bytes: int = SHARD_BYTES) -> dict[str, bytes]:
    """``{"model.json": ..., "group1-shard1of1.bin": ...}``: a complete TF.js layers model."""
    manifest, shards = encode_weights(weights, quantization, shard_bytes)
    doc = model_json(topology, manifest, generated_by)
    return {"model.json": json.dumps(doc).encode(), **shards}


def write_files(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> Path:
    """Write ``files`` into a new ``out_dir``, all or nothing.

    Refuses an existing ``out_dir`` (nothing a user made is overwritten); the files go to a
    temporary sibling that is renamed into place only when all are written.
    """
    out = Path(out_dir)
    if out.exists():
        raise ConvertError(_("{out} already exists; choose a new output folder "
                           "(nothing was written)").format(out=out))
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
