"""The restricted .pth reader: exact tensors from both torch.save formats, and no code run.

There is no torch here: files in torch's two formats are written by a small writer in
this file, whose pickles name ``torch.FloatStorage`` and ``torch._utils._rebuild_tensor_v2``
through stand-in modules, exactly as torch's own pickler names them.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pytfjs.convert import torch_state
from pytfjs.convert.torch_state import TorchStateError, load_state_dict

DTYPE_STORAGE = {np.dtype(np.float32): "FloatStorage", np.dtype(np.int64): "LongStorage",
                 np.dtype(np.float16): "HalfStorage", np.dtype(np.uint8): "ByteStorage"}


@pytest.fixture
def fake_torch(monkeypatch):
    """Modules named torch and torch._utils, so pickle can name their globals."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for name in DTYPE_STORAGE.values():
        setattr(torch, name, type(name, (), {"__module__": "torch"}))

    def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    return torch


class _Storage:
    def __init__(self, key: str, data: np.ndarray) -> None:
        self.key, self.data = key, data.copy(order="C").reshape(-1)


class _Tensor:
    """A tensor as torch pickles it: a storage, an offset, a size and strides."""

    def __init__(self, storage: _Storage, offset: int, shape: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride

    def __reduce__(self):
        rebuild = sys.modules["torch._utils"]._rebuild_tensor_v2
        return rebuild, (self.storage, self.offset, self.shape, self.stride, False,
                         collections.OrderedDict())


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            kind = getattr(sys.modules["torch"], DTYPE_STORAGE[obj.data.dtype])
            return ("storage", kind, obj.key, "cpu", obj.data.size, None)
        return None


def _tensors(state: dict[str, np.ndarray]) -> tuple[dict, list[_Storage]]:
    out, storages = collections.OrderedDict(), []
    for name, value in state.items():
        if isinstance(value, _Tensor):
            out[name] = value
            if value.storage not in storages:
                storages.append(value.storage)
            continue
        if not isinstance(value, np.ndarray):  # anything else goes into the pickle as is
            out[name] = value
            continue
        storage = _Storage(str(len(storages)), value)
        storages.append(storage)
        strides = tuple(s // value.itemsize for s in value.copy(order="C").strides)
        out[name] = _Tensor(storage, 0, value.shape, strides)
    return out, storages


def _pickle(obj) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def save_legacy(state: dict) -> bytes:
    """torch < 1.6's format: magic, protocol, sys info, the dict, keys, raw storages."""
    tensors, storages = _tensors(state)
    out = b"".join(pickle.dumps(v, protocol=2) for v in (
        torch_state.LEGACY_MAGIC, torch_state.LEGACY_PROTOCOL,
        {"protocol_version": 1001, "little_endian": True,
         "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    out += _pickle(tensors) + pickle.dumps([s.key for s in storages], protocol=2)
    for s in storages:
        out += struct.pack("<q", s.data.size) + s.data.astype(s.data.dtype.newbyteorder("<"),
                                                              copy=False).tobytes()
    return out


def save_zip(state: dict) -> bytes:
    """torch >= 1.6's format: archive/data.pkl and archive/data/<key>."""
    tensors, storages = _tensors(state)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", _pickle(tensors))
        z.writestr("archive/byteorder", "little")
        for s in storages:
            z.writestr(f"archive/data/{s.key}", s.data.tobytes())
        z.writestr("archive/version", "3\n")
    return buffer.getvalue()


def _state() -> dict:
    rng = np.random.default_rng(0)
    shared = _Storage("shared", rng.normal(size=24).astype(np.float32))
    return collections.OrderedDict([
        ("conv.weight", rng.normal(size=(4, 3, 3, 3)).astype(np.float32)),
        ("bn.num_batches_tracked", np.array(7, np.int64)),
        ("half", rng.normal(size=(5,)).astype(np.float16)),
        ("bytes", np.arange(6, dtype=np.uint8).reshape(2, 3)),
        # a transposed view at an offset into a shared storage
        ("view", _Tensor(shared, 4, (3, 4), (1, 3))),
        ("flat", _Tensor(shared, 0, (24,), (1,))),
    ])


@pytest.mark.parametrize("save", [save_legacy, save_zip])
def test_both_formats_give_exact_arrays(fake_torch, tmp_path: Path, save) -> None:
    state = _state()
    path = tmp_path / "model.pth"
    path.write_bytes(save(state))
    loaded = load_state_dict(path)
    assert list(loaded) == list(state)
    shared = state["flat"].storage.data
    expected = {**{k: v for k, v in state.items() if isinstance(v, np.ndarray)},
                "view": np.lib.stride_tricks.as_strided(shared[4:], (3, 4), (4, 12)),
                "flat": shared}
    for name, array in expected.items():
        assert loaded[name].dtype == array.dtype, name
        np.testing.assert_array_equal(loaded[name], array, err_msg=name)
        assert loaded[name].flags.c_contiguous and loaded[name].flags.writeable


class _Evil:
    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("func,args,named", [
    (os.system, ("echo pwned",), f"{os.system.__module__}.system"),
    (eval, ("1 + 1",), "__builtin__.eval"),
    (getattr, ("text", "upper"), "__builtin__.getattr"),
    (collections.Counter, ("abc",), "collections.Counter"),
])
@pytest.mark.parametrize("save", [save_legacy, save_zip])
def test_any_other_global_is_refused_before_it_runs(fake_torch, tmp_path, monkeypatch, save,
                                                     func, args, named) -> None:
    state = _state()
    state["evil"] = _Evil(func, *args)
    path = tmp_path / "evil.pth"
    path.write_bytes(save(state))
    called = []
    spy = lambda *a: called.append(a) or 0  # noqa: E731
    monkeypatch.setattr(sys.modules[os.system.__module__], "system", spy)  # posix.system
    monkeypatch.setattr(os, "system", spy)
    with pytest.raises(TorchStateError) as info:
        load_state_dict(path)
    message = str(info.value)
    assert str(path) in message and named in message
    assert "was not loaded" in message and "torch.save(model.state_dict()" in message
    assert called == []


def test_bfloat16_gets_a_hint(tmp_path) -> None:
    data = (b"\x80\x02ctorch\nBFloat16Storage\nq\x00.")
    with pytest.raises(TorchStateError, match=r"BFloat16Storage.*\.float\(\)"):
        load_state_dict(data, "bf16.pth")


def test_damaged_files_are_refused_with_the_file_name(fake_torch, tmp_path) -> None:
    good = save_legacy(_state())
    cases = {
        "empty.pth": (b"", "is empty"),
        "text.pth": (b"hello, not a model\n", "not a readable PyTorch state dict"),
        "truncated.pth": (good[:-10], "truncated"),
        "extra.pth": (pickle.dumps(123, protocol=2) + good[10:], "magic number"),
        "list.pth": (b"".join(pickle.dumps(v, protocol=2) for v in (
            torch_state.LEGACY_MAGIC, torch_state.LEGACY_PROTOCOL, {"little_endian": True},
            [1, 2], [])), "holds a list, not a state dict"),
    }
    for name, (data, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(TorchStateError, match=words) as info:
            load_state_dict(path)
        assert name in str(info.value)


def test_a_tensor_past_its_storage_is_refused(fake_torch) -> None:
    storage = _Storage("0", np.zeros(6, np.float32))
    data = save_zip({"w": _Tensor(storage, 2, (2, 3), (3, 1))})
    with pytest.raises(TorchStateError, match="reaches past the end"):
        load_state_dict(data, "bad.pth")


def test_the_crafted_file_would_run_code_under_a_plain_unpickler(fake_torch, monkeypatch) -> None:
    """The refusal above matters: pickle.load of the same bytes calls os.system."""
    data = save_zip({"evil": _Evil(os.system, "echo pwned")})
    called = []
    monkeypatch.setattr(sys.modules[os.system.__module__], "system",
                        lambda *a: called.append(a) or 0)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        plain = pickle.Unpickler(io.BytesIO(z.read("archive/data.pkl")))
        plain.persistent_load = lambda pid: None
        plain.load()
    assert called == [("echo pwned",)]
