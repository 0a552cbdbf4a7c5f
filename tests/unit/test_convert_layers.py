"""The converter's one layer table (pytfjs.convert.layers) against its judges.

- TF.js itself: ``tests/node/tfjs_layer_registry.js`` asks TF.js 4.22 (Node.js, pure JS) for
  the layer classes in its serialization registry. Every Keras class TF.js also has must be
  converted (or refused with the reason TF.js' class differs); every class the table says
  TF.js has must be registered; every refusal saying "TF.js has no such layer" must be true.
- Keras: ``keras_layer_classes.json`` (written by make_fixtures.py from Keras 3 and tf-keras)
  lists every layer class Keras exports; the table must cover each one, so no Keras built-in
  is ever called custom.
- docs/converter.md: its supported-layer list must be the one the table makes.
- The fixtures: every supported or rewritten class appears in a converted fixture in all
  three layouts (the predictions are checked in test_convert_keras.py).
- Every refusal: the message, exit code 1 and nothing written, for each refused class and
  each refused setting.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pytfjs.convert import ConvertError, convert_bytes, convert_file
from pytfjs.convert.__main__ import main as cli
from pytfjs.convert.keras_file import read_keras
from pytfjs.convert.layers import LAYERS, Layer, Refused, Rewrite, canonical, readme_markdown
from testkit.harness import ROOT
from tests.unit.test_convert_keras import _k3_with_config_change

FIXTURES = ROOT / "tests" / "fixtures" / "keras"
KERAS = json.loads((FIXTURES / "keras_layer_classes.json").read_text())
KERAS_CLASSES = set(KERAS["keras"]) | set(KERAS["tf_keras"])
REFS = json.loads((FIXTURES / "refs.json").read_text())
LAYOUTS = ("tfk2.h5", "k3.h5", "k3.keras")
# Supported classes a fixture cannot hold in every layout, and why
NOT_IN_EVERY_LAYOUT = {
    "RandomHeight": "tf-keras only (Keras 3 has no RandomHeight)",
    "RandomWidth": "tf-keras only (Keras 3 has no RandomWidth)",
    "ThresholdedReLU": "tf-keras only (Keras 3 has no ThresholdedReLU)",
    "RandomBrightness": "Keras 3.15 cannot save it to .h5 (cannot pickle 'module' object)",
}


@pytest.fixture(scope="module")
def registry() -> set[str]:
    node = shutil.which("node")
    assert node, "Node.js is required"
    proc = subprocess.run([node, "tests/node/tfjs_layer_registry.js"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(next(line for line in proc.stdout.splitlines()
                             if line.startswith("{")))
    assert answer["tfjs"] == "4.22.0"
    assert {"Dense", "Conv2D", "LSTM", "Bidirectional"} <= set(answer["layers"])
    return set(answer["layers"])


def test_every_layer_keras_and_tfjs_share_is_converted(registry: set[str]) -> None:
    shared = KERAS_CLASSES & registry
    assert len(shared) > 50
    wrong = {name: LAYERS.get(name) for name in sorted(shared)
             if not (isinstance(LAYERS.get(name), Layer | Rewrite) or
                     (isinstance(LAYERS.get(name), Refused) and LAYERS[name].differs))}
    assert wrong == {}


def test_what_the_table_says_about_tfjs_is_true(registry: set[str]) -> None:
    for name, spec in LAYERS.items():
        if isinstance(spec, Layer):
            assert (spec.tfjs or name) in registry, name
        elif isinstance(spec, Rewrite):
            # TF.js' RandomWidth resizes at inference; its RNN(cell) names weights otherwise
            assert name not in registry or name in ("RandomWidth", "RNN"), name
            assert spec.tfjs in registry, name
        elif spec.differs:
            assert name in registry, name
        else:  # the message says TF.js has no such layer
            assert name not in registry, name
    assert "Rescaling" in registry  # Subtract's rewrite uses it too


def test_every_keras_layer_class_is_in_the_table() -> None:
    assert len(KERAS_CLASSES) > 100
    assert sorted(KERAS_CLASSES - set(LAYERS)) == []
    assert sorted(set(LAYERS) - KERAS_CLASSES) == []  # no made-up names


def test_the_docs_list_is_the_tables() -> None:
    text = (ROOT / "docs" / "converter.md").read_text()
    block = text.split("<!-- layers:start -->\n")[1].split("\n<!-- layers:end -->")[0]
    assert block == readme_markdown(), "docs/converter.md's list is stale; paste:\n" + \
        readme_markdown()


def _classes(config: dict) -> set[str]:
    found = set()
    for entry in config["config"]["layers"]:
        found.add(canonical(entry["class_name"]))
        if entry["class_name"] in ("Sequential", "Functional", "Model"):
            found |= _classes(entry)
        inner = (entry.get("config") or {}).get("layer")
        if isinstance(inner, dict):
            found.add(canonical(inner["class_name"]))
    return found


def test_fixtures_cover_every_converted_class_in_every_layout() -> None:
    seen: dict[str, set[str]] = {layout: set() for layout in LAYOUTS}
    for name in REFS:
        layout = name.split(".", 1)[1]
        if layout in seen:
            seen[layout] |= _classes(read_keras((FIXTURES / name).read_bytes(),
                                                name).model_config)
    for name, spec in LAYERS.items():
        if isinstance(spec, Refused):
            continue
        where = {layout for layout in LAYOUTS if name in seen[layout]}
        if name in NOT_IN_EVERY_LAYOUT:
            assert "tfk2.h5" in where, name
        else:
            assert where == set(LAYOUTS), (name, where)


def test_keras3_mask_operations_are_dropped() -> None:
    conversion = convert_bytes((FIXTURES / "recurrent.k3.keras").read_bytes(), "r.keras")
    topology = json.loads(conversion.files["model.json"])["modelTopology"]["model_config"]
    classes = [entry["class_name"] for entry in topology["config"]["layers"]]
    assert "NotEqual" not in classes and "Bidirectional" in classes
    assert any("mask operations ['not_equal_1']" in note for note in conversion.notes)
    bidi = next(e for e in topology["config"]["layers"] if e["class_name"] == "Bidirectional")
    assert bidi["config"]["layer"]["config"]["name"] == "lstm_1"  # TF.js adds forward_
    assert "backward_layer" not in bidi["config"]
    names = [w["name"] for w in json.loads(conversion.files["model.json"])
             ["weightsManifest"][0]["weights"]]
    assert names[1:4] == [f"{bidi['name']}/forward_lstm_1/{v}"
                          for v in ("kernel", "recurrent_kernel", "bias")]


def test_keras3_operators_become_layers() -> None:
    conversion = convert_bytes((FIXTURES / "operators.k3.keras").read_bytes(), "o.keras")
    layers = json.loads(conversion.files["model.json"])["modelTopology"]["model_config"]
    found = [(entry["class_name"], entry["config"].get("scale"), entry["config"].get("offset"))
             for entry in layers["config"]["layers"] if entry["class_name"] not in
             ("InputLayer", "Dense")]
    assert found == [("Add", None, None),  # x + y
                     ("Rescaling", 2.0, 0.0),  # x * 2.0
                     ("Maximum", None, None),  # keras.ops.maximum(x, b)
                     ("Rescaling", 1.0, 1.5),  # 1.5 + x
                     ("Rescaling", 1.0, -0.5),  # x - 0.5
                     ("Minimum", None, None),
                     ("Rescaling", -1.0, 0.0), ("Add", None, None),  # ops.subtract(x, y)
                     ("Rescaling", -1.0, 3.0)]  # 3 - x
    assert "module" not in json.dumps(layers)


def test_subtract_becomes_add_of_the_negated_input() -> None:
    files = convert_bytes((FIXTURES / "merges.tfk2.h5").read_bytes(), "m.h5").files
    layers = json.loads(files["model.json"])["modelTopology"]["model_config"]["config"]
    by_name = {entry["name"]: entry for entry in layers["layers"]}
    add = by_name["subtract"]
    assert add["class_name"] == "Add"
    negated = by_name["subtract_negated"]
    assert negated["class_name"] == "Rescaling" and negated["config"]["scale"] == -1.0
    assert add["inbound_nodes"][0][1][0] == "subtract_negated"


# -- refusals --------------------------------------------------------------------------------
# a Keras 3 fixture with its config.json changed: the helper test_convert_keras has
_zip_with = _k3_with_config_change


def _layer(config: dict, class_name: str) -> dict:
    return next(entry for entry in config["config"]["layers"]
                if entry["class_name"] == class_name)


def _refused_class(class_name: str) -> Callable[[dict], None]:
    def change(config: dict) -> None:  # the weightless Masking layer becomes class_name
        _layer(config, "Masking")["class_name"] = class_name
    return change


def _set(class_name: str, **settings) -> Callable[[dict], None]:
    def change(config: dict) -> None:
        _layer(config, class_name)["config"].update(settings)
    return change


def _gru_reset_after(config: dict) -> None:
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "Bidirectional" and \
                entry["config"]["layer"]["class_name"] == "GRU":
            for half in ("layer", "backward_layer"):
                entry["config"][half]["config"]["reset_after"] = True


def _backward_differs(config: dict) -> None:
    _layer(config, "Bidirectional")["config"]["backward_layer"]["config"]["units"] = 5


def _bidirectional_dense(config: dict) -> None:
    inner = _layer(config, "Bidirectional")["config"]["layer"]
    inner["class_name"] = "Dense"


def _operation_on_data_path(config: dict) -> None:
    # the Bidirectional reads the NotEqual result as its data: not a mask any more
    node = _layer(config, "Bidirectional")["inbound_nodes"][0]
    node["args"][0]["config"]["keras_history"] = ["not_equal_1", 0, 0]


def _rnn_of_stacked_cells(config: dict) -> None:
    _layer(config, "RNN")["config"]["cell"]["class_name"] = "StackedRNNCells"


def _divide(config: dict) -> None:  # x * 2.0 becomes x / 2.0: no exact TF.js layer
    next(entry for entry in config["config"]["layers"]
         if entry["class_name"] == "Multiply" and entry.get("module", "").startswith(
             "keras.src.ops"))["class_name"] = "Divide"


def _keras1(config: dict) -> None:
    _layer(config, "Masking")["config"].update({"border_mode": "same", "init": "uniform"})


REFUSALS = {
    # name: (source fixture, change, expected text)
    **{f"class_{name}": ("masking.k3.keras", _refused_class(name),
                         f"class '{name}' is a Keras layer that cannot be converted")
       for name, spec in LAYERS.items() if isinstance(spec, Refused)},
    "custom_class": ("masking.k3.keras", _refused_class("MyScale"),
                     "class 'MyScale' is not a Keras built-in layer: a custom layer"),
    "keras1": ("masking.k3.keras", _keras1, "this is a Keras 1 file"),
    "rnn_of_stacked_cells": ("masking.k3.keras", _rnn_of_stacked_cells,
                             "RNN of 'StackedRNNCells': only RNN(LSTMCell), RNN(GRUCell)"),
    "gru_reset_after": ("recurrent.k3.keras", _gru_reset_after, "GRU(reset_after=True)"),
    "backward_differs": ("recurrent.k3.keras", _backward_differs,
                         "backward layer unlike the forward one (differs in ['units'])"),
    "bidirectional_dense": ("recurrent.k3.keras", _bidirectional_dense,
                            "Bidirectional of 'Dense': TF.js 4.22 wraps only"),
    "operation_on_data_path": ("recurrent.k3.keras", _operation_on_data_path,
                               "class 'NotEqual' is a Keras operation (keras.ops.not_equal)"),
    "operation_divide": ("operators.k3.keras", _divide,
                         "class 'Divide' is a Keras operation (keras.ops.divide)"),
    "conv1d_causal": ("sequence_conv.k3.keras", _set("Conv1D", padding="causal"),
                      "Conv1D(padding='causal') is not in TF.js 4.22"),
    "conv_groups": ("sequence_conv.k3.keras", _set("Conv1D", groups=2),
                    "grouped convolutions are not in TF.js 4.22"),
    "keepdims": ("sequence_conv.k3.keras", _set("GlobalMaxPooling1D", keepdims=True),
                 "keepdims=True pooling"),
    "transpose_output_padding": ("decoder.k3.keras",
                                 _set("Conv2DTranspose", output_padding=[1, 1]),
                                 "output_padding is not in TF.js 4.22"),
    "transpose_dilation": ("decoder.k3.keras", _set("Conv2DTranspose", dilation_rate=[2, 2]),
                           "a dilated transposed convolution"),
    "upsampling_bilinear": ("decoder.k3.keras", _set("UpSampling2D", interpolation="bilinear"),
                            "UpSampling2D(interpolation='bilinear') differs in TF.js 4.22"),
    "rms_scaling": ("decoder.k3.keras", _set("LayerNormalization", rms_scaling=True),
                    "LayerNormalization(rms_scaling=True)"),
    "elu_alpha": ("activations.k3.keras", _set("ELU", alpha=0.5),
                  "ELU(alpha=0.5) is not in TF.js 4.22"),
    "softmax_axis": ("activations.k3.keras", _set("Softmax", axis=1),
                     "Softmax(axis=1): TF.js 4.22 computes softmax over the last axis only"),
    "leaky_relu_layer": ("blocks.k3.keras", _set("ReLU", negative_slope=0.1),
                         "a ReLU with negative_slope"),
    "normalization_invert": ("merges.k3.keras", _set("Normalization", invert=True),
                             "Normalization(invert=True) has no TF.js equivalent"),
    "normalization_given_mean": ("merges.k3.keras",
                                 _set("Normalization", mean=[0.0], variance=[1.0]),
                                 "Normalization with mean/variance given in the constructor"),
    "normalization_axes": ("merges.k3.keras", _set("Normalization", axis=[1, 2]),
                           "Normalization(axis=[1, 2]): only axis=-1"),
    "keras3_hard_sigmoid": ("course_cnn.k3.keras", _set("Activation",
                                                        activation="hard_sigmoid"),
                            "Keras 3's hard_sigmoid is relu6(x + 3) / 6"),
    "unknown_activation": ("course_cnn.k3.keras", _set("Activation", activation="hard_silu"),
                           "activation 'hard_silu' has no TF.js equivalent"),
    "embedding_sparse": ("recurrent.k3.keras", _set("Embedding", sparse=True),
                         "Embedding(sparse=True)"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_names_the_layer_exits_1_and_writes_nothing(tmp_path: Path, case: str,
                                                                 capsys) -> None:
    source, change, expected = REFUSALS[case]
    path = tmp_path / f"{case}.keras"
    path.write_bytes(_zip_with(source, change))
    with pytest.raises(ConvertError) as caught:
        convert_file(path, tmp_path / "out")
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"{path.name}: layer '")
    if case.startswith("class_"):
        name = case.removeprefix("class_")
        spec = LAYERS[name]
        assert spec.alternative in message
        assert ("TF.js 4.22 has no such layer" in message) != bool(spec.differs)
    assert "custom" not in message or case == "custom_class"
    assert cli([str(path), str(tmp_path / "out")]) == 1
    assert expected in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
