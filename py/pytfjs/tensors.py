"""numpy <-> TF.js tensors by typed-array copies (never ``tolist()``: ~130x slower).

TF.js has three numeric dtypes: float32, int32 and bool. :func:`plan` (pure Python)
decides how a numpy array maps onto one of them, refusing lossy casts with a clear
message; :func:`js_tensor` and :func:`to_numpy` do the copies in the browser.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _compat
from .i18n import _

TF_DTYPES = {"float32": np.dtype("float32"), "int32": np.dtype("int32"), "bool": np.dtype("bool")}
_INT32 = np.iinfo(np.int32)


def tf_dtype_for(array: NDArray[Any]) -> str:
    """The TF.js dtype a numpy array becomes when no dtype is asked for."""
    kind = array.dtype.kind
    if kind == "b":
        return "bool"
    if kind in "iu":
        return "int32"
    if kind == "f":
        return "float32"
    raise TypeError(
        _("TensorFlow.js has no dtype for numpy {dtype}; convert to float32, int32 or bool")
            .format(dtype=array.dtype)
    )


def plan(data: Any, dtype: str | None = None) -> tuple[NDArray[Any], str]:
    """A C-contiguous array in the exact numpy dtype of the tensor, and that dtype's name.

    float64 and float16 are cast to float32 (TF.js computes in float32). Integer
    arrays are cast to int32 only when every value fits; otherwise ValueError.
    """
    array = np.asarray(data)
    name = dtype or tf_dtype_for(array)
    if name not in TF_DTYPES:
        raise ValueError(_("dtype must be one of {items}, not {name!r}")
                         .format(items=', '.join(TF_DTYPES), name=name))
    if name == "int32" and array.dtype.kind in "iu" and array.size:
        lo, hi = array.min(), array.max()
        if lo < _INT32.min or hi > _INT32.max:
            raise ValueError(
                _("values from {lo} to {hi} do not fit int32 (TF.js has no int64); "
                "rescale them or use float32").format(lo=lo, hi=hi)
            )
    if name == "int32" and array.dtype.kind == "f":
        if array.size and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise ValueError(_("float values with fractions or NaN cannot become int32 exactly"))
    # np.asarray keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d)
    return np.asarray(array, dtype=TF_DTYPES[name], order="C"), name


def js_tensor(data: Any, dtype: str | None = None) -> Any:
    """A new raw TF.js tensor holding a copy of ``data`` (numpy array, list or scalar)."""
    tf = _compat.tf_module()
    array, name = plan(data, dtype)
    flat: NDArray[Any] = array.reshape(-1)
    if name == "bool":
        flat = flat.view(np.uint8)
    values = _compat.to_js(flat)
    shape = _compat.to_js(list(array.shape))
    return tf.tensor(values, shape, name)


def _empty_like(raw: Any) -> NDArray[Any]:
    dtype = TF_DTYPES.get(str(raw.dtype))
    if dtype is None:
        raise TypeError(_("cannot copy a {dtype} tensor to numpy").format(dtype=raw.dtype))
    return np.empty(tuple(int(d) for d in raw.shape), dtype=dtype)


def _fill(out: NDArray[Any], values: Any) -> NDArray[Any]:
    if out.size:
        values.assign_to(out.reshape(-1).view(np.uint8) if out.dtype == np.bool_ else out)
    return out


def to_numpy(tensor: Any) -> NDArray[Any]:
    """Copy a tensor into a new numpy array (blocks until the backend has computed it)."""
    raw = getattr(tensor, "js", tensor)
    out = _empty_like(raw)
    return _fill(out, _compat.tensor_values(raw))


async def to_numpy_async(tensor: Any) -> NDArray[Any]:
    """Like :func:`to_numpy` but waits for the data without blocking the page (WebGL)."""
    raw = getattr(tensor, "js", tensor)
    out = _empty_like(raw)
    return _fill(out, await raw.data())
