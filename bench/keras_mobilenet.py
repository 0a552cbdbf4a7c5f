"""A built site's MobileNetV2 in Keras on this machine's CPU: the native yardstick for
bench_mobilenet.

Run by bench_mobilenet.py with the Python of bench/.keras-venv (TensorFlow lives only there,
never in the test environment), with ``py/`` on its path. Builds the very network of each
given ``model.json`` (its layers, its weights from the shards) as a Keras functional model,
classifies the chelsea photo as the lab does (centre square, 224x224, normalised) and
times one image per call: ``model(x)`` compiled by ``tf.function``, median of ``N`` after
a warm-up (on ``$KERAS_MOBILENET_THREADS`` threads if set, else TensorFlow's default).
Prints one JSON line: per folder, ms per image, top-1 and the probabilities' largest
difference from the numpy reference on the same input.

    python -m bench.keras_mobilenet N DIST/models/mobilenet_v2 [OTHER/models/mobilenet_v2]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from pytfjs.convert.writer import decode_weights
from pytfjs.data import images
from testkit import mobilenet_reference as ref


def keras_layer(kind: str, cfg: dict):
    """The Keras 3 layer of a TF.js layer config (the kinds MobileNetV2's builds use)."""
    import keras

    common = {"name": cfg["name"]}
    if kind in ("Conv2D", "DepthwiseConv2D"):
        conv = {"kernel_size": cfg["kernel_size"], "strides": cfg["strides"],
                "padding": cfg["padding"], "use_bias": cfg["use_bias"],
                "activation": cfg["activation"], **common}
        if kind == "Conv2D":
            return keras.layers.Conv2D(cfg["filters"], **conv)
        return keras.layers.DepthwiseConv2D(depth_multiplier=cfg["depth_multiplier"], **conv)
    if kind == "ZeroPadding2D":
        return keras.layers.ZeroPadding2D([tuple(p) for p in cfg["padding"]], **common)
    if kind == "BatchNormalization":
        return keras.layers.BatchNormalization(epsilon=cfg["epsilon"], **common)
    if kind == "ReLU":
        return keras.layers.ReLU(max_value=cfg["max_value"], **common)
    if kind == "Dense":
        return keras.layers.Dense(cfg["units"], activation=cfg["activation"], **common)
    if kind == "Activation":
        return keras.layers.Activation(cfg["activation"], **common)
    return {"Add": keras.layers.Add,
            "GlobalAveragePooling2D": keras.layers.GlobalAveragePooling2D}[kind](**common)


def keras_model(folder: Path):
    """The Keras model of ``folder``'s model.json, with its weights."""
    import keras

    doc = json.loads((folder / "model.json").read_text())
    shards = {p: (folder / p).read_bytes() for g in doc["weightsManifest"] for p in g["paths"]}
    weights = decode_weights(doc["weightsManifest"], shards)
    config = doc["modelTopology"]["model_config"]["config"]
    out: dict[str, object] = {}
    made = []
    for layer in config["layers"]:
        kind, cfg, name = layer["class_name"], layer["config"], layer["name"]
        if kind == "InputLayer":
            out[name] = keras.Input(cfg["batch_input_shape"][1:], name=name)
            continue
        inputs = [out[n[0]] for n in layer["inbound_nodes"][0]]
        made_layer = keras_layer(kind, cfg)
        out[name] = made_layer(inputs if kind == "Add" else inputs[0])
        made.append(made_layer)
    model = keras.Model(out[config["input_layers"][0][0]], out[config["output_layers"][0][0]])
    for made_layer in made:
        names = [w.path.split("/")[-1] for w in made_layer.weights]
        if isinstance(made_layer, keras.layers.DepthwiseConv2D):  # TF.js' name for it
            names = ["depthwise_kernel" if n == "kernel" else n for n in names]
        if names:
            made_layer.set_weights([weights[f"{made_layer.name}/{n}"] for n in names])
    return model


def main() -> None:
    import os

    import tensorflow as tf

    if os.environ.get("KERAS_MOBILENET_THREADS"):  # bench_mobilenet --one-thread
        threads = int(os.environ["KERAS_MOBILENET_THREADS"])
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    n, folders = int(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    photo = ref.read_png((folders[0].parent.parent / "data/photos/chelsea.png").read_bytes())
    meta = json.loads((folders[0] / "metadata.json").read_text())
    x = images.normalize(images.center_square(photo[..., :3], 224), meta["mean"],
                         meta["std"])[None].astype(np.float32)
    expected = None
    results = {}
    for folder in folders:
        model = keras_model(folder)
        call = tf.function(lambda t, m=model: m(t, training=False))
        p = call(tf.constant(x)).numpy()[0]  # warm-up: tracing
        for _ in range(3):
            call(tf.constant(x)).numpy()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            call(tf.constant(x)).numpy()
            times.append((time.perf_counter() - t0) * 1000)
        if expected is None:  # the float64 reference on the same input (first folder)
            doc = json.loads((folder / "model.json").read_text())
            shards = {q: (folder / q).read_bytes() for g in doc["weightsManifest"]
                      for q in g["paths"]}
            expected = ref.keras_forward(doc["modelTopology"], decode_weights(
                doc["weightsManifest"], shards), x[0])["probabilities"]
        results[str(folder)] = {
            "ms": statistics.median(times), "top1": meta["labels"][int(p.argmax())],
            "max_diff": float(np.abs(p - expected).max())}
    print(json.dumps({"tensorflow": tf.__version__, "threads": tf.config.threading
                      .get_intra_op_parallelism_threads(), "results": results}))


if __name__ == "__main__":
    main()
