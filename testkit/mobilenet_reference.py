"""Two numpy forward passes of MobileNetV2 for the tests, independent of TF.js.

- :func:`torch_forward` follows torchvision's ``MobileNetV2.forward`` on the torch state
  dict itself (NCHW, OIHW kernels, float64), written from torchvision's architecture,
  not from ``pytfjs.convert.mobilenet_v2``: the reference the converter is checked against.
- :func:`keras_forward` interprets a converted ``model.json`` topology with its weights
  (NHWC, HWIO kernels, float64), layer by layer along the inbound nodes: it checks the
  conversion (layouts, padding, folded batch norms, wiring) without a browser.

Also :func:`read_png`, a small PNG decoder (8-bit, non-interlaced), so tests decode the
sample photos without an imaging library.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

# torchvision's table: expansion t, output channels c, repeats n, first stride s
INVERTED_RESIDUAL = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                     (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def _conv(x: np.ndarray, w: np.ndarray, stride: int, groups: int = 1) -> np.ndarray:
    """torch.nn.functional.conv2d for one image [C, H, W], padding (k - 1) // 2."""
    k = w.shape[2]
    pad = (k - 1) // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    h = (x.shape[1] + 2 * pad - k) // stride + 1
    wd = (x.shape[2] + 2 * pad - k) // stride + 1
    out = np.zeros((w.shape[0], h, wd))
    for i in range(k):
        for j in range(k):
            patch = xp[:, i:i + stride * (h - 1) + 1:stride, j:j + stride * (wd - 1) + 1:stride]
            if groups == 1:
                out += np.tensordot(w[:, :, i, j], patch, axes=(1, 0))
            else:
                out += w[:, 0, i, j][:, None, None] * patch
    return out


def _bn(x: np.ndarray, s: Mapping[str, np.ndarray], key: str) -> np.ndarray:
    scale = s[f"{key}.weight"] / np.sqrt(s[f"{key}.running_var"].astype(np.float64) + 1e-5)
    return ((x - s[f"{key}.running_mean"][:, None, None]) * scale[:, None, None]
            + s[f"{key}.bias"][:, None, None])


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0, 6)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def torch_forward(state: Mapping[str, np.ndarray], image: np.ndarray) -> dict[str, np.ndarray]:
    """{"features": [H, W, 1280], "embedding": [1280], "logits", "probabilities": [1000]}
    for one normalised image [H, W, 3] (NHWC in and out, NCHW inside, like torch)."""
    s = {k: v.astype(np.float64) for k, v in state.items() if v.dtype.kind == "f"}
    x = image.astype(np.float64).transpose(2, 0, 1)
    x = _relu6(_bn(_conv(x, s["features.0.0.weight"], 2), s, "features.0.1"))
    i, channels = 1, 32
    for t, c, n, first_stride in INVERTED_RESIDUAL:
        for r in range(n):
            stride = first_stride if r == 0 else 1
            p, y = f"features.{i}.conv", x
            layers = 0
            if t != 1:
                y = _relu6(_bn(_conv(y, s[f"{p}.0.0.weight"], 1), s, f"{p}.0.1"))
                layers = 1
            y = _relu6(_bn(_conv(y, s[f"{p}.{layers}.0.weight"], stride, groups=y.shape[0]),
                           s, f"{p}.{layers}.1"))
            y = _bn(_conv(y, s[f"{p}.{layers + 1}.weight"], 1), s, f"{p}.{layers + 2}")
            x = x + y if stride == 1 and channels == c else y
            channels, i = c, i + 1
    features = _relu6(_bn(_conv(x, s[f"features.{i}.0.weight"], 1), s, f"features.{i}.1"))
    embedding = features.mean(axis=(1, 2))
    logits = s["classifier.1.weight"] @ embedding + s["classifier.1.bias"]
    return {"features": features.transpose(1, 2, 0), "embedding": embedding,
            "logits": logits, "probabilities": softmax(logits)}


