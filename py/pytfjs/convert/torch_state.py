"""PyTorch state dicts (``.pth``) read with numpy alone: no torch, and no code run.

``torch.save(model.state_dict(), path)`` has written two formats:

- legacy (torch < 1.6): five pickles in a row (a magic number, the protocol version,
  system info, the state dict, the list of storage keys), then each storage's raw bytes,
  each preceded by its element count as an int64;
- zip (torch >= 1.6): ``<archive>/data.pkl`` holds the state dict and
  ``<archive>/data/<key>`` each storage's raw bytes.

In both, tensors are pickled as calls of ``torch._utils._rebuild_tensor_v2`` on storages
named by *persistent ids*. A pickle can name any importable callable, so a plain
``pickle.load`` of a downloaded ``.pth`` runs whatever code its author chose.
:class:`StateDictUnpickler` resolves only the few globals a state dict needs, each to a
numpy stand-in defined here, and refuses every other one (``os.system``,
``builtins.eval``, ...) with :class:`TorchStateError` before anything is called.
"""

from __future__ import annotations

import collections
import io
import math
import os
import pickle
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .. import limits
from ..i18n import _

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# torch.<Name>Storage -> numpy dtype (bfloat16 has no numpy type and is refused)
STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"), "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"), "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"), "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"), "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class TorchStateError(ValueError):
    """A file that is not a plain PyTorch state dict; the message says which and why."""


@dataclass(frozen=True)
class StorageType:
    """Stand-in for ``torch.FloatStorage`` and friends: only their element type matters."""

    name: str
    dtype: np.dtype[Any]


@dataclass
class Storage:
    """One storage: ``numel`` elements of ``dtype``; ``data`` is filled once read."""

    key: str
    dtype: np.dtype[Any]
    numel: int
    data: NDArray[Any] | None = None


@dataclass
class TensorRef:
    """What ``_rebuild_tensor_v2`` returns here; becomes a numpy array once storages are read.

    (The legacy format stores the bytes *after* the pickle, so tensors resolve later.)
    """

    storage: Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self, source: str, name: str) -> NDArray[Any]:
        data = self.storage.data
        if not isinstance(data, np.ndarray):
            raise TorchStateError(_("{source}: the data of tensor {name!r} is missing "
                                  "(a truncated or damaged file?)")
                                      .format(source=source, name=name))
        if len(self.shape) != len(self.stride):
            raise TorchStateError(_("{source}: tensor {name!r} has {n} sizes "
                                  "but {n2} strides")
                                      .format(source=source, name=name, n=len(self.shape),
                                              n2=len(self.stride)))
        if any(d < 0 for d in self.shape) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise TorchStateError(_("{source}: tensor {name!r} has a negative size or stride")
                                  .format(source=source, name=name))
        last = self.offset + sum((d - 1) * s for d, s in zip(self.shape, self.stride,
                                                            strict=True) if d > 0)
        nbytes = data.dtype.itemsize * math.prod(self.shape)
        if nbytes > limits.ARRAY_MAX_BYTES:
            raise TorchStateError(_("{source}: tensor {name!r} of shape {shape} would be "
                                    "{size}; arrays up to {limit} are read")
                                  .format(source=source, name=name, shape=self.shape,
                                          size=limits.size_text(nbytes),
                                          limit=limits.size_text(limits.ARRAY_MAX_BYTES)))
        if 0 in self.shape:
            return np.zeros(self.shape, data.dtype.newbyteorder("="))
        if last >= data.size:
            raise TorchStateError(_("{source}: tensor {name!r} reaches past the end of its "
                                  "storage ({value} > {size} elements)")
                                      .format(source=source, name=name, value=last + 1,
                                              size=data.size))
        item = data.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.shape, strides=[s * item for s in self.stride],
            writeable=False)
        return np.array(view, dtype=data.dtype.newbyteorder("="), order="C")


def _rebuild_tensor_v2(storage: Storage, storage_offset: int, size: tuple[Any, ...],
                       stride: tuple[Any, ...],
                       requires_grad: bool = False, backward_hooks: Any = None,
                       metadata: Any = None) -> TensorRef:
    if not isinstance(storage, Storage):
        raise TorchStateError(_("a tensor is built from something that is not a storage"))
    return TensorRef(storage, int(storage_offset), tuple(int(d) for d in size),
                     tuple(int(s) for s in stride))


