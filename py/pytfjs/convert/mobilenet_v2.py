"""torchvision's ImageNet MobileNetV2 as a TF.js layers model (Keras 2 style topology).

    python -m pytfjs.convert.mobilenet_v2 mobilenet_v2.pth OUT_DIR --classes classes.json

reads the state dict with the restricted reader (:mod:`.torch_state`), checks every
weight's name and shape against torchvision's architecture, and writes ``model.json``,
the weight shards and ``metadata.json`` (preprocessing, class names, layer names).

How torch's network maps onto TF.js layers:

- each Conv2d + BatchNorm2d (eval mode, torch's epsilon 1e-5) is one convolution with a
  bias: the batch norm folded into its kernel and bias in float64
  (:func:`fold_batch_norm`), rounded once to float32; a following ReLU6 is the
  convolution's ``relu6`` activation. Fewer layers, and one fused kernel per convolution
  in TF.js (the worker fuses what tfjs-layers leaves unfused: ``fuseConvActivations`` in
  site/js/worker/private_apis.js);
- 3x3 convolutions pad 1 pixel on every side in torch. At stride 1 TF's ``same`` is
  that; at stride 2 TF's ``same`` pads an even-sized input on the right/bottom only, so
  those four and the stem are an explicit ``ZeroPadding2D(1)`` followed by a ``valid``
  convolution;
- kernels: torch OIHW -> TF HWIO; depthwise torch [C, 1, H, W] -> TF [H, W, C, 1];
  dense torch [out, in] -> TF [in, out];
- residual sums -> ``Add``; torch's mean over H and W -> ``GlobalAveragePooling2D``; the
  classifier's Dropout does nothing at inference.

Inputs are NHWC float32 [n, 224, 224, 3]: RGB scaled to 0..1, then (x - mean) / std
with torch's ImageNet mean and std (``MEAN``, ``STD``); that step is done in Python
before the model (see ``pytfjs.data.images.normalize``) and recorded in metadata.json.

Layer names (``LAYER_NAMES``) let later labs cut the network: ``features_out_relu`` is
the last feature map (7x7x1280, the head convolution, ReLU6 included), ``embedding``
its global average (1280 values per image), ``logits`` the 1000 scores before the
softmax ``probabilities``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..i18n import _
from .torch_state import TorchStateError, load_state_dict
from .writer import ConvertError, layers_model_files, write_files

INPUT_SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
EPSILON = 1e-5
CLASSES = 1000
# torchvision's inverted residual settings: expansion t, channels c, repeats n, stride s
SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
            (6, 160, 3, 2), (6, 320, 1, 1))
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
LAYER_NAMES = {
    "input": "input",
    "features": "features_out_relu",  # [n, 7, 7, 1280], after the last ReLU6
    "embedding": "embedding",  # [n, 1280], its global average
    "logits": "logits",  # [n, 1000], before the softmax
    "probabilities": "probabilities",  # [n, 1000]
}
KERAS_VERSION = "2.15.0"  # the topology format written (TF.js 4.22 reads Keras 2 configs)


def blocks() -> list[tuple[int, int, int, int]]:
    """(expansion, in channels, out channels, stride) of features.1 .. features.17."""
    out, channels = [], STEM_CHANNELS
    for t, c, n, s in SETTINGS:
        for i in range(n):
            out.append((t, channels, c, s if i == 0 else 1))
            channels = c
    return out


def expected_shapes() -> dict[str, tuple[int, ...]]:
    """Every weight of torchvision's mobilenet_v2 state dict (num_batches_tracked aside)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(key: str, out: int, inp: int, k: int) -> None:
        shapes[f"{key}.weight"] = (out, inp, k, k)

    def bn(key: str, n: int) -> None:
        for var in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{key}.{var}"] = (n,)

    conv("features.0.0", STEM_CHANNELS, 3, 3)
    bn("features.0.1", STEM_CHANNELS)
    for i, (t, inp, out, _s) in enumerate(blocks(), start=1):
        p, hidden, j = f"features.{i}.conv", inp * t, 0
        if t != 1:
            conv(f"{p}.0.0", hidden, inp, 1)
            bn(f"{p}.0.1", hidden)
            j = 1
        conv(f"{p}.{j}.0", hidden, 1, 3)  # depthwise
        bn(f"{p}.{j}.1", hidden)
        conv(f"{p}.{j + 1}", out, hidden, 1)
        bn(f"{p}.{j + 2}", out)
    last = len(blocks()) + 1
    conv(f"features.{last}.0", HEAD_CHANNELS, SETTINGS[-1][1], 1)
    bn(f"features.{last}.1", HEAD_CHANNELS)
    shapes["classifier.1.weight"] = (CLASSES, HEAD_CHANNELS)
    shapes["classifier.1.bias"] = (CLASSES,)
    return shapes


