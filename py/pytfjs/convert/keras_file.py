"""What a Keras model file holds: its config, Keras version, and each layer's weights.

Three layouts, one answer (see ARCHITECTURE.md, "The Keras converter"):

- ``.h5`` from Keras 1/2, tf.keras and Keras 3: root attribute ``model_config``; weights in
  ``model_weights/<layer>/`` listed by the ``weight_names`` attribute. Names vary by
  generation (``dense/kernel:0``, ``inner/dense/kernel``, Keras 2.0's
  ``batch_normalization_1_1/gamma``), so they are matched to the layer's variables by their
  last part, else by position.
- ``.keras`` (Keras 3 zip): ``config.json`` + ``model.weights.h5`` whose datasets are
  ``layers/<snake_case class>[_n]/vars/<i>`` in each layer's variable order.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

from .. import limits
from ..i18n import _
from .hdf5 import Group, is_hdf5, open_hdf5
from .topology import LayerInfo
from .writer import ConvertError


@dataclass
class KerasFile:
    """A parsed Keras model file; ``weights(layer)`` gives a layer's arrays in order."""

    filename: str
    model_config: dict[str, Any]
    keras_version: str
    backend: str
    _root: Group
    _format: str  # "h5" or "keras"

    def weights(self, layer: LayerInfo) -> list[NDArray[Any]]:
        if self._format == "keras":
            return self._keras3_weights(layer)
        return self._h5_weights(layer)

    # -- .keras ----------------------------------------------------------------------------
    def _keras3_weights(self, layer: LayerInfo) -> list[NDArray[Any]]:
        arrays: list[NDArray[Any]] = []
        for path, count in layer.keras3_groups:  # a wrapper's inner layer(s): one each
            node: Group = self._root
            for part in path.split("/"):
                if part not in node or not node.is_group(part):
                    raise self._missing(layer, _("no weights at {path}").format(path=path))
                node = node.group(part)
            keys = sorted(node.keys(), key=lambda k: int(k) if k.isdigit() else -1)
            if keys != [str(i) for i in range(count)]:
                raise self._missing(layer, _("{path} holds {keys}, expected "
                                    "{count} variables "
                                    "{value}")
                                        .format(path=path, keys=keys, count=count,
                                                value=layer.file_variables or layer.variables))
            arrays += [node.array(k) for k in keys]
        return arrays

    # -- .h5 -------------------------------------------------------------------------------
    def _h5_weights(self, layer: LayerInfo) -> list[NDArray[Any]]:
        top = layer.path[1] if len(layer.path) > 1 else layer.name
        weights_root = self._root.group("model_weights") if "model_weights" in self._root \
            else self._root
        if top not in weights_root:
            raise self._missing(layer, _("no group model_weights/{top}").format(top=top))
        group = weights_root.group(top)
        names = group.attr_list("weight_names") or []
        if top != layer.name:  # a layer inside a nested model: pick its own weights
            names = [n for n in names if layer.name in n.split("/")[:-1]]
        arrays = [group.array(n) for n in names]
        parts = [n.split("/")[-1].split(":")[0] for n in names]
        expected = layer.file_variables or layer.variables
        if sorted(parts) == sorted(expected) and len(set(parts)) == len(parts):
            return [arrays[parts.index(v)] for v in expected]
        if len(arrays) == len(expected):  # Keras 1 ("W", "b"), other spellings
            return arrays
        raise self._missing(layer, _("the file lists {names}, expected {expected}")
                            .format(names=names or _("no weights"), expected=expected))

    def _missing(self, layer: LayerInfo, detail: str) -> ConvertError:
        return ConvertError(_("{filename}: cannot find the weights of layer {layer!r} "
                              "({class_name}): {detail}")
                            .format(filename=self.filename, layer=layer.name,
                                    class_name=layer.class_name, detail=detail))