def _rebuild_parameter(data: TensorRef, requires_grad: bool = False,
                       backward_hooks: Any = None) -> TensorRef:
    return data


# Everything a state dict's pickle may name. Anything else is refused.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): StorageType(name, dtype) for name, dtype in STORAGE_DTYPES.items()},
}


class StateDictUnpickler(pickle.Unpickler):
    """An unpickler that knows only the globals in :data:`ALLOWED_GLOBALS`.

    ``storage_loader(storage_type, key, numel)`` gives the :class:`Storage` a persistent
    id names (the two file formats find the bytes differently).
    """

    def __init__(self, file: IO[bytes], source: str,
                 storage_loader: Callable[[StorageType, str, int], Storage] | None = None
                 ) -> None:
        super().__init__(file)
        self.source = source
        self.storage_loader = storage_loader

    def find_class(self, module: str, name: str) -> Any:
        found = ALLOWED_GLOBALS.get((module, name))
        if found is None:
            hint = (" (bfloat16 weights: save them with .float() first)"
                    if name == "BFloat16Storage" else "")
            raise TorchStateError(
                _("{source} asks for {module}.{name}, which a PyTorch state dict never "
                "needs{hint}. It was not loaded: a pickle can run any code it names. "
                "Use a file saved with torch.save(model.state_dict(), path) from a source "
                "you trust.").format(source=self.source, module=module, name=name, hint=hint))
        return found

    def persistent_load(self, pid: Any) -> Any:
        if (not isinstance(pid, tuple) or len(pid) < 5 or pid[0] not in ("storage", b"storage")
                or self.storage_loader is None):
            raise TorchStateError(_("{source}: unexpected persistent id {pid!r:.80}; "
                                  "this is not a PyTorch state dict")
                                      .format(source=self.source, pid=pid))
        storage_type, key, numel = pid[1], str(pid[2]), pid[4]
        if not isinstance(storage_type, StorageType) or not isinstance(numel, int):
            raise TorchStateError(_("{source}: storage {key!r} has an unknown type")
                                  .format(source=self.source, key=key))
        if len(pid) > 5 and pid[5] is not None:
            raise TorchStateError(_("{source}: storage views are not supported")
                                  .format(source=self.source))
        return self.storage_loader(storage_type, key, numel)


def _unpickle(data: bytes | IO[bytes], source: str,
              loader: Callable[..., Any] | None = None) -> Any:
    handle = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        return StateDictUnpickler(handle, source, loader).load()
    except TorchStateError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, struct.error, OverflowError, MemoryError,
            RecursionError) as exc:
        raise TorchStateError(_("{source} is not a readable PyTorch state dict: the file is "
                              "damaged or not a state dict{detail}")
                                  .format(source=source, detail=limits.detail(exc))) from None


def _resolve(value: Any, source: str, name: str = "") -> Any:
    """Replace every :class:`TensorRef` in dicts/lists/tuples by its numpy array."""
    if isinstance(value, TensorRef):
        return value.array(source, name)
    if isinstance(value, dict):
        out = collections.OrderedDict(
            (k, _resolve(v, source, f"{name}.{k}" if name else str(k))) for k, v in value.items())
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve(v, source, name) for v in value)
    return value


def _read_zip(archive: zipfile.ZipFile, source: str) -> Any:
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
    if len(pickles) != 1:
        raise TorchStateError(_("{source} is a zip file but not one torch.save wrote "
                              "(no single data.pkl in it)").format(source=source))
    prefix = pickles[0][: -len("data.pkl")]
    names = set(archive.namelist())
    byteorder = f"{prefix}byteorder"
    if byteorder in names and archive.read(byteorder).strip() != b"little":
        raise TorchStateError(_("{source}: only files saved on little-endian machines")
                              .format(source=source))
    storages: dict[str, Storage] = {}

    def loader(storage_type: StorageType, key: str, numel: int) -> Storage:
        if key not in storages:
            member = f"{prefix}data/{key}"
            if member not in names:
                raise TorchStateError(_("{source}: storage {key!r} is missing from the zip")
                                      .format(source=source, key=key))
            raw = limits.read_member(archive, member, source, TorchStateError)
            if len(raw) < numel * storage_type.dtype.itemsize:
                raise TorchStateError(_("{source}: storage {key!r} is truncated")
                                      .format(source=source, key=key))
            data = np.frombuffer(raw, storage_type.dtype, numel)
            storages[key] = Storage(key, storage_type.dtype, numel, data)
        return storages[key]

    return _resolve(_unpickle(archive.read(pickles[0]), source, loader), source)


