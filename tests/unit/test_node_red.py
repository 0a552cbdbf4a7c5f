"""node-red-contrib-pytfjs in a real Node-RED (the pinned devDependency, 4.1.8).

The package is packed and installed offline into a temporary Node-RED user directory next
to the one @tensorflow/tfjs copy; Node-RED starts headless on a loopback port; a flow is
deployed through the admin API (POST /flows): http in -> pytfjs predict -> http response,
with a catch node that answers errors with HTTP 400. The exports are made on CPython the
way the labs make them (testkit/exported_models.py). Answers must match plain Node.js
(examples/node, which the browser tests compare with the page) and numpy's float64
references within 1e-4. Node-RED is stopped by its PID at the end of the module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from buildlib.make import models
from pytfjs.convert import convert_file
from pytfjs.convert import mobilenet_v2 as mn
from pytfjs.convert.torch_state import load_state_dict
from pytfjs.data import images
from pytfjs.export import zip_files
from testkit import mobilenet_reference as ref
from testkit.exported_models import csv_export, rpsls_export, rpsls_project
from testkit.harness import ROOT
from testkit.node_red import (
    NodeRed,
    example_flow,
    install_user_dir,
    predict_flow,
)

PICTURES = ("chelsea.png", "coffee.png", "rocket.jpg")


@pytest.fixture(scope="module")
def exports(dist_dir, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("exports")
    rpsls = rpsls_export(dist_dir / models.MODEL_DIR, root / "rpsls-model")
    zipped = root / "rpsls-model.zip"  # as the lab's Export button downloads it
    zipped.write_bytes(zip_files({p.name: p.read_bytes()
                                  for p in sorted(rpsls.folder.iterdir())}))
    fruit = csv_export(root / "fruit-model")
    convert_file(str(dist_dir / "models/keras/emotion_model.hdf5"), str(root / "emotion"))
    project = root / "rpsls-project.zip"  # the studio's Export project, with rpsls's head
    project.write_bytes(rpsls_project(dist_dir / models.MODEL_DIR, rpsls))
    return {"rpsls": rpsls, "zip": zipped, "fruit": fruit, "keras": root / "emotion",
            "project": project, "root": root}


@pytest.fixture(scope="module")
def red(exports, dist_dir, tmp_path_factory):
    user_dir = tmp_path_factory.mktemp("node-red-user")
    install_user_dir(user_dir, tmp_path_factory.mktemp("pack"), wasm=True)
    with NodeRed(user_dir) as server:
        server.deploy(predict_flow({
            "rpsls": exports["zip"], "rpsls-folder": exports["rpsls"].folder,
            "fruit": exports["fruit"].folder, "keras": exports["keras"],
            "missing": exports["root"] / "no-such-model.zip",
            "project": exports["project"], "project-alone": exports["project"]},
            with_meta=True, embeddings={"project": dist_dir / models.MODEL_DIR}))
        yield server
    assert server.proc.poll() is not None  # stopped


def node_classify(folder: Path, picture: Path) -> dict:
    proc = subprocess.run([shutil.which("node"), "examples/node/rpsls-classify.js", str(folder),
                           str(picture)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_installed_offline_with_one_tfjs_shared_by_the_process(red):
    modules = red.user_dir / "node_modules"
    copies = sorted(str(p.parent.relative_to(modules))
                    for p in modules.rglob("package.json")
                    if p.parent.name == "tfjs-core" or p.parent.match("@tensorflow/tfjs"))
    assert copies == ["@tensorflow/tfjs", "@tensorflow/tfjs-core"]  # one each
    package = modules / "node-red-contrib-pytfjs"
    for bundled in ("pngjs", "jpeg-js", "fflate"):
        assert (package / "node_modules" / bundled / "package.json").is_file(), bundled
    log = red.log()
    assert "loaded image model: 3 labels" in log and "loaded CSV model" in log


def test_pictures_get_the_labels_and_probabilities_of_plain_node_and_numpy(red, exports,
                                                                           dist_dir):
    rpsls = exports["rpsls"]
    pth = models.extract(models.PTH[0], {models.PTH[1]: models.PTH_SHA256})[models.PTH[1]]
    state = load_state_dict(pth)
    for name in PICTURES:
        picture = dist_dir / "data/photos" / name
        kind = "image/png" if name.endswith(".png") else "image/jpeg"
        answers = [red.post_bytes(f"/predict/{route}", picture.read_bytes(), kind)
                   for route in ("rpsls", "rpsls-folder")]
        for status, answer in answers:
            assert status == 200, answer
        results = [answer["result"] for _, answer in answers]
        assert results[0] == results[1]  # the zip and the folder are the same model
        got = results[0]
        assert set(got) == {"label", "probability", "probabilities"}
        assert answers[0][1]["pytfjs"]["kind"] == "image"
        assert answers[0][1]["pytfjs"]["ms"]["total"] > 0
        plain = node_classify(rpsls.folder, picture)
        assert got["label"] == plain["class"], name
        np.testing.assert_allclose([got["probabilities"][n] for n in rpsls.labels],
                                   [plain["probabilities"][n] for n in rpsls.labels],
                                   atol=1e-4)
        if kind == "image/png":  # numpy reads PNGs exactly as pngjs does
            photo = ref.read_png(picture.read_bytes())[..., :3]
            x = images.normalize(images.center_square(photo, 224), mn.MEAN, mn.STD)
            expected = rpsls.head_probabilities(ref.torch_forward(state, x)["embedding"])
            assert got["label"] == rpsls.labels[int(np.argmax(expected))], name
            np.testing.assert_allclose([got["probabilities"][n] for n in rpsls.labels],
                                       expected, atol=1e-4)


def test_a_webcam_project_predicts_as_its_model_export_does(red, exports, dist_dir):
    """The studio's project zip + the site's MobileNetV2 (given by the model node's
    Embedding model) is the same classifier as the lab's one-model export of that head."""
    assert "loaded image model: 3 labels (webcam project, 6 samples)" in red.log()
    labels = exports["rpsls"].labels
    for name in PICTURES[:1]:  # one picture: cpu takes ~6 s a prediction here
        picture = dist_dir / "data/photos" / name
        kind = "image/png" if name.endswith(".png") else "image/jpeg"
        (status, project), (_, export) = (
            red.post_bytes(f"/predict/{route}", picture.read_bytes(), kind)
            for route in ("project", "rpsls"))
        assert status == 200, project
        assert project["pytfjs"]["kind"] == "image"
        got, want = project["result"], export["result"]
        assert got["label"] == want["label"], name
        np.testing.assert_allclose([got["probabilities"][n] for n in labels],
                                   [want["probabilities"][n] for n in labels], atol=1e-4)