def check_state(state: Mapping[str, NDArray[Any]], source: str) -> None:
    """ConvertError naming missing, unexpected or misshapen weights."""
    want = expected_shapes()
    have = {k: tuple(v.shape) for k, v in state.items() if not k.endswith("num_batches_tracked")}
    problems = [_("missing {key}").format(key=k) for k in want if k not in have]
    problems += [_("unexpected {key}").format(key=k) for k in have if k not in want]
    problems += [_("{key} is {shape}, expected {expected}").format(key=k, shape=have[k],
                                                                   expected=want[k])
                 for k in want if k in have and have[k] != want[k]]
    if problems:
        shown = "; ".join(problems[:5]) + (
            "; " + _("and {n} more").format(n=len(problems) - 5) if len(problems) > 5 else "")
        raise ConvertError(_("{source} is not torchvision's mobilenet_v2 state dict: {shown}")
                           .format(source=source, shown=shown))


class _Graph:
    """Keras functional-model layer configs and their weights, built one layer at a time."""

    def __init__(self, dtype: type[np.floating[Any]] = np.float32) -> None:
        self.dtype = dtype
        self.layers: list[dict[str, Any]] = []
        self.weights: list[tuple[str, NDArray[Any]]] = []

    def add(self, class_name: str, name: str, inputs: list[str], config: dict[str, Any],
            weights: list[tuple[str, NDArray[Any]]] | None = None) -> str:
        full = {"name": name, "trainable": True, "dtype": "float32", **config}
        nodes = [[[src, 0, 0, {}] for src in inputs]] if inputs else []
        self.layers.append({"class_name": class_name, "config": full, "name": name,
                            "inbound_nodes": nodes})
        self.weights += [(f"{name}/{var}", np.asarray(arr, self.dtype)) for var, arr in
                         weights or []]
        return name

    def pad(self, name: str, x: str) -> str:
        return self.add("ZeroPadding2D", name, [x], {"padding": [[1, 1], [1, 1]],
                                                     "data_format": "channels_last"})

    def conv(self, name: str, x: str, kernel: NDArray[Any], bias: NDArray[Any] | None = None,
             stride: int = 1, activation: str = "linear") -> str:
        """torch Conv2d with OIHW ``kernel`` (and ``bias``); depthwise when I == 1 and
        O > 1. A 3x3 kernel pads 1 pixel on every side: ``same`` at stride 1 (TF pads
        (k - 1) / 2 on each side then, as torch does), an explicit ``ZeroPadding2D``
        before a ``valid`` convolution at stride 2, where TF's ``same`` would pad the
        right and bottom only."""
        out, inp, k, _kw = kernel.shape
        padding = "same"
        if k > 1 and stride > 1:
            x, padding = self.pad(f"{name.removesuffix('_conv')}_pad", x), "valid"
        common = {"kernel_size": [k, k], "strides": [stride, stride], "padding": padding,
                  "data_format": "channels_last", "dilation_rate": [1, 1],
                  "activation": activation, "use_bias": bias is not None}
        biases = [] if bias is None else [("bias", bias)]
        if inp == 1 and out > 1:
            return self.add("DepthwiseConv2D", name, [x], {**common, "depth_multiplier": 1},
                            [("depthwise_kernel", kernel.transpose(2, 3, 0, 1)), *biases])
        return self.add("Conv2D", name, [x], {**common, "filters": out},
                        [("kernel", kernel.transpose(2, 3, 1, 0)), *biases])

    def conv_bn(self, name: str, x: str, state: Mapping[str, NDArray[Any]], conv_key: str,
                bn_key: str, stride: int = 1, relu6: bool = True) -> str:
        """torchvision's Conv2d (``conv_key``) then BatchNorm2d (``bn_key``) (then ReLU6)
        as one convolution layer named ``name``: the batch norm folded into its kernel and
        bias (:func:`fold_batch_norm`), ReLU6 as its activation when ``relu6``."""
        kernel, bias = fold_batch_norm(state[f"{conv_key}.weight"], state, bn_key)
        return self.conv(name, x, kernel, bias, stride, "relu6" if relu6 else "linear")