def _json(text: Any, filename: str, what: str) -> dict[str, Any]:
    if not isinstance(text, (bytes, str)):
        raise ConvertError(_("{filename}: {what} is not text; the file is damaged. Save the "
                           "model again").format(filename=filename, what=what))
    limits.check_json(text, f"{filename}: {what}", ConvertError)  # before json recurses
    try:
        value = json.loads(text.decode() if isinstance(text, bytes) else text)
    except (ValueError, UnicodeDecodeError) as e:
        raise ConvertError(_("{filename}: {what} is not valid JSON ({e})")
                           .format(filename=filename, what=what, e=e)) from e
    except RecursionError as e:  # deeper than this Python's stack, within the limit
        raise ConvertError(_("{filename}: {what} is nested too deeply to read")
                           .format(filename=filename, what=what)) from e
    if not isinstance(value, dict):
        raise ConvertError(_("{filename}: {what} is not a JSON object")
                           .format(filename=filename, what=what))
    return value


def read_keras(data: bytes, filename: str, reader: str = "pyfive") -> KerasFile:
    """Parse a Keras .h5/.hdf5 or .keras file held in memory.

    Raises only ConvertError: the limits (``pytfjs.limits``) are checked from what the
    file declares before anything is inflated or allocated, and whatever a third-party
    reader raises on a damaged file is explained here, at the reader's edge.
    """
    try:
        return _read_keras(data, filename, reader)
    except ConvertError:
        raise
    except MemoryError as e:
        raise ConvertError(_("{filename} needs more memory than this page has; convert it on "
                           "the command line (python -m pytfjs.convert)")
                               .format(filename=filename)) from e
    except Exception as e:  # noqa: BLE001 - untrusted bytes through third-party readers
        raise ConvertError(_("{filename} could not be read as a Keras model: the file is "
                           "damaged or not a model file{detail}. Save the model "
                           "again and convert the new file")
                               .format(filename=filename, detail=limits.detail(e))) from e


def _read_keras(data: bytes, filename: str, reader: str) -> KerasFile:
    if not data:
        raise ConvertError(_("{filename} is empty (0 bytes); choose the saved model file")
                           .format(filename=filename))
    if data[:4] == b"PK\x03\x04":
        return _read_keras_zip(data, filename, reader)
    if not is_hdf5(data):
        raise ConvertError(_("{filename} is not a Keras model: not an HDF5 (.h5/.hdf5) file "
                           "and not a .keras zip. Save the model with model.save('model.h5') "
                           "or model.save('model.keras') and convert that file")
                               .format(filename=filename))
    root = open_hdf5(data, filename, reader)
    attrs = root.attrs
    if "model_config" not in attrs:
        if "layer_names" in attrs or "model_weights" not in root:
            raise ConvertError(_("{filename} holds only weights (no model_config): it was "
                               "saved with save_weights(). Save the whole model with "
                               "model.save('model.h5') and convert that file")
                                   .format(filename=filename))
        raise ConvertError(_("{filename} has no model_config attribute; it is not a Keras "
                           "model file").format(filename=filename))
    config = _json(attrs["model_config"], filename, "model_config")
    return KerasFile(filename, config, str(attrs.get("keras_version", "unknown")),
                     str(attrs.get("backend", "tensorflow")), root, "h5")


def _read_keras_zip(data: bytes, filename: str, reader: str) -> KerasFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        limits.check_zip(archive, filename, ConvertError)  # before inflating anything
        names = set(archive.namelist())
        if "config.json" not in names:
            raise ConvertError(_("{filename} is a zip without config.json; it is not a Keras "
                               ".keras model file").format(filename=filename))

        def member(name: str) -> bytes:
            return limits.read_member(archive, name, filename, ConvertError)

        config = _json(member("config.json"), filename, "config.json")
        meta = _json(member("metadata.json"), filename, "metadata.json") \
            if "metadata.json" in names else {}
        weights = member("model.weights.h5") if "model.weights.h5" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, zlib.error) as e:
        if isinstance(e, ConvertError):
            raise
        raise ConvertError(_("{filename}: the .keras zip is truncated or damaged ({e}); save "
                           "the model again").format(filename=filename, e=e)) from e
    if weights is None:
        raise ConvertError(_("{filename} has no model.weights.h5; save the model with "
                           "model.save('model.keras') after building it").format(filename=filename))
    root = open_hdf5(weights, f"{filename}:model.weights.h5", reader)
    return KerasFile(filename, config, str(meta.get("keras_version", "3")), "tensorflow",
                     root, "keras")
