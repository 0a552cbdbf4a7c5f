"""MobileNetV2 from torchvision's weights: the conversion checked in numpy, no browser.

The reference is a numpy forward pass written from torchvision's architecture on the
torch state dict (testkit/mobilenet_reference.py); the converted model.json is run by a
small numpy interpreter of its layers. Both must agree, and the real weights must name
the sample photos.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from buildlib.fetch.integrity import sha256_file
from buildlib.make import models
from pytfjs.convert import mobilenet_v2 as mn
from pytfjs.convert import writer
from pytfjs.convert.torch_state import load_state_dict
from pytfjs.data import images
from testkit import mobilenet_reference as ref


def random_state(seed: int = 0) -> dict[str, np.ndarray]:
    """A state dict with torchvision's names and shapes and well-scaled random values."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, shape in mn.expected_shapes().items():
        if name.endswith("running_var"):
            value = rng.uniform(0.5, 1.5, shape)
        elif name.endswith(("running_mean", "bias")):
            value = rng.normal(0, 0.1, shape)
        elif len(shape) == 1:  # batch-norm gamma
            value = rng.uniform(0.5, 1.5, shape)
        else:
            fan_in = int(np.prod(shape[1:]))
            value = rng.normal(0, np.sqrt(2 / fan_in), shape)
        state[name] = value.astype(np.float32)
        if name.endswith("running_var"):
            state[name[:-len("running_var")] + "num_batches_tracked"] = np.array(1, np.int64)
    return state


@pytest.fixture(scope="module")
def real_state() -> dict[str, np.ndarray]:
    pth = models.extract(models.PTH[0], {models.PTH[1]: models.PTH_SHA256})[models.PTH[1]]
    return load_state_dict(pth)


@pytest.fixture(scope="module")
def photos() -> dict[str, Path]:
    files = models.extract(models.SKIMAGE, {models.PHOTOS_PREFIX + p.file: p.sha256
                                            for p in models.PHOTOS})
    return {Path(k).stem: v for k, v in files.items()}


def model_input(png: Path) -> np.ndarray:
    square = images.center_square(ref.read_png(png.read_bytes())[..., :3], mn.INPUT_SIZE)
    return images.normalize(square, mn.MEAN, mn.STD)


def test_topology_is_keras2_with_torch_padding_and_named_cut_points() -> None:
    topology, weights = mn.build(random_state())
    layers = topology["model_config"]["config"]["layers"]
    names = [layer["name"] for layer in layers]
    assert len(names) == len(set(names))
    assert set(mn.LAYER_NAMES.values()) <= set(names)
    assert layers[0]["config"]["batch_input_shape"] == [None, 224, 224, 3]
    by_name = {layer["name"]: layer for layer in layers}
    activations = []
    for layer in layers:
        for node in layer["inbound_nodes"][0] if layer["inbound_nodes"] else []:
            assert names.index(node[0]) < names.index(layer["name"])  # wired to earlier layers
        cfg = layer["config"]
        if layer["class_name"] in ("Conv2D", "DepthwiseConv2D"):
            assert cfg["use_bias"]  # the batch norm folded in
            activations.append(cfg["activation"])
            source = by_name[layer["inbound_nodes"][0][0][0]]
            if cfg["kernel_size"] == [3, 3] and cfg["strides"] == [2, 2]:
                # torch's 1-pixel pad on every side, which TF's "same" is not at stride 2
                assert cfg["padding"] == "valid"
                assert source["class_name"] == "ZeroPadding2D"
                assert source["config"]["padding"] == [[1, 1], [1, 1]]
            else:  # stride 1: "same" pads 1 on every side of a 3x3 kernel, 0 for 1x1
                assert cfg["strides"] == [1, 1] and cfg["padding"] == "same"
                assert source["class_name"] != "ZeroPadding2D"
    kinds = [layer["class_name"] for layer in layers]
    assert kinds.count("Add") == 10 and kinds.count("DepthwiseConv2D") == 17
    assert kinds.count("Conv2D") == 35 and kinds.count("ZeroPadding2D") == 5
    assert "BatchNormalization" not in kinds and "ReLU" not in kinds
    # ReLU6 after every convolution but the 17 linear projections of the blocks
    assert activations.count("relu6") == 35 and activations.count("linear") == 17
    assert all(by_name[f"block_{i}_project_conv"]["config"]["activation"] == "linear"
               for i in range(1, 18))
    assert kinds[-4:] == ["Conv2D", "GlobalAveragePooling2D", "Dense", "Activation"]
    assert names[-4:] == ["features_out_relu", "embedding", "logits", "probabilities"]
    assert by_name["features_out_relu"]["config"]["activation"] == "relu6"
    assert sum(w.size for _, w in weights) == 3_487_816
    assert all(w.dtype == np.float32 for _, w in weights)
    assert {n.rsplit("/", 1)[0] for n, _ in weights} <= set(names)


def test_batch_norm_folds_into_the_kernel_and_bias_exactly() -> None:
    """One convolution + batch norm against its folded form, in float64 on torch's layout."""
    rng = np.random.default_rng(3)
    state = {"bn.weight": rng.uniform(0.5, 1.5, 4), "bn.bias": rng.normal(0, 0.1, 4),
             "bn.running_mean": rng.normal(0, 0.1, 4),
             "bn.running_var": rng.uniform(0.01, 2, 4)}
    kernel, x = rng.normal(size=(4, 3, 3, 3)), rng.normal(size=(3, 9, 9))
    folded, bias = mn.fold_batch_norm(kernel, state, "bn")
    expected = ref._bn(ref._conv(x, kernel, 1), state, "bn")
    np.testing.assert_allclose(ref._conv(x, folded, 1) + bias[:, None, None], expected,
                               rtol=1e-12, atol=1e-12)
    assert not np.allclose(ref._conv(x, kernel, 1), expected, atol=1e-3)  # BN did something