def fold_batch_norm(kernel: NDArray[Any], state: Mapping[str, NDArray[Any]], key: str
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(kernel, bias) of one convolution equal to torch's bias-free Conv2d with OIHW
    ``kernel`` followed by BatchNorm2d ``key`` in eval mode: y = (conv(x) - mean) * s +
    beta with s = gamma / sqrt(var + eps), so kernel * s per output channel and bias
    beta - mean * s. Computed in float64; rounded once, to the weights' dtype."""
    f64 = {v: np.asarray(state[f"{key}.{v}"], np.float64)
           for v in ("weight", "bias", "running_mean", "running_var")}
    scale = f64["weight"] / np.sqrt(f64["running_var"] + EPSILON)
    folded = np.asarray(kernel, np.float64) * scale[:, None, None, None]
    return folded, f64["bias"] - f64["running_mean"] * scale


def build(state: Mapping[str, NDArray[Any]], source: str = "the state dict",
          dtype: type[np.floating[Any]] = np.float32
          ) -> tuple[dict[str, Any], list[tuple[str, NDArray[Any]]]]:
    """(model topology for model.json, [(weight name, array), ...]) from the state dict;
    the weights in ``dtype`` (float64: unrounded, for checking the folding exactly)."""
    check_state(state, source)
    g = _Graph(dtype)
    x = g.add("InputLayer", LAYER_NAMES["input"], [],
              {"batch_input_shape": [None, INPUT_SIZE, INPUT_SIZE, 3], "sparse": False})
    x = g.conv_bn("stem_conv", x, state, "features.0.0", "features.0.1", stride=2)
    for i, (t, inp, out, stride) in enumerate(blocks(), start=1):
        p, key, j, block_in = f"block_{i}", f"features.{i}.conv", 0, x
        if t != 1:
            x = g.conv_bn(f"{p}_expand_conv", x, state, f"{key}.0.0", f"{key}.0.1")
            j = 1
        x = g.conv_bn(f"{p}_dw_conv", x, state, f"{key}.{j}.0", f"{key}.{j}.1", stride)
        x = g.conv_bn(f"{p}_project_conv", x, state, f"{key}.{j + 1}", f"{key}.{j + 2}",
                      relu6=False)
        if stride == 1 and inp == out:
            x = g.add("Add", f"{p}_add", [block_in, x], {})
    last = len(blocks()) + 1
    x = g.conv_bn(LAYER_NAMES["features"], x, state, f"features.{last}.0",
                  f"features.{last}.1")
    x = g.add("GlobalAveragePooling2D", LAYER_NAMES["embedding"], [x],
              {"data_format": "channels_last"})
    x = g.add("Dense", LAYER_NAMES["logits"], [x],
              {"units": CLASSES, "activation": "linear", "use_bias": True},
              [("kernel", state["classifier.1.weight"].T), ("bias", state["classifier.1.bias"])])
    x = g.add("Activation", LAYER_NAMES["probabilities"], [x], {"activation": "softmax"})
    model_config = {"class_name": "Model", "config": {
        "name": "mobilenet_v2", "layers": g.layers,
        "input_layers": [[LAYER_NAMES["input"], 0, 0]],
        "output_layers": [[LAYER_NAMES["probabilities"], 0, 0]]}}
    topology = {"keras_version": KERAS_VERSION, "backend": "tensorflow",
                "model_config": model_config}
    return topology, [(n, np.ascontiguousarray(w)) for n, w in g.weights]


def metadata(classes: list[str], source: str) -> dict[str, Any]:
    """What a lab needs besides the weights: preprocessing, class names, layer names."""
    if len(classes) != CLASSES:
        raise ConvertError(_("{CLASSES} ImageNet class names are needed, got {n}")
                           .format(CLASSES=CLASSES, n=len(classes)))
    return {
        "name": "MobileNetV2 (ImageNet, torchvision weights)",
        "source": source,
        "input_size": INPUT_SIZE,
        "input": "RGB, centre square resized to 224x224, scaled to 0..1, then "
                 "(x - mean) / std per channel; NHWC float32",
        "mean": list(MEAN), "std": list(STD),
        "layers": LAYER_NAMES,
        "labels": [c.split(",")[0].strip() for c in classes],
        "classes": classes,
    }


def convert(pth: str | Path, out_dir: str | Path, classes: list[str],
            source: str = "") -> dict[str, bytes]:
    """Read ``pth``, write the TF.js model and metadata.json into a new ``out_dir``."""
    state = load_state_dict(pth)
    topology, weights = build(state, str(pth))
    files = layers_model_files(topology, weights, generated_by=f"torchvision ({Path(pth).name})")
    meta = metadata(classes, source or Path(pth).name)
    files["metadata.json"] = (json.dumps(meta, indent=1) + "\n").encode()
    write_files(out_dir, files)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pth", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--classes", type=Path, required=True,
                        help="JSON list of the 1000 ImageNet class names, in index order")
    parser.add_argument("--source", default="", help="where the weights came from")
    args = parser.parse_args(argv)
    try:
        classes = json.loads(args.classes.read_text(encoding="utf-8"))
        files = convert(args.pth, args.out_dir, classes, args.source)
    except (ConvertError, TorchStateError, OSError) as exc:
        print(_("mobilenet_v2: {exc}").format(exc=exc), file=sys.stderr)
        return 1
    print(_("wrote {out_dir}: {items}").format(out_dir=args.out_dir, items=', '.join(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
