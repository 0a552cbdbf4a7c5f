"""Keras model configs (Keras 2, tf.keras, Keras 3) as the Keras-2 topology TF.js 4.22 loads.

TF.js deserialises ``model_config`` itself, so the converter's job is to hand it a config
in the dialect it knows: ``batch_input_shape``, plain dtype strings, Keras-2 inbound node
lists, ``Model`` for functional models, initializers/regularizers it has classes for.
Which classes convert, and how, is ``layers.LAYERS`` (the one table); this module applies
it: wrappers (``Bidirectional``, ``TimeDistributed``) with their inner layer's config and
weights, the table's exact rewrites, Keras 3 operation nodes (mask computations dropped,
``x + y``-style ones written as layers). Anything TF.js would silently get wrong (GRU
``reset_after=True``, a leaky ``ReLU``, causal ``Conv1D``, Keras 3's ``hard_sigmoid``...)
is refused here with the layer named, instead of failing later in the browser.

It also records each converted layer's variables (``LayerInfo``) in Keras order, because
TF.js matches weights by ``<layer name>/<variable>`` and Keras files name them in several
ways.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..i18n import _
from .layers import (
    CELL_LAYERS,
    KERAS1_KEYS,
    KERAS1_ONLY,
    LAYERS,
    RECURRENT,
    RNN_SETTINGS,
    WRAPPERS,
    Layer,
    Rewrite,
    canonical,
    refusal,
    variables,
)
from .writer import ConvertError

CONTAINERS = ("Sequential", "Functional", "Model")
CONTAINER_ALIASES: dict[str | None, str] = {"Functional": "Model"}  # key: a config's class_name
# Keras 3 operations on tensors that are exactly a TF.js layer (see elementwise_operation)
ELEMENTWISE_OPS = frozenset({"Add", "Multiply", "Subtract", "Maximum", "Minimum"})

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
    keras3_groups: list[tuple[str, int]]  # (vars folder in a .keras zip, how many), in order
    # when a rewritten layer keeps some of the Keras variables under other names: the
    # Keras file's variables in order, and for each TF.js variable its index among them
    file_variables: list[str] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)

    def pick(self, arrays: list[Any]) -> list[Any]:
        """The file's arrays (Keras order) -> the TF.js variables' arrays."""
        return [arrays[i] for i in self.sources] if self.file_variables else arrays


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
        for name, _node, _tensor in config["input_layers"]:
            layer = entries[name]["config"]
            out.append((name, layer["batch_input_shape"], layer.get("dtype", "float32")))
        return out


def keras3_vars(class_name: str) -> str:
    """Where a .keras zip keeps a layer's variables, below the layer's own folder."""
    return "cell/vars" if class_name in RECURRENT else "vars"


def snake_case(name: str) -> str:
    """Keras 3's ``naming.to_snake_case``: the key a .keras file stores a layer under."""
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class _Normaliser:
    def __init__(self, source: str, keras_version: str = "") -> None:
        self.source = source
        self.keras3 = keras_version.startswith("3")
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
        raise ConvertError(_("{source}: dtype {value!r} is not supported by TF.js")
                           .format(source=self.source, value=value))

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

    @staticmethod
    def activation_name(value: Any) -> Any:
        """The name of a Keras activation, string or (Keras 3) serialised function."""
        if isinstance(value, dict):
            value = value.get("config", {}).get("name", value.get("class_name"))
        return ACTIVATION_ALIASES.get(value, value)

    def activation(self, layer: str, value: Any) -> str:
        value = self.activation_name(value)
        if value == "hard_sigmoid" and self.keras3:
            raise self.fail(layer, _("Keras 3's hard_sigmoid is relu6(x + 3) / 6, TF.js "
                            "4.22's is Keras 2's clip(0.2 x + 0.5, 0, 1): predictions would "
                            "differ by up to 0.08. Use 'sigmoid', or ReLU(max_value=6) between "
                            "Rescaling(1, offset=3) and Rescaling(1 / 6) layers"))
        if value not in ACTIVATIONS:
            raise self.fail(layer, _("activation {value!r} has no TF.js equivalent "
                            "(supported: {items})")
                                .format(value=value, items=', '.join(sorted(ACTIVATIONS))))
        name: str = value
        return name

    # -- layers ----------------------------------------------------------------------------
    def layer_config(self, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
        name = config.get("name", "?")
        out: dict[str, Any] = {}
        for key, value in config.items():
            if key in DROP_KEYS:
                continue
            if key == "dtype":
                value = self.dtype(value)
            elif key == "activity_regularizer":
                if value is not None:  # TF.js 4.22 refuses to call such a layer at all
                    self.notes.append(f"layer {name}: activity_regularizer left out (it "
                                      "only adds a training loss; TF.js 4.22 cannot call a "
                                      "layer that has one)")
                continue
            elif key.endswith("_constraint"):
                if value is not None:  # TF.js applies it to the weights it loads
                    self.notes.append(f"layer {name}: {key} left out (it only matters in "
                                      "training, and TF.js would apply it to the loaded "
                                      "weights, changing them)")
                continue
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
            raise self.fail(name, _("sparse and ragged inputs have no TF.js equivalent"))
        config.pop("ragged", None)
        if "batch_input_shape" not in config:
            raise self.fail(name, _("the input layer has no shape"))

    def fix_batch_normalization(self, name: str, config: dict[str, Any]) -> None:
        axis = config.get("axis", -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise self.fail(name, _("BatchNormalization over axes {axis}: TF.js supports "
                                "one axis").format(axis=axis))
            config["axis"] = axis[0]
        if config.pop("renorm", False):
            raise self.fail(name, _("batch renormalisation has no TF.js equivalent"))
        for key in ("renorm_clipping", "renorm_momentum", "virtual_batch_size", "adjustment",
                    "fused"):
            config.pop(key, None)

    def fix_relu(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("negative_slope", 0) or config.pop("threshold", 0):
            raise self.fail(name, _("a ReLU with negative_slope or threshold has no TF.js "
                            "equivalent (TF.js' ReLU has only max_value)"))

    def fix_global_pooling(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("keepdims", False):
            raise self.fail(name, _("keepdims=True pooling is not in TF.js 4.22; add a Reshape "
                            "layer instead"))

    def fix_conv(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("groups", 1) != 1:
            raise self.fail(name, _("grouped convolutions are not in TF.js 4.22; use groups=1 "
                            "(or one convolution per group and a Concatenate)"))

    def fix_conv1d(self, name: str, config: dict[str, Any]) -> None:
        if config.get("padding") == "causal":
            raise self.fail(name, _("Conv1D(padding='causal') is not in TF.js 4.22 (its Conv1D "
                            "throws on causal padding); use padding='valid' after padding the "
                            "sequence on the left yourself"))
        self.fix_conv(name, config)

    def fix_conv_transpose(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("output_padding", None) is not None:
            raise self.fail(name, _("output_padding is not in TF.js 4.22's transposed "
                            "convolutions; leave it None (or add ZeroPadding after the layer)"))
        rate = config.pop("dilation_rate", 1)
        if any(r != 1 for r in (rate if isinstance(rate, list) else [rate])):
            raise self.fail(name, _("a dilated transposed convolution is not in TF.js 4.22 (it "
                            "ignores dilation_rate); use dilation_rate=1"))
        self.fix_conv(name, config)

    def fix_separable_conv2d(self, name: str, config: dict[str, Any]) -> None:
        # tf.keras writes kernel_* beside depthwise_*/pointwise_*; TF.js refuses them
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        self.fix_conv(name, config)

    def fix_leaky_relu(self, name: str, config: dict[str, Any]) -> None:
        if "negative_slope" in config:  # Keras 3's name for alpha
            config["alpha"] = config.pop("negative_slope")

    def fix_elu(self, name: str, config: dict[str, Any]) -> None:
        if float(config.get("alpha", 1.0)) != 1.0:
            raise self.fail(name, _("ELU(alpha={config}) is not in TF.js 4.22 (its "
                            "ELU layer has only alpha=1.0); use ELU() or Activation('elu')")
                                .format(config=config['alpha']))

    def fix_softmax(self, name: str, config: dict[str, Any]) -> None:
        axis = config.get("axis", -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise self.fail(name, _("Softmax over axes {axis}: TF.js' Softmax takes one "
                                "axis; Reshape the axes into one first").format(axis=axis))
            config["axis"] = axis = axis[0]
        if axis != -1:
            raise self.fail(name, _("Softmax(axis={axis}): TF.js 4.22 computes softmax over the "
                            "last axis only; Permute that axis last, use Softmax(), and "
                            "Permute back").format(axis=axis))

    def fix_layer_normalization(self, name: str, config: dict[str, Any]) -> None:
        if config.pop("rms_scaling", False):
            raise self.fail(name, _("LayerNormalization(rms_scaling=True) is not in TF.js "
                            "4.22; use rms_scaling=False"))

    def fix_upsampling2d(self, name: str, config: dict[str, Any]) -> None:
        if config.get("interpolation", "nearest") != "nearest":
            raise self.fail(name, _("UpSampling2D(interpolation={config!r}) "
                            "differs in TF.js 4.22 (its bilinear resize has no half-pixel "
                            "centres, so it predicts other values); use "
                            "interpolation='nearest' or a Conv2DTranspose")
                                .format(config=config['interpolation']))

    def fix_embedding(self, name: str, config: dict[str, Any]) -> None:
        if config.get("sparse"):
            raise self.fail(name, _("Embedding(sparse=True) has no TF.js equivalent"))
        config.pop("sparse", None)

    def fix_gru(self, name: str, config: dict[str, Any]) -> None:
        if config.get("reset_after", False):
            raise self.fail(name, _("GRU(reset_after=True) (the Keras default) is not in "
                            "TF.js 4.22; train the model with GRU(reset_after=False)"))
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
                raise self.fail(layer, _("call arguments {value} are not supported")
                                       .format(value=sorted(kwargs)))
            tensors = args[0] if len(args) == 1 and isinstance(args[0], list) else args
            entries = []
            for tensor in tensors:
                if not (isinstance(tensor, dict) and tensor.get("class_name") ==
                        "__keras_tensor__"):
                    raise self.fail(layer, _("a call with non-tensor arguments is not supported"))
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
        nested: list[Any] = value
        return nested

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
        dropped = self.mask_operations(config) if class_name != "Sequential" else set()
        for entry in config["layers"]:
            cls = entry.get("class_name")
            key = snake_case(cls or "")
            if key in used:
                used[key] += 1
                key = f"{key}_{used[key]}"
            else:
                used[key] = 0
            if (entry.get("config") or {}).get("name") in dropped:
                continue
            layers += self.entry(entry, (*path, name), f"{k3_path}layers/{key}/",
                                 functional=class_name != "Sequential")
        out["layers"] = layers
        if class_name != "Sequential":
            out["input_layers"] = self.endpoints(config["input_layers"])
            out["output_layers"] = self.endpoints(config["output_layers"])
        return {"class_name": "Sequential" if class_name == "Sequential" else "Model",
                "config": out}

    # -- Keras 3 operation layers ----------------------------------------------------------
    @staticmethod
    def is_operation(entry: dict[str, Any]) -> bool:
        """A Keras 3 ``keras.ops`` call on symbolic tensors, saved as a layer-like node.

        ``.keras`` files give their module (``keras.src.ops.numpy``); Keras 3's ``.h5``
        leaves it out, but an operation's config never has the ``trainable`` key every
        layer (custom ones included) writes. tf-keras writes ``TFOpLambda``.
        """
        if entry.get("class_name") in ("TFOpLambda", "SlicingOpLambda"):
            return True
        if str(entry.get("module") or "").startswith("keras.src.ops"):
            return True
        nodes = entry.get("inbound_nodes") or []
        return entry.get("class_name") not in LAYERS and \
            entry.get("class_name") not in CONTAINERS and \
            "trainable" not in (entry.get("config") or {}) and \
            bool(nodes) and all(isinstance(node, dict) for node in nodes)

    def mask_operations(self, config: dict[str, Any]) -> set[str]:
        """Operation layers whose results only feed ``mask=`` arguments: safe to drop.

        Keras 3 writes the mask of ``Embedding(mask_zero=True)`` / ``Masking`` as
        ``NotEqual``, ``Any``, ... operations passed as ``mask=`` to the next layers; TF.js
        computes and propagates the same masks itself. An operation on the data path is not
        dropped (``entry`` refuses it).
        """
        entries: dict[Any, dict[str, Any]] = {(e.get("config") or {}).get("name"): e
                                              for e in config["layers"]}
        operations = {name for name, e in entries.items() if self.is_operation(e)}
        if not operations:
            return set()

        def sources(entry: dict[str, Any]) -> set[str]:
            found: set[str] = set()

            def walk(value: Any) -> None:
                if isinstance(value, dict):
                    if value.get("class_name") == "__keras_tensor__":
                        found.add(value["config"]["keras_history"][0])
                    else:
                        for item in value.values():
                            walk(item)
                elif isinstance(value, list):
                    for item in value:
                        walk(item)
            for node in entry.get("inbound_nodes") or []:
                if isinstance(node, dict):
                    walk(node.get("args"))
                    walk({k: v for k, v in (node.get("kwargs") or {}).items() if k != "mask"})
                else:  # Keras 2 node lists: [name, node, tensor, kwargs]
                    found |= {item[0] for item in node if isinstance(item, list) and item}
            return found

        needed = {item[0] for item in self.endpoints(config["output_layers"])}
        for name, entry in entries.items():
            if name not in operations:
                needed |= sources(entry)
        frontier = list(needed & operations)
        while frontier:
            for source in sources(entries[frontier.pop()]):
                if source in operations and source not in needed:
                    needed.add(source)
                    frontier.append(source)
        dropped = operations - needed
        if dropped:
            self.notes.append(f"dropped Keras 3 mask operations {sorted(dropped)} (TF.js "
                              "computes the same masks itself)")
        return dropped

    # -- one layer -------------------------------------------------------------------------
    def entry(self, entry: dict[str, Any], path: tuple[str, ...], k3_path: str,
              functional: bool) -> list[dict[str, Any]]:
        """The TF.js entries (one, or two for a rewrite) for one Keras layer entry."""
        raw = entry.get("class_name")
        cls = CONTAINER_ALIASES.get(raw, canonical(raw or ""))
        config = entry.get("config") or {}
        name = config.get("name") or entry.get("name") or "?"
        if cls == "RNN":
            cls, config = self.rnn_of_cell(name, config)
            entry = {**entry, "class_name": cls, "config": config}
        if cls == "Activation" and self.activation_name(config.get("activation")) == \
                "leaky_relu":  # TF.js has no such activation, but has the layer
            config = {k: v for k, v in config.items() if k != "activation"}
            config["alpha"] = 0.2  # Keras 2's and 3's default slope of leaky_relu
            cls = "LeakyReLU"
            entry = {**entry, "class_name": cls, "config": config}
            self.notes.append(f"layer {name}: Activation('leaky_relu') written as "
                              "LeakyReLU(alpha=0.2)")
        if cls in ELEMENTWISE_OPS and functional and (self.is_operation(entry) or
                                                     "trainable" not in config):
            entry, cls = self.elementwise_operation(entry, cls, name)
            config = entry["config"]
        self.refuse_unconvertible(entry, cls, name)
        spec = LAYERS.get(cls)
        extra: list[dict[str, Any]] = []
        if cls in CONTAINERS:
            converted = self.model(cls, config, path, k3_path)
        elif isinstance(spec, Rewrite):
            converted, extra = self.rewrite(cls, spec, config, name, entry, functional)
            if cls == "Normalization":
                self.layers.append(LayerInfo(
                    name, cls, ["moving_mean", "moving_variance"], path,
                    [(k3_path + "vars", 3)], ["mean", "variance", "count"], [0, 1]))
        elif cls in WRAPPERS:
            converted = self.wrapper(cls, config, name, path, k3_path)
        else:
            converted = {"class_name": cls, "config": self.layer_config(cls, config)}
            own = variables(cls, config)
            if own:
                self.layers.append(LayerInfo(name, cls, own, path,
                                             [(k3_path + keras3_vars(cls), len(own))]))
        if functional and not extra:
            converted["name"] = name
            converted["inbound_nodes"] = self.inbound(name, entry.get("inbound_nodes", []))
        return [*extra, converted]

    def refuse_unconvertible(self, entry: dict[str, Any], cls: str, name: str) -> None:
        """Raise the right message for anything that is not a layer TF.js can build."""
        config = entry.get("config") or {}
        if cls in KERAS1_ONLY or (isinstance(config, dict) and KERAS1_KEYS & set(config)):
            raise self.fail(name, _("class {cls!r} with Keras 1 settings: this is a Keras 1 "
                            "file, which this converter does not read. Load it with Keras 2 "
                            "(tf-keras), save it again with model.save('model.h5') and "
                            "convert that file").format(cls=cls))
        if self.is_operation(entry):
            what = f"keras.ops.{snake_case(cls)}" if entry.get("class_name") not in (
                "TFOpLambda", "SlicingOpLambda") else f"tf.{config.get('function', '?')}"
            raise self.fail(name, _("class {cls!r} is a Keras operation ({what}) applied to "
                            "a tensor between layers; TF.js has no such layer. Use a Keras "
                            "layer for it (Add, Multiply, Rescaling, Reshape, Permute, "
                            "Activation, ...) and save again").format(cls=cls, what=what))
        message = refusal(cls)
        if message:
            raise self.fail(name, message)
        if cls not in CONTAINERS and cls not in LAYERS:
            raise self.fail(name, _("class {cls!r} is not a Keras built-in layer: a custom "
                            "layer (TF.js cannot run Python layer code). Rebuild the model "
                            "from built-in layers (see the converter's supported list) or "
                            "write the layer in JS and register it with "
                            "tf.serialization.registerClass").format(cls=cls))

    def elementwise_operation(self, entry: dict[str, Any], cls: str, name: str
                              ) -> tuple[dict[str, Any], str]:
        """Keras 3's ``x + y``, ``x * 2.0``, ``keras.ops.maximum(x, y)`` ... as layers.

        Between tensors they are the merge layer of the same name; with one number they are
        an exact ``Rescaling`` (x * c + 0, x * 1 + c, x * -1 + c). Anything else stays an
        operation (refused by ``refuse_unconvertible``).
        """
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) != 1 or not isinstance(nodes[0], dict) or nodes[0].get("kwargs"):
            return entry, cls
        args = nodes[0].get("args") or []

        def is_tensor(value: Any) -> bool:
            return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"
        base = {"name": name, "trainable": True}
        if len(args) >= 2 and all(is_tensor(a) for a in args):
            return {**entry, "module": None, "config": base}, cls
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        tensors = [a for a in args if is_tensor(a)]
        if len(args) != 2 or len(numbers) != 1 or len(tensors) != 1 or \
                cls not in ("Add", "Multiply", "Subtract"):
            return entry, cls
        c = float(numbers[0])
        scale, offset = {"Add": (1.0, c), "Multiply": (c, 0.0),
                         "Subtract": (1.0, -c) if is_tensor(args[0]) else (-1.0, c)}[cls]
        self.notes.append(f"layer {name}: the Keras operation {cls.lower()} with {c} written as "
                          f"Rescaling(scale={scale}, offset={offset})")
        rescaling = {**entry, "module": None, "class_name": "Rescaling",
                     "config": {**base, "scale": scale, "offset": offset},
                     "inbound_nodes": [{"args": tensors, "kwargs": {}}]}
        return rescaling, "Rescaling"

    def rnn_of_cell(self, name: str, config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """``RNN(LSTMCell(...))`` is ``LSTM(...)`` (same weights, same computation)."""
        cell = config.get("cell") or {}
        cell_cls = canonical(cell.get("class_name", "") if isinstance(cell, dict) else "")
        if cell_cls not in CELL_LAYERS:
            shown = cell_cls or "a list of cells"
            raise self.fail(name, _("RNN of {shown!r}: only RNN(LSTMCell), RNN(GRUCell) and "
                            "RNN(SimpleRNNCell) convert (as LSTM, GRU, SimpleRNN); use one "
                            "LSTM/GRU/SimpleRNN layer per cell, with return_sequences=True "
                            "on all but the last").format(shown=shown))
        layer = CELL_LAYERS[cell_cls]
        out = {k: v for k, v in (cell.get("config") or {}).items() if k != "name"}
        out.update({k: config[k] for k in RNN_SETTINGS if k in config})
        out["name"] = name
        self.notes.append(f"layer {name}: RNN({cell_cls}) written as {layer}")
        return layer, out

    def rewrite(self, cls: str, spec: Rewrite, config: dict[str, Any], name: str,
                entry: dict[str, Any], functional: bool
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The TF.js layer(s) a Keras layer TF.js lacks is exactly equal to at inference."""
        base = {"name": name, "trainable": config.get("trainable", True)}
        if "dtype" in config:
            base["dtype"] = self.dtype(config["dtype"])
        for key in ("batch_input_shape", "batch_shape"):  # a Sequential's first layer
            if config.get(key) is not None:
                base["batch_input_shape"] = config[key]
        self.notes.append(f"layer {name}: {cls} written as {spec.how}")
        if spec.tfjs == "Activation":
            return {"class_name": "Activation", "config": {**base, "activation": "linear"}}, []
        if cls == "Normalization":
            return {"class_name": "BatchNormalization", "config": {
                **base, **self.normalization(name, config), "center": False,
                "scale": False}}, []
        if spec.tfjs == "Dropout":
            rate = config.get("rate", 0.0)
            return {"class_name": "Dropout", "config": {**base, "rate": rate}}, []
        if cls == "Subtract":
            if not functional:
                raise self.fail(name, _("Subtract needs two inputs (a functional model)"))
            nodes = self.inbound(name, entry.get("inbound_nodes", []))
            negated = f"{name}_negated"
            neg_nodes, add_nodes = [], []
            for index, node in enumerate(nodes):
                if len(node) != 2:
                    raise self.fail(name, _("Subtract takes exactly 2 inputs, got {n}")
                                          .format(n=len(node)))
                neg_nodes.append([node[1]])
                add_nodes.append([node[0], [negated, index, 0, {}]])
            negate = {"class_name": "Rescaling", "name": negated, "inbound_nodes": neg_nodes,
                      "config": {**base, "name": negated, "scale": -1.0, "offset": 0.0}}
            add = {"class_name": "Add", "name": name, "inbound_nodes": add_nodes,
                   "config": base}
            return add, [negate]
        raise AssertionError(_("no rewrite for {cls}")
                             .format(cls=cls))  # the table and this code disagree

    def normalization(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        """Keras' adapted Normalization as BatchNormalization settings (weights: mean,
        variance). Keras divides by max(sqrt(variance), 1e-7); TF.js by
        sqrt(variance + epsilon): epsilon 1e-14 gives the same for a zero variance and
        changes nothing in float32 for a variance above about 1e-7."""
        if config.get("invert"):
            raise self.fail(name, _("Normalization(invert=True) has no TF.js equivalent; use "
                            "Rescaling(scale=std, offset=mean) with the adapted values"))
        if config.get("mean") is not None or config.get("variance") is not None:
            raise self.fail(name, _("Normalization with mean/variance given in the "
                            "constructor has no weights to convert; use adapt(), or "
                            "Rescaling(scale=1/std, offset=-mean/std)"))
        axis = config.get("axis", -1)
        if axis not in (-1, [-1]):
            raise self.fail(name, _("Normalization(axis={axis}): only axis=-1 (one mean and "
                            "variance per last-axis feature) converts; TF.js' "
                            "BatchNormalization takes one axis").format(axis=axis))
        return {"axis": -1, "epsilon": 1e-14, "momentum": 0.99}

    def wrapper(self, cls: str, config: dict[str, Any], name: str, path: tuple[str, ...],
                k3_path: str) -> dict[str, Any]:
        """Bidirectional / TimeDistributed: the inner layer's config and weights nested."""
        inner = config.get("layer") or {}
        inner_cls = canonical(inner.get("class_name", ""))
        inner_config = dict(inner.get("config") or {})
        inner_name = inner_config.get("name") or "?"
        self.refuse_unconvertible(inner, inner_cls, f"{name}/{inner_name}")
        spec = LAYERS.get(inner_cls)
        if not isinstance(spec, Layer) or inner_cls in WRAPPERS or \
                (cls == "Bidirectional" and inner_cls not in ("LSTM", "GRU", "SimpleRNN")):
            allowed = "an LSTM, GRU or SimpleRNN" if cls == "Bidirectional" else \
                "a layer TF.js has (not a wrapper or a rewritten layer)"
            raise self.fail(name, _("{cls} of {inner_cls!r}: TF.js 4.22 wraps only {allowed}")
                                  .format(cls=cls, inner_cls=inner_cls, allowed=allowed))
        out = {k: v for k, v in config.items() if k not in DROP_KEYS | {"layer",
                                                                        "backward_layer"}}
        if "dtype" in out:
            out["dtype"] = self.dtype(out["dtype"])
        own = variables(inner_cls, inner_config)
        groups: list[tuple[str, int]]
        if cls == "Bidirectional":
            if inner_name.startswith("forward_"):  # Keras 3 names the copy; TF.js adds it
                inner_name = inner_name[len("forward_"):]
                inner_config["name"] = inner_name
            self.check_backward_layer(name, inner_config, config.get("backward_layer"))
            if out.get("merge_mode", "concat") not in ("concat", "sum", "mul", "ave", None):
                raise self.fail(name, _("merge_mode {out!r} is not in TF.js")
                                      .format(out=out['merge_mode']))
            names = [f"{direction}_{inner_name}/{v}" for direction in ("forward", "backward")
                     for v in own]
            groups = [(f"{k3_path}{half}_layer/{keras3_vars(inner_cls)}", len(own))
                      for half in ("forward", "backward")]
        else:
            names = own
            groups = [(f"{k3_path}layer/{keras3_vars(inner_cls)}", len(own))]
        out["layer"] = {"class_name": inner_cls,
                        "config": self.layer_config(inner_cls, inner_config)}
        if own:
            self.layers.append(LayerInfo(name, cls, names, path, groups))
        return {"class_name": cls, "config": out}

    def check_backward_layer(self, name: str, forward: dict[str, Any], backward: Any) -> None:
        """TF.js builds the backward RNN as a mirror of the forward one; Keras may not."""
        if not backward:
            return
        ignore = {"name", "go_backwards", "dtype", "seed", "trainable"} | DROP_KEYS

        def compared(config: dict[str, Any]) -> dict[str, Any]:  # what inference uses
            return {k: v for k, v in config.items()
                    if k not in ignore and not k.endswith(HELPER_KEYS)}
        theirs = compared(backward.get("config") or {})
        mine = compared(forward)
        if backward.get("class_name") != forward.get("class_name", backward.get(
                "class_name")) or theirs != mine:
            different = sorted(k for k in set(theirs) | set(mine)
                               if theirs.get(k) != mine.get(k))
            raise self.fail(name, _("Bidirectional with a backward layer unlike the forward "
                            "one (differs in {different}): TF.js 4.22 builds the backward "
                            "layer as a copy of the forward one").format(different=different))


# Per-class clean-ups (method names of _Normaliser)
_FIXES = {"InputLayer": "fix_input_layer", "BatchNormalization": "fix_batch_normalization",
          "ReLU": "fix_relu", "GlobalAveragePooling1D": "fix_global_pooling",
          "GlobalMaxPooling1D": "fix_global_pooling", "GlobalAveragePooling2D":
          "fix_global_pooling", "GlobalMaxPooling2D": "fix_global_pooling",
          "Conv1D": "fix_conv1d", "Conv2D": "fix_conv", "Conv3D": "fix_conv",
          "Conv2DTranspose": "fix_conv_transpose", "Conv3DTranspose": "fix_conv_transpose",
          "SeparableConv2D": "fix_separable_conv2d", "GRU": "fix_gru",
          "LeakyReLU": "fix_leaky_relu", "ELU": "fix_elu", "Softmax": "fix_softmax",
          "LayerNormalization": "fix_layer_normalization", "UpSampling2D": "fix_upsampling2d",
          "Embedding": "fix_embedding"}


def normalise(model_config: dict[str, Any], source: str, keras_version: str = "") -> Topology:
    """The TF.js topology for a Keras ``model_config`` (any generation), and its layers.

    ``keras_version`` (the file's) decides what Keras 3 changed the meaning of
    (``hard_sigmoid``)."""
    config = copy.deepcopy(model_config)
    cls = CONTAINER_ALIASES.get(config.get("class_name"), config.get("class_name"))
    if cls == "Sequential" and isinstance(config.get("config"), list):  # Keras <= 2.1
        config["config"] = {"name": "sequential", "layers": config["config"]}
    if cls not in CONTAINERS or not isinstance(config.get("config"), dict) or \
            "layers" not in config["config"]:
        raise ConvertError(
            _("{source}: the model is a {value} without a "
            "layer graph (a subclassed model?); only Sequential and Functional models "
            "can be converted. Rebuild it with keras.Sequential or keras.Model(inputs, "
            "outputs) and save again")
                .format(source=source, value=config.get('class_name') or 'model'))
    norm = _Normaliser(source, keras_version)
    topology = norm.model(cls, config["config"], (), "")
    names = [layer.name for layer in norm.layers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConvertError(_("{source}: layers {duplicates} share a name; TF.js matches "
                           "weights by layer name, so rename them and save again")
                               .format(source=source, duplicates=duplicates))
    return Topology(topology, norm.layers, norm.notes)


def iter_layers(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every layer entry of a (normalised) model config, nested models included."""
    for entry in config["config"]["layers"]:
        yield entry
        if entry["class_name"] in CONTAINERS:
            yield from iter_layers(entry)