def keras_forward(topology: Mapping[str, Any], weights: Mapping[str, np.ndarray],
                  image: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output for one image [H, W, 3], by layer name (batch axis dropped)."""
    config = topology["model_config"]["config"]
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    out: dict[str, np.ndarray] = {}
    for layer in config["layers"]:
        kind, cfg, name = layer["class_name"], layer["config"], layer["name"]
        inputs = [out[node[0]] for node in layer["inbound_nodes"][0]] if layer[
            "inbound_nodes"] else []
        x = inputs[0] if inputs else None
        if kind == "InputLayer":
            assert cfg["batch_input_shape"][1:] == [224, 224, 3]
            y = image.astype(np.float64)
        elif kind == "ZeroPadding2D":
            (top, bottom), (left, right) = cfg["padding"]
            y = np.pad(x, ((top, bottom), (left, right), (0, 0)))
        elif kind in ("Conv2D", "DepthwiseConv2D"):
            kernel = w[f"{name}/kernel" if kind == "Conv2D" else f"{name}/depthwise_kernel"]
            k, stride = kernel.shape[0], cfg["strides"][0]
            if cfg["padding"] == "same":  # TF: the total (k - 1) split, the extra after
                assert stride == 1, "only stride 1 pads as torch does under 'same'"
                x = np.pad(x, (((k - 1) // 2, k // 2), ((k - 1) // 2, k // 2), (0, 0)))
            else:
                assert cfg["padding"] == "valid"
            h, wd = (x.shape[0] - k) // stride + 1, (x.shape[1] - k) // stride + 1
            y = 0
            for i in range(k):
                for j in range(k):
                    patch = x[i:i + stride * (h - 1) + 1:stride, j:j + stride * (wd - 1) + 1:stride]
                    y = y + (patch @ kernel[i, j] if kind == "Conv2D"
                             else patch * kernel[i, j, :, 0])
            if cfg["use_bias"]:
                y = y + w[f"{name}/bias"]
            y = {"linear": lambda v: v, "relu6": _relu6}[cfg["activation"]](y)
        elif kind == "BatchNormalization":
            y = ((x - w[f"{name}/moving_mean"]) / np.sqrt(w[f"{name}/moving_variance"]
                                                          + cfg["epsilon"])
                 * w[f"{name}/gamma"] + w[f"{name}/beta"])
        elif kind == "ReLU":
            y = np.clip(x, 0, cfg["max_value"])
        elif kind == "Add":
            y = sum(inputs)
        elif kind == "GlobalAveragePooling2D":
            y = x.mean(axis=(0, 1))
        elif kind == "Dense":
            y = x @ w[f"{name}/kernel"] + w[f"{name}/bias"]
        elif kind == "Activation" and cfg["activation"] == "softmax":
            y = softmax(x)
        else:
            raise AssertionError(f"unexpected layer {kind} {name}")
        out[name] = y
    return out


def read_png(data: bytes) -> np.ndarray:
    """uint8 [h, w, c] of an 8-bit, non-interlaced PNG (gray, RGB, gray+alpha or RGBA)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or colour not in (0, 2, 4, 6):
                raise ValueError("only 8-bit, non-interlaced, non-palette PNGs")
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for r in range(height):
        kind = raw[r * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, r * (stride + 1) + 1).astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 255
        else:  # Sub, Average, Paeth depend on the pixel to the left: byte by byte
            cur_list = [0] * stride
            lv, pv = line.tolist(), prev.tolist()
            for i in range(stride):
                a = cur_list[i - channels] if i >= channels else 0
                b = pv[i]
                c = pv[i - channels] if i >= channels else 0
                if kind == 1:
                    pred = a
                elif kind == 3:
                    pred = (a + b) >> 1
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                else:
                    raise ValueError(f"bad PNG filter {kind}")
                cur_list[i] = (lv[i] + pred) & 255
            cur = np.array(cur_list, np.int32)
        out[r] = cur
        prev = cur
    return out.reshape(height, width, channels)