def load_state_dict(path: str | os.PathLike[str] | bytes, source: str | None = None
                    ) -> dict[str, NDArray[Any]]:
    """``{name: numpy array}`` of a PyTorch state dict file (either format), no code run.

    ``path`` may also be the file's bytes (then give ``source``, the name for messages).
    Raises :class:`TorchStateError` naming the file for anything else: other globals,
    damaged or truncated data, a pickle that is not a dict of tensors.
    """
    if isinstance(path, bytes):
        data, source = path, source or "the file"
    else:
        data, source = Path(path).read_bytes(), source or str(path)
    if not data:
        raise TorchStateError(_("{source} is empty (0 bytes)").format(source=source))
    try:
        result = _read_any(data, source)
    except TorchStateError:
        raise
    except Exception as exc:  # noqa: BLE001 - the reader's edge for untrusted bytes
        raise TorchStateError(_("{source} is not a readable PyTorch state dict"
                              "{detail}; save it again with "
                              "torch.save(model.state_dict(), path)")
                                  .format(source=source, detail=limits.detail(exc))) from None
    if not isinstance(result, Mapping):
        raise TorchStateError(_("{source} holds a {type}, not a state dict "
                              "(save model.state_dict(), not the model)")
                                  .format(source=source, type=type(result).__name__))
    out: dict[str, NDArray[Any]] = {}
    for name, value in result.items():
        if isinstance(value, np.ndarray):
            out[str(name)] = value
    if not out:
        raise TorchStateError(_("{source} holds no tensors").format(source=source))
    return out


def _read_any(data: bytes, source: str) -> Any:
    """Either format, limits checked from the zip's directory before inflating."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            limits.check_zip(archive, source, TorchStateError)
            return _read_zip(archive, source)
    return _read_legacy_bytes(data, source)


def _read_legacy_bytes(data: bytes, source: str) -> Any:
    handle = io.BytesIO(data)
    magic = _unpickle(handle, source)
    if magic != LEGACY_MAGIC:
        raise TorchStateError(_("{source} is not a PyTorch file (no torch.save magic number)")
                              .format(source=source))
    protocol = _unpickle(handle, source)
    if protocol != LEGACY_PROTOCOL:
        raise TorchStateError(_("{source}: unsupported torch.save protocol {protocol!r}")
                              .format(source=source, protocol=protocol))
    sys_info = _unpickle(handle, source)
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
        raise TorchStateError(_("{source}: only files saved on little-endian machines")
                              .format(source=source))
    storages: dict[str, Storage] = {}

    def loader(storage_type: StorageType, key: str, numel: int) -> Storage:
        if key not in storages:
            storages[key] = Storage(key, storage_type.dtype, numel)
        elif storages[key].dtype != storage_type.dtype:
            raise TorchStateError(_("{source}: storage {key!r} is used with two types")
                                  .format(source=source, key=key))
        return storages[key]

    result = _unpickle(handle, source, loader)
    keys = _unpickle(handle, source)
    if not isinstance(keys, list):
        raise TorchStateError(_("{source}: the storage list is damaged").format(source=source))
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise TorchStateError(_("{source}: storage {key!r} is listed but never used")
                                  .format(source=source, key=key))
        header = handle.read(8)
        if len(header) != 8:
            raise TorchStateError(_("{source} is truncated (storage {key!r} is missing)")
                                  .format(source=source, key=key))
        (count,) = struct.unpack("<q", header)
        size = count * storage.dtype.itemsize
        if count != storage.numel or size > len(data) - handle.tell():
            raise TorchStateError(_("{source}: storage {key!r} holds {count} elements where "
                                  "{numel} are expected, or the file is truncated")
                                      .format(source=source, key=key, count=count,
                                              numel=storage.numel))
        storage.data = np.frombuffer(handle.read(size), storage.dtype)
    return _resolve(result, source)
