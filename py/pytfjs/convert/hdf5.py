"""Read-only HDF5 access for Keras files: pyfive (pure Python) or, where installed, h5py.

Both give the same small view - groups, decoded attributes, numpy datasets - so the
converter's output does not depend on which one read the file (tested). pyfive 0.4.0
needs only numpy, so the same code runs in Pyodide, where h5py is not available offline.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ..i18n import _
from .writer import ConvertError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_hdf5(data: bytes) -> bool:
    """HDF5 files start with the signature at 0, or after a 512 * 2**n byte user block."""
    offset = 0
    while offset + 8 <= len(data):
        if data[offset:offset + 8] == HDF5_SIGNATURE:
            return True
        offset = 512 if offset == 0 else offset * 2
    return False


def declared_size(data: bytes) -> int | None:
    """The end-of-file address the superblock declares (None if it cannot be read).

    A file shorter than that was cut off (an interrupted copy or download); readers
    otherwise fail late and obscurely, or see groups vanish.
    """
    offset = 0
    while offset + 8 <= len(data) and data[offset:offset + 8] != HDF5_SIGNATURE:
        offset = 512 if offset == 0 else offset * 2
    version = data[offset + 8] if offset + 9 <= len(data) else None
    if version in (0, 1):
        size_of_offsets = data[offset + 13]
        eof_at = offset + (24 if version == 0 else 28) + 2 * size_of_offsets
    elif version in (2, 3):
        size_of_offsets = data[offset + 9]
        eof_at = offset + 12 + 2 * size_of_offsets
    else:
        return None
    if size_of_offsets != 8 or eof_at + 8 > len(data):
        return None
    return offset + int.from_bytes(data[eof_at:eof_at + 8], "little")


def _patch_pyfive() -> None:
    """Two fixes to pyfive 0.4.0 for in-memory files (both keep its behaviour on disk)."""
    _patch_pyfive_global_heap()
    _patch_pyfive_contiguous_data()


def _patch_pyfive_contiguous_data() -> None:
    """pyfive memory-maps contiguous datasets, which needs a real file descriptor.

    Files here are bytes (an upload in the page, a zip member), so read the bytes
    instead; a short read means the file is truncated.
    """
    from pyfive import dataobjects

    original = dataobjects.DataObjects._get_contiguous_data
    if getattr(original, "_pytfjs_patched", False):
        return

    def contiguous(self: Any, property_offset: int) -> Any:
        if not isinstance(self.fh, io.BytesIO) or not isinstance(self.dtype, (str, np.dtype)):
            return original(self, property_offset)
        data_offset, = struct.unpack_from("<Q", self.msg_data, property_offset)
        if data_offset == dataobjects.UNDEFINED_ADDRESS:
            return original(self, property_offset)
        dtype = np.dtype(self.dtype)
        count = int(np.prod(self.shape, dtype=np.int64))
        buffer = self.fh.getbuffer()
        end = data_offset + count * dtype.itemsize
        if end > len(buffer):
            raise ValueError(_("dataset needs bytes up to {end}, the file has {n}")
                             .format(end=end, n=len(buffer)))
        return np.frombuffer(buffer, dtype, count, data_offset).reshape(self.shape).copy()

    contiguous._pytfjs_patched = True  # type: ignore[attr-defined]
    dataobjects.DataObjects._get_contiguous_data = contiguous


def _patch_pyfive_global_heap() -> None:
    """pyfive 0.4.0 reads past a global heap collection whose free space is < 16 bytes.

    The HDF5 spec omits the free-space object then; tf-keras writes such heaps for
    variable-length string attributes (``weight_names``). Stop when no full object
    header fits, as h5py/libhdf5 does.
    """
    from pyfive import misc_low_level as low

    if getattr(low.GlobalHeap, "_pytfjs_patched", False):
        return

    def objects(self: Any) -> dict[str, Any]:
        if self._objects is None:
            found: dict[str, Any] = {}
            offset, data = 0, self.heap_data
            while offset + low.GLOBAL_HEAP_OBJECT_SIZE <= len(data):
                info = low._unpack_struct_from(low.GLOBAL_HEAP_OBJECT, data, offset)
                if info["object_index"] == 0:
                    break
                offset += low.GLOBAL_HEAP_OBJECT_SIZE
                found[info["object_index"]] = data[offset:offset + info["object_size"]]
                offset += low._padded_size(info["object_size"])
            self._objects = found
        objects: dict[str, Any] = self._objects
        return objects

    low.GlobalHeap.objects = property(objects)
    low.GlobalHeap._pytfjs_patched = True


def _text(value: Any) -> Any:
    """Attribute values as Python text/lists (HDF5 hands back bytes and object arrays)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OSU":
            return [_text(v) for v in value.tolist()]
        if value.size == 0:
            return []
        return value.tolist() if value.ndim else value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


