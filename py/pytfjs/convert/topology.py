"""Keras model configs (Keras 2, tf.keras, Keras 3) as the Keras-2 topology TF.js 4.22 loads.

TF.js deserialises ``model_config`` itself, so the converter's job is to hand it a config
in the dialect it knows: ``batch_input_shape``, plain dtype strings, Keras-2 inbound node
lists, ``Model`` for functional models, initializers/regularizers/constraints it has
classes for. Anything TF.js would silently get wrong (GRU ``reset_after=True``, a leaky
``ReLU``, ``keepdims`` pooling, grouped convolutions, custom layers) is refused here with
the layer named, instead of failing later in the browser.

This module also knows each supported layer's variables, in Keras order, because TF.js
matches weights by ``<layer name>/<variable>`` and Keras files name them in several ways.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .writer import ConvertError

CONTAINERS = ("Sequential", "Functional", "Model")

# Supported layer classes -> their variables in Keras' creation order (None: config-dependent)
WEIGHTLESS = frozenset({
    "InputLayer", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "Flatten", "Dropout", "Activation", "ReLU", "Concatenate", "Add",
    "ZeroPadding2D", "Reshape",
})
WITH_WEIGHTS = frozenset({
    "Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "BatchNormalization",
    "Embedding", "LSTM", "GRU",
})
SUPPORTED = WEIGHTLESS | WITH_WEIGHTS

# Old class names some tf.keras versions wrote (the official converter maps these too)
CLASS_ALIASES = {"BatchNormalizationV1": "BatchNormalization", "UnifiedGRU": "GRU",
                 "UnifiedLSTM": "LSTM", "Functional": "Model"}

ACTIVATIONS = frozenset({
    "elu", "gelu", "gelu_new", "hard_sigmoid", "linear", "mish", "relu", "relu6", "selu",
    "sigmoid", "softmax", "softplus", "softsign", "swish", "tanh",
})
ACTIVATION_ALIASES = {"silu": "swish", None: "linear"}

# Keras-serialised helper objects TF.js has classes for (Keras spelling -> TF.js spelling)
HELPER_CLASSES = {
    "Zeros": "Zeros", "Ones": "Ones", "Constant": "Constant", "RandomUniform": "RandomUniform",
    "RandomNormal": "RandomNormal", "TruncatedNormal": "TruncatedNormal",
    "Identity": "Identity", "VarianceScaling": "VarianceScaling",
    "GlorotUniform": "GlorotUniform", "GlorotNormal": "GlorotNormal", "HeNormal": "HeNormal",
    "HeUniform": "HeUniform", "LecunNormal": "LeCunNormal", "LecunUniform": "LeCunUniform",
    "Orthogonal": "Orthogonal", "L1L2": "L1L2", "L1": "L1L2", "L2": "L1L2",
    "MaxNorm": "MaxNorm", "MinMaxNorm": "MinMaxNorm", "NonNeg": "NonNeg",
    "UnitNorm": "UnitNorm",
}
HELPER_KEYS = ("_initializer", "_regularizer", "_constraint")
# Keras 3 bookkeeping TF.js does not know (it ignores most unknown keys, but not all)
DROP_KEYS = frozenset({"module", "registered_name", "build_config", "compile_config",
                       "quantization_config", "lora_rank", "lora_alpha", "lora_enabled",
                       "synchronized", "optional", "shared_object_id"})


@dataclass
class LayerInfo:
    """A converted layer with weights: its TF.js name, class, variables and config path."""

    name: str
    class_name: str
    variables: list[str]
    path: tuple[str, ...]  # names of the enclosing models, outermost first
    keras3_path: str  # where a .keras zip's model.weights.h5 keeps its vars


@dataclass
class Topology:
    """The TF.js ``modelTopology`` and the layers whose weights it needs, in order."""

    model_config: dict[str, Any]
    layers: list[LayerInfo]
    notes: list[str]

    @property
    def inputs(self) -> list[tuple[str, list[int | None] | None, str]]:
        """(name, batch shape, dtype) of each model input, in order."""
        config = self.model_config["config"]
        entries = {e["config"].get("name"): e for e in config["layers"]}
        if self.model_config["class_name"] == "Sequential":
            first = config["layers"][0]["config"]
            return [(first.get("name", "input"), first.get("batch_input_shape"),
                     first.get("dtype", "float32"))]
        out = []
        for name, _, _ in config["input_layers"]:
            layer = entries[name]["config"]
            out.append((name, layer["batch_input_shape"], layer.get("dtype", "float32")))
        return out


def layer_variables(class_name: str, config: dict[str, Any]) -> list[str]:
    """The variables a layer owns, in the order Keras creates (and saves) them."""
    bias = ["bias"] if config.get("use_bias", True) else []
    if class_name in ("Dense", "Conv2D"):
        return ["kernel", *bias]
    if class_name == "DepthwiseConv2D":
        return ["depthwise_kernel", *bias]
    if class_name == "SeparableConv2D":
        return ["depthwise_kernel", "pointwise_kernel", *bias]
    if class_name == "BatchNormalization":
        return [*(["gamma"] if config.get("scale", True) else []),
                *(["beta"] if config.get("center", True) else []),
                "moving_mean", "moving_variance"]
    if class_name == "Embedding":
        return ["embeddings"]
    if class_name in ("LSTM", "GRU"):
        return ["kernel", "recurrent_kernel", *bias]
    return []


def snake_case(name: str) -> str:
    """Keras 3's ``naming.to_snake_case``: the key a .keras file stores a layer under."""
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class _Normaliser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.layers: list[LayerInfo] = []
        self.notes: list[str] = []
        self.model_names: set[str] = set()

    def fail(self, layer: str, message: str) -> ConvertError:
        return ConvertError(f"{self.source}: layer {layer!r}: {message}")

    # -- helpers ---------------------------------------------------------------------------
    def dtype(self, value: Any) -> str:
        if isinstance(value, dict):  # Keras 3 DTypePolicy
            value = value.get("config", {}).get("name", "float32")
        if value in (None, "float32", "float64", "float16", "bfloat16"):
            return "float32"
        if isinstance(value, str) and value.startswith("mixed_"):
            self.notes.append(f"dtype policy {value} became float32 (TF.js computes in "
                              "float32)")
            return "float32"
        if value in ("int32", "int64", "int16", "int8", "uint8"):
            return "int32"
        if value == "bool":
            return "bool"
        raise ConvertError(f"{self.source}: dtype {value!r} is not supported by TF.js")

    def helper(self, layer: str, key: str, value: Any) -> Any:
        """An initializer/regularizer/constraint TF.js can deserialise, or None to drop it."""
        if value is None or isinstance(value, str):
            return value
        name = value.get("class_name")
        tfjs = HELPER_CLASSES.get(name)
        if tfjs is None:
            self.notes.append(f"layer {layer}: {key} {name} has no TF.js class; left out "
                              "(it only matters when re-initialising or training)")
            return None
        config = {k: v for k, v in (value.get("config") or {}).items()
                  if k not in ("input_axes", "output_axes")}
        if name in ("L1", "L2"):
            config = {"l1": config.get("l1", 0.0), "l2": config.get("l2", 0.0)}
        return {"class_name": tfjs, "config": config}

    def activation(self, layer: str, value: Any) -> str:
        if isinstance(value, dict):
            value = value.get("config", {}).get("name", value.get("class_name"))
        value = ACTIVATION_ALIASES.get(value, value)
        if value not in ACTIVATIONS:
            raise self.fail(layer, f"activation {value!r} has no TF.js equivalent "
                            f"(supported: {', '.join(sorted(ACTIVATIONS))})")
        return value

    # -- layers ----------------------------------------------------------------------------
    def layer_config(self, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
        name = config.get("name", "?")
        out: dict[str, Any] = {}
        for key, value in config.items():
            if key in DROP_KEYS:
                continue
            if key == "dtype":
                value = self.dtype(value)
            elif key.endswith(HELPER_KEYS):
                value = self.helper(name, key, value)
                if value is None and config.get(key) is not None:
                    continue
            elif key in ("activation", "recurrent_activation"):
                value = self.activation(name, value)
            out[key] = value
        fix = _FIXES.get(class_name)
        if fix:
            getattr(self, fix)(name, out)
        return out

    def fix_input_layer(self, name: str, config: dict[str, Any]) -> None:
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        if "input_shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = [None, *config.pop("input_shape")]
        if config.get("sparse") or config.get("ragged"):
            raise self.fail(name, "sparse and ragged inputs have no TF.js equivalent")
        config.pop("ragged", None)
        if "batch_input_shape" not in config:
            raise self.fail(name, "the input layer has no shape")

    def fix_batch_normalization(self, name: str, config: dict[str, Any]) -> None:
        axis = config.get("axis", -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise self.fail(name, f"BatchNormalization over axes {axis}: TF.js supports "
                                "one axis")
            config["axis"] = axis[0]
        if config.pop("renorm", False):
            raise self.fail(name, "batch renormalisation has no TF.js equivalent")
        for key in ("renorm_clipping", "renorm_momentum", "virtual_batch_size", "adjustment",
                    "fused"):
            config.pop(key, None)

    def fix_relu(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("negative_slope", 0) or config.pop("threshold", 0):
            raise self.fail(name, "a ReLU with negative_slope or threshold has no TF.js "
                            "equivalent (TF.js' ReLU has only max_value)")

    def fix_global_pooling(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("keepdims", False):
            raise self.fail(name, "keepdims=True pooling is not in TF.js 4.22; add a Reshape "
                            "layer instead")

    def fix_conv2d(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("groups", 1) != 1:
            raise self.fail(name, "grouped convolutions are not in TF.js 4.22")

    def fix_separable_conv2d(self, name: str, config: dict[str, Any]) -> None:
        # tf.keras writes kernel_* beside depthwise_*/pointwise_*; TF.js refuses them
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        self.fix_conv2d(name, config)

    def fix_gru(self, name: str, config: dict[str, Any]) -> None:
        if config.get("reset_after", False):
            raise self.fail(name, "GRU(reset_after=True) (the Keras default) is not in "
                            "TF.js 4.22; train the model with GRU(reset_after=False)")
        config["reset_after"] = False

    # -- graphs ----------------------------------------------------------------------------
    def inbound(self, layer: str, nodes: list[Any]) -> list[Any]:
        """Keras 3 ``{"args": [...], "kwargs": {...}}`` nodes -> Keras 2 lists."""
        out = []
        for node in nodes:
            if isinstance(node, list):  # Keras 2 already
                out.append(node)
                continue
            args = node.get("args", [])
            kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
                      if v is not None and k not in ("mask", "training")}
            if kwargs:
                raise self.fail(layer, f"call arguments {sorted(kwargs)} are not supported")
            tensors = args[0] if len(args) == 1 and isinstance(args[0], list) else args
            entries = []
            for tensor in tensors:
                if not (isinstance(tensor, dict) and tensor.get("class_name") ==
                        "__keras_tensor__"):
                    raise self.fail(layer, "a call with non-tensor arguments is not supported")
                source, node_index, tensor_index = tensor["config"]["keras_history"]
                if source in self.model_names:
                    node_index += 1  # TF.js and Keras 2 count a model's own node first
                entries.append([source, node_index, tensor_index, {}])
            out.append(entries)
        return out

    @staticmethod
    def endpoints(value: Any) -> list[Any]:
        """Keras 3 writes one input/output as a flat ``[name, node, tensor]``."""
        if value and isinstance(value[0], str):
            return [value]
        return value

    def model(self, class_name: str, config: dict[str, Any], path: tuple[str, ...],
              k3_path: str) -> dict[str, Any]:
        name = config.get("name", "model")
        out: dict[str, Any] = {"name": name}
        if "trainable" in config:
            out["trainable"] = config["trainable"]
        layers = []
        used: dict[str, int] = {}
        nested_models = {entry.get("config", {}).get("name") for entry in config["layers"]
                         if entry.get("class_name") in CONTAINERS}
        self.model_names |= nested_models
        for entry in config["layers"]:
            cls = entry.get("class_name")
            key = snake_case(cls or "")
            if key in used:
                used[key] += 1
                key = f"{key}_{used[key]}"
            else:
                used[key] = 0
            layers.append(self.entry(entry, (*path, name), f"{k3_path}layers/{key}/",
                                     functional=class_name != "Sequential"))
        out["layers"] = layers
        if class_name != "Sequential":
            out["input_layers"] = self.endpoints(config["input_layers"])
            out["output_layers"] = self.endpoints(config["output_layers"])
        return {"class_name": "Sequential" if class_name == "Sequential" else "Model",
                "config": out}

    def entry(self, entry: dict[str, Any], path: tuple[str, ...], k3_path: str,
              functional: bool) -> dict[str, Any]:
        cls = CLASS_ALIASES.get(entry.get("class_name"), entry.get("class_name"))
        config = entry.get("config") or {}
        name = config.get("name") or entry.get("name") or "?"
        if cls in CONTAINERS:
            converted = self.model(cls, config, path, k3_path)
        elif cls in SUPPORTED:
            variables = layer_variables(cls, config)
            converted = {"class_name": cls, "config": self.layer_config(cls, config)}
            if variables:
                cell = "cell/" if cls in ("LSTM", "GRU") else ""
                self.layers.append(LayerInfo(name, cls, variables, path,
                                             f"{k3_path}{cell}vars"))
        else:
            where = ("a Keras layer this converter does not support yet" if cls in _KNOWN_KERAS
                     else "a custom or unknown layer (TF.js cannot run Python layer code)")
            raise self.fail(name, f"class {cls!r} is {where}; supported: "
                            f"{', '.join(sorted(SUPPORTED | {'Sequential', 'Functional'}))}")
        if functional:
            converted["name"] = name
            converted["inbound_nodes"] = self.inbound(name, entry.get("inbound_nodes", []))
        return converted


# Per-class clean-ups (method names of _Normaliser)
_FIXES = {"InputLayer": "fix_input_layer", "BatchNormalization": "fix_batch_normalization",
          "ReLU": "fix_relu", "GlobalAveragePooling2D": "fix_global_pooling",
          "GlobalMaxPooling2D": "fix_global_pooling", "Conv2D": "fix_conv2d",
          "SeparableConv2D": "fix_separable_conv2d", "GRU": "fix_gru"}

# Keras classes a user might expect; used only to phrase the error for anything else
_KNOWN_KERAS = SUPPORTED | {
    "Conv1D", "Conv3D", "Conv2DTranspose", "LayerNormalization", "MultiHeadAttention",
    "Bidirectional", "TimeDistributed", "SimpleRNN", "LeakyReLU", "PReLU", "Softmax",
    "Lambda", "UpSampling2D", "Cropping2D", "Multiply", "Subtract", "Average", "Maximum",
    "Minimum", "Permute", "RepeatVector", "Masking", "Rescaling", "Normalization",
    "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
}


def normalise(model_config: dict[str, Any], source: str) -> Topology:
    """The TF.js topology for a Keras ``model_config`` (any generation), and its layers."""
    config = copy.deepcopy(model_config)
    cls = CLASS_ALIASES.get(config.get("class_name"), config.get("class_name"))
    if cls == "Sequential" and isinstance(config.get("config"), list):  # Keras <= 2.1
        config["config"] = {"name": "sequential", "layers": config["config"]}
    if cls not in CONTAINERS or not isinstance(config.get("config"), dict) or \
            "layers" not in config["config"]:
        raise ConvertError(
            f"{source}: the model is a {config.get('class_name') or 'model'} without a "
            "layer graph (a subclassed model?); only Sequential and Functional models "
            "can be converted. Rebuild it with keras.Sequential or keras.Model(inputs, "
            "outputs) and save again")
    norm = _Normaliser(source)
    topology = norm.model(cls, config["config"], (), "")
    names = [layer.name for layer in norm.layers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConvertError(f"{source}: layers {duplicates} share a name; TF.js matches "
                           "weights by layer name, so rename them and save again")
    return Topology(topology, norm.layers, norm.notes)


def iter_layers(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every layer entry of a (normalised) model config, nested models included."""
    for entry in config["config"]["layers"]:
        yield entry
        if entry["class_name"] in CONTAINERS:
            yield from iter_layers(entry)