def test_csv_rows_get_the_exported_preprocessing(red, exports):
    fruit = exports["fruit"]
    rows = fruit.rows[:12]
    expected = fruit.outputs(rows)
    columns = [spec["column"] for spec in fruit.prepared.features]
    for i, row in enumerate(rows):
        # an object with every column of the file (id and the label are ignored), or the
        # feature columns' values in order, as numbers where they are numbers
        payload = row if i % 2 == 0 else [
            float(row[c]) if spec["kind"] == "number" else row[c]
            for c, spec in zip(columns, fruit.prepared.features, strict=True)]
        status, answer = red.post_json("/predict/fruit", payload)
        assert status == 200, answer
        got = answer["result"]
        assert got["label"] == fruit.prepared.class_names[int(np.argmax(expected[i]))]
        np.testing.assert_allclose(got["output"], expected[i], atol=1e-4)
        np.testing.assert_allclose([got["probabilities"][c] for c in fruit.prepared.class_names],
                                   expected[i], atol=1e-4)
        assert answer["pytfjs"]["kind"] == "csv"


def test_a_converted_keras_model_takes_and_gives_numbers(red, exports, tmp_path):
    x = np.random.default_rng(5).random((64, 64, 1)).astype(np.float32)
    status, answer = red.post_json("/predict/keras", x.tolist())  # no batch dimension
    assert status == 200, answer
    assert answer["pytfjs"]["kind"] == "plain"
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"dir": str(exports["keras"]), "input": x[None].tolist(),
                                 "dtype": "float32"}]))
    proc = subprocess.run([shutil.which("node"), "tests/node/predict_tfjs_model.js", str(jobs)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    plain = json.loads(proc.stdout.strip().splitlines()[-1])["output"][0]
    assert len(answer["result"]) == len(plain) == 7
    np.testing.assert_allclose(answer["result"], plain, atol=1e-5)
    status, batch = red.post_json("/predict/keras", [x.tolist(), x.tolist()])
    assert status == 200 and len(batch["result"]) == 2
    np.testing.assert_allclose(batch["result"][1], plain, atol=1e-5)


@pytest.mark.parametrize(("route", "payload", "kind", "message"), [
    ("rpsls", b"name,size\nfoo,1\n", "application/octet-stream", "not a PNG or JPEG picture"),
    ("rpsls", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png",
     "this PNG picture cannot be decoded"),
    ("rpsls", json.dumps({"width": 3}).encode(), "application/json",
     "expected a PNG or JPEG picture as a Buffer, got an object"),
    ("fruit", json.dumps({"width": 3, "height": 4}).encode(), "application/json",
     'the row has no "colour" value (the model needs width, height, colour)'),
    ("fruit", json.dumps({"width": "wide", "height": 4, "colour": "red"}).encode(),
     "application/json", '"width" must be a number, not "wide"'),
    ("fruit", json.dumps([1, 2]).encode(), "application/json",
     "the row has 2 values but the model needs 3, in this order: width, height, colour"),
    ("keras", json.dumps([[1, 2], [3, 4]]).encode(), "application/json",
     "the model takes input shaped [null,64,64,1] (null: any), the payload is shaped [2,2]"),
    ("keras", json.dumps([[1, 2], [3]]).encode(), "application/json",
     "not a rectangular array of numbers: payload[1] is shaped [1], payload[0] [2]"),
    ("keras", json.dumps([1, "two"]).encode(), "application/json",
     'payload[1] is "two", not a number'),
    ("missing", b"\x89PNG", "image/png", "no-such-model.zip does not exist: check the model path"),
    ("project-alone", b"\x89PNG", "image/png", "rpsls-project.zip is a pytfjs webcam project: "
     "set the model node's Embedding model to the folder of mobilenet_v2"),
])
def test_bad_input_gets_a_clear_400_and_the_next_request_works(red, exports, route, payload,
                                                               kind, message):
    good = exports["fruit"].rows[0]  # a quick model: tensors are counted for the process
    status, before = red.post_json("/predict/fruit", good)
    assert status == 200
    status, answer = red.request("POST", f"/predict/{route}", payload, kind)[:2]
    assert status == 400, answer
    assert message in json.loads(answer)["error"]
    assert red.proc.poll() is None  # Node-RED is still running
    status, after = red.post_json("/predict/fruit", good)
    assert status == 200 and after["result"] == before["result"]
    # every tensor made for the bad message was disposed
    assert after["pytfjs"]["tensors"] == before["pytfjs"]["tensors"]


def test_the_wasm_backend_is_optional_and_gives_the_same_answers(red, exports, dist_dir):
    """The backend is one for the process: after this test Node-RED runs on wasm."""
    picture = dist_dir / "data/photos/chelsea.png"
    models = {"rpsls": exports["zip"], "fruit": exports["fruit"].folder}
    wasm = red.user_dir / "node_modules/@tensorflow/tfjs-backend-wasm"
    wasm.rename(wasm.with_name("moved-away"))  # as if it had not been installed
    try:
        red.deploy(predict_flow(models, with_meta=True, backend="wasm"))
        status, answer = red.post_bytes("/predict/rpsls", picture.read_bytes(), "image/png")
    finally:
        wasm.with_name("moved-away").rename(wasm)
    assert status == 400
    assert ('the wasm backend needs @tensorflow/tfjs-backend-wasm: run "npm install '
            '@tensorflow/tfjs-backend-wasm@4.22.0" in your Node-RED user directory'
            ) in answer["error"]
    red.restart()  # as the message says: a module installed later needs a restart
    status, answer = red.post_bytes("/predict/rpsls", picture.read_bytes(), "image/png")
    assert status == 200, answer
    assert answer["pytfjs"]["backend"] == "wasm"
    plain = node_classify(exports["rpsls"].folder, picture)  # cpu backend
    got = answer["result"]
    assert got["label"] == plain["class"]
    np.testing.assert_allclose([got["probabilities"][n] for n in exports["rpsls"].labels],
                               [plain["probabilities"][n] for n in exports["rpsls"].labels],
                               atol=1e-4)
    fruit = exports["fruit"]
    status, answer = red.post_json("/predict/fruit", fruit.rows[0])
    assert status == 200 and answer["pytfjs"]["backend"] == "wasm"
    np.testing.assert_allclose(answer["result"]["output"], fruit.outputs(fruit.rows[:1])[0],
                               atol=1e-4)
    assert "now runs on wasm (was cpu)" in red.log()
    assert red.log().count("Started flows") == 1


def test_the_example_flow_deploys_and_answers_over_http(red, exports, dist_dir):
    """Last in this module: it replaces the test flow."""
    picture = dist_dir / "data/photos/coffee.png"
    red.deploy(example_flow(exports["zip"], exports["fruit"].folder, picture))
    status, answer = red.post_bytes("/rpsls", picture.read_bytes(), "image/png")
    assert status == 200, answer
    plain = node_classify(exports["rpsls"].folder, picture)
    assert answer["label"] == plain["class"]
    status, answer = red.post_bytes("/rpsls", b"GIF89a", "image/gif")
    assert status == 400 and "not a PNG or JPEG picture" in answer["error"]
    for inject in ("inject-picture", "inject-row"):  # the admin API's inject button
        assert red.request("POST", f"/inject/{inject}", b"", "application/json")[0] == 200