@contextmanager
def _reading(filename: str) -> Iterator[None]:
    """The reader's edge: whatever pyfive/h5py raise on a damaged file becomes a message.

    A hostile file reaches code paths no test of the reader covered (pyfive raises
    ``InvalidHDF5File``, ``struct.error``, ``OverflowError``, ``KeyError``...); the
    learner gets one ConvertError naming the file, never a traceback.
    """
    try:
        yield
    except ConvertError:
        raise
    except ImportError as e:
        raise ConvertError(_("the HDF5 reader {name} is not installed here; use the "
                           "default reader (pyfive)").format(name=e.name)) from e
    except NotImplementedError as e:
        raise ConvertError(_("{filename} uses an HDF5 feature the pure-Python reader lacks "
                           "({e}); save the model again with default settings")
                               .format(filename=filename, e=e)) from e
    except Exception as e:  # noqa: BLE001 - third-party reader on untrusted bytes
        raise damaged(filename, e) from e


class Group:
    """One HDF5 group: ``attrs`` (decoded), ``keys()``, ``group(name)``, ``array(name)``."""

    def __init__(self, obj: Any, path: str, filename: str, file_bytes: int = 0) -> None:
        self._obj = obj
        self.path = path
        self.filename = filename
        self.file_bytes = file_bytes  # the file's length: no dataset can decode to more

    @property
    def attrs(self) -> dict[str, Any]:
        with _reading(self.filename):
            return {str(k): _text(v) for k, v in self._obj.attrs.items()}

    def attr_list(self, name: str) -> list[str] | None:
        """A string-list attribute, joining Keras' ``name0, name1, ...`` chunks (>64 KB)."""
        attrs = self.attrs
        if name in attrs:
            value = attrs[name]
            return [value] if isinstance(value, str) else list(value)
        chunks: list[str] = []
        i = 0
        while f"{name}{i}" in attrs:
            value = attrs[f"{name}{i}"]
            chunks.extend([value] if isinstance(value, str) else value)
            i += 1
        return chunks if i else None

    def keys(self) -> list[str]:
        with _reading(self.filename):
            return [str(k) for k in self._obj.keys()]

    def __contains__(self, name: str) -> bool:
        try:
            with _reading(self.filename):
                self._obj[name]
        except ConvertError:
            return False
        return True

    def is_group(self, name: str) -> bool:
        with _reading(self.filename):
            return hasattr(self._obj[name], "keys")

    def group(self, name: str) -> Group:
        with _reading(self.filename):
            obj = self._obj[name]
        return Group(obj, f"{self.path.rstrip('/')}/{name}", self.filename, self.file_bytes)

    def array(self, name: str) -> NDArray[Any]:
        with _reading(self.filename):
            dataset = self._obj[name]
            self._check_size(dataset, name)
            return np.array(dataset[()])

    def _check_size(self, dataset: Any, name: str) -> None:
        """Refuse a dataset the file cannot hold before the reader allocates it."""
        if not self.file_bytes or not hasattr(dataset, "shape"):
            return
        shape = tuple(dataset.shape or ())
        dtype = dataset.dtype
        itemsize = dtype.itemsize if isinstance(dtype, np.dtype) else 8
        low = getattr(dataset, "_dataobjects", None)
        if low is not None:  # pyfive: filters are known once the chunk params are read
            low._get_chunk_params()
            compressed = bool(low._filter_ids)
        else:
            compressed = bool(getattr(dataset, "compression", None))
        limits.check_dataset(shape, itemsize, compressed, self.file_bytes,
                             f"{self.filename} ({self.path.rstrip('/')}/{name})", ConvertError)

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Group, str]]:
        """(path, parent group, dataset name) for every dataset below, sorted."""
        for key in sorted(self.keys()):
            if self.is_group(key):
                yield from self.group(key).walk(f"{prefix}{key}/")
            else:
                yield f"{prefix}{key}", self, key


def damaged(filename: str, error: BaseException) -> ConvertError:
    return ConvertError(f"{filename}: the HDF5 file is truncated or damaged"
                        f"{limits.detail(error)}; save the model again and convert the new "
                        "file")


def open_hdf5(data: bytes, filename: str, reader: str = "pyfive") -> Group:
    """The root group of an in-memory HDF5 file. ``reader`` is "pyfive" or "h5py"."""
    if not is_hdf5(data):
        raise ConvertError(_("{filename} is not an HDF5 file (no HDF5 signature); expected a "
                           "Keras model saved as .h5/.hdf5 or a .keras zip")
                               .format(filename=filename))
    expected = declared_size(data)
    if expected is not None and len(data) < expected:
        raise ConvertError(_("{filename}: the HDF5 file is truncated or damaged (it has "
                           "{n:,} of its {expected:,} bytes); copy or save the "
                           "model again and convert the complete file")
                               .format(filename=filename, n=len(data), expected=expected))
    with _reading(filename):
        if reader == "h5py":
            import h5py

            root = h5py.File(io.BytesIO(data), "r")
        elif reader == "pyfive":
            _patch_pyfive()
            import pyfive

            root = pyfive.File(io.BytesIO(data))
        else:
            raise ConvertError(_("unknown HDF5 reader {reader!r}: use pyfive or h5py")
                               .format(reader=reader))
    return Group(root, "/", filename, len(data))