def test_wrong_state_dicts_are_named_precisely() -> None:
    state = random_state()
    del state["features.5.conv.1.0.weight"]
    state["features.2.conv.2.weight"] = np.zeros((24, 96, 3, 3), np.float32)
    state["extra.weight"] = np.zeros(3, np.float32)
    with pytest.raises(writer.ConvertError) as info:
        mn.build(state, "other.pth")
    message = str(info.value)
    assert message.startswith("other.pth is not torchvision's mobilenet_v2 state dict")
    assert "missing features.5.conv.1.0.weight" in message
    assert "unexpected extra.weight" in message
    assert "features.2.conv.2.weight is (24, 96, 3, 3), expected (24, 96, 1, 1)" in message


def test_converted_layers_compute_what_torch_computes() -> None:
    """Random weights and input: every named output equals the torch-layout reference,
    exactly with unrounded weights, within float32 rounding with the written ones."""
    state = random_state(1)
    image = np.random.default_rng(2).normal(size=(224, 224, 3)).astype(np.float32)
    torch_out = ref.torch_forward(state, image)
    topology, exact = mn.build(state, dtype=np.float64)
    _, rounded = mn.build(state)
    exact_out = ref.keras_forward(topology, dict(exact), image)
    rounded_out = ref.keras_forward(topology, dict(rounded), image)
    for key in ("features", "embedding", "logits", "probabilities"):
        want = torch_out[key]
        np.testing.assert_allclose(exact_out[mn.LAYER_NAMES[key]], want,
                                   rtol=1e-9, atol=1e-9, err_msg=key)
        np.testing.assert_allclose(rounded_out[mn.LAYER_NAMES[key]], want, rtol=0,
                                   atol=1e-4 * np.abs(want).max(), err_msg=key)
    assert exact_out["features_out_relu"].shape == (7, 7, 1280)


def test_real_weights_name_the_sample_photos(real_state, photos) -> None:
    classes = models.parse_imagenet_classes(
        models.extract(models.CLASSES_JS[0], {models.CLASSES_JS[1]: models.CLASSES_JS_SHA256})[
            models.CLASSES_JS[1]].read_text())
    labels = mn.metadata(classes, "test")["labels"]
    topology, weights = mn.build(real_state)
    expected = {"chelsea": "Egyptian cat", "coffee": "espresso"}
    for name, label in expected.items():
        x = model_input(photos[name])
        p = ref.torch_forward(real_state, x)["probabilities"]
        assert labels[int(p.argmax())] == label, (name, labels[int(p.argmax())])
        q = ref.keras_forward(topology, dict(weights), x)["probabilities"]
        np.testing.assert_allclose(q, p, atol=1e-6)  # measured: 4.5e-8 and 1.4e-9
        top5 = np.argsort(p)[::-1][:5]
        assert list(np.argsort(q)[::-1][:5]) == list(top5), name
    chelsea = ref.torch_forward(real_state, model_input(photos["chelsea"]))["probabilities"]
    top3 = {labels[i] for i in np.argsort(chelsea)[::-1][:3]}
    assert top3 == {"Egyptian cat", "tiger cat", "tabby"}


def test_built_files_hold_exactly_the_converted_weights(dist_dir, real_state) -> None:
    folder = dist_dir / models.MODEL_DIR
    doc = json.loads((folder / "model.json").read_text())
    topology, weights = mn.build(real_state)
    assert doc["modelTopology"] == json.loads(json.dumps(topology))
    shards = {p: (folder / p).read_bytes() for p in doc["weightsManifest"][0]["paths"]}
    decoded = writer.decode_weights(doc["weightsManifest"], shards)
    assert list(decoded) == [name for name, _ in weights]
    for name, array in weights:
        np.testing.assert_array_equal(decoded[name], array, err_msg=name)
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["labels"][285] == "Egyptian cat" and meta["labels"][967] == "espresso"
    assert meta["mean"] == list(mn.MEAN) and meta["std"] == list(mn.STD)
    assert meta["layers"]["embedding"] == "embedding"
    for name, digest in models.MODEL_OUTPUTS.items():
        assert sha256_file(folder / name) == digest, name


def test_imagenet_class_names_parse_from_the_js_module() -> None:
    js = ("exports.IMAGENET_CLASSES = {\n    0: 'tench, Tinca tinca',\n    1: 'a ' +\n"
          "        'b',\n" + "".join(f"    {i}: 'c{i}',\n" for i in range(2, 1000))
          + "    };\n")
    js = js.replace("'c607'", "'jack-o\\'-lantern'")
    classes = models.parse_imagenet_classes(js)
    assert classes[:2] == ["tench, Tinca tinca", "a b"] and classes[607] == "jack-o'-lantern"
    with pytest.raises(ValueError, match="998 classes"):
        models.parse_imagenet_classes(js.replace("    5: 'c5',\n", "").replace(
            "    6: 'c6',\n", ""))
