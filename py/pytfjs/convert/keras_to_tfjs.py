"""Keras model file -> TF.js layers-model files, in memory (CLI and page share this)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from numpy.typing import NDArray

from ..i18n import _, ngettext
from .keras_file import read_keras
from .topology import normalise
from .writer import ConvertError, layers_model_files, tfjs_array


@dataclass
class Conversion:
    """The TF.js files plus what a person wants to see about them."""

    files: dict[str, bytes]
    keras_version: str
    layers: list[tuple[str, str, int]]  # (name, class, parameters) of layers with weights
    inputs: list[tuple[str, list[int | None] | None, str]]  # (name, batch shape, dtype)
    notes: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> int:
        return sum(count for _, _, count in self.layers)

    def report(self) -> str:
        """What was written: layers, parameters, bytes per file."""
        lines = [ngettext("Keras {version} model: {n} layer with weights, {parameters:,} "
                          "parameters", "Keras {version} model: {n} layers with weights, "
                          "{parameters:,} parameters", len(self.layers))
                 .format(version=self.keras_version, n=len(self.layers),
                         parameters=self.parameters)]
        lines += [f"  {name:<32} {cls:<20} {count:>10,}" for name, cls, count in self.layers]
        lines += ["  " + ngettext("wrote {name} ({size:,} byte)", "wrote {name} ({size:,} bytes)",
                                  len(data)).format(name=name, size=len(data))
                  for name, data in self.files.items()]
        lines += ["  " + _("note: {note}").format(note=note) for note in self.notes]
        return "\n".join(lines)


def convert_bytes(data: bytes, filename: str, quantization: str | None = None,
                  reader: str = "pyfive") -> Conversion:
    """Convert a Keras .h5/.hdf5/.keras file's bytes; raises ConvertError naming the file."""
    keras = read_keras(data, filename, reader)
    topology = normalise(keras.model_config, filename, keras.keras_version)
    weights: list[tuple[str, NDArray[Any]]] = []
    summary = []
    for layer in topology.layers:
        arrays = keras.weights(layer)
        for variable, array in zip(layer.variables, layer.pick(arrays), strict=True):
            name = f"{layer.name}/{variable}"
            try:
                weights.append((name, tfjs_array(name, array)))
            except ConvertError as e:
                raise ConvertError(f"{filename}: {e}") from e
        summary.append((layer.name, layer.class_name, int(sum(a.size for a in arrays))))
    model_topology = {"keras_version": keras.keras_version, "backend": keras.backend,
                      "model_config": topology.model_config}
    try:
        files = layers_model_files(model_topology, weights, quantization,
                                   generated_by=f"keras v{keras.keras_version}")
    except ConvertError as e:
        raise ConvertError(f"{filename}: {e}") from e
    return Conversion(files, keras.keras_version, summary, topology.inputs, topology.notes)
