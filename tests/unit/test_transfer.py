"""Transfer learning without a browser: the sample set, the split, the combined model."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from buildlib.make import models
from pytfjs.control import InputError
from pytfjs.convert import mobilenet_v2 as mn
from pytfjs.convert.torch_state import load_state_dict
from pytfjs.convert.writer import decode_weights, layers_model_files
from pytfjs.data import images
from pytfjs.transfer import Samples, combine, export_metadata, split
from testkit import mobilenet_reference as ref
from testkit.harness import ROOT

RNG = np.random.default_rng(0)


def vec(value: float = 0.0) -> np.ndarray:
    return np.full(1280, value, np.float32)


# ------------------------------------------------------------------ Samples


def test_samples_add_count_delete_and_stack_in_class_order():
    s = Samples(["rock", "paper", "scissors"])
    rock, paper, scissors = (c.id for c in s.classes)
    a = s.add(paper, vec(1), np.zeros((48, 48, 3), np.uint8))
    b = s.add(rock, vec(2))
    c = s.add(paper, vec(3))
    assert (a, b, c) == (1, 2, 3) and len(s) == 3
    assert s.counts() == {rock: 1, paper: 2, scissors: 0}
    x, y = s.arrays()
    assert x.dtype == np.float32 and x.shape == (3, 1280)
    assert x[:, 0].tolist() == [1, 2, 3] and y.tolist() == [1, 0, 1]
    assert s.nbytes == 3 * 1280 * 4 and s.thumbnail_bytes == 48 * 48 * 3
    assert [i for i, _ in s.recent(paper, 5)] == [3, 1]
    assert s.remove(a) == paper and s.count(paper) == 1
    assert s.nbytes == 2 * 1280 * 4 and s.thumbnail_bytes == 0
    assert [i for i, _ in s.recent(paper, 5)] == [3]
    with pytest.raises(InputError, match="deleted already"):
        s.remove(a)
    assert s.add(rock, vec()) == 4  # ids are never reused


def test_samples_are_copies_and_must_be_finite_1280_vectors():
    s = Samples(["a", "b"])
    source = vec(5)
    sample = s.add(s.classes[0].id, source)
    source[:] = 0
    assert s.embedding(sample)[0] == 5
    with pytest.raises(InputError, match="1280 numbers, not 3"):
        s.add(s.classes[0].id, np.ones(3))
    bad = vec()
    bad[7] = np.nan
    with pytest.raises(InputError, match="NaN"):
        s.add(s.classes[0].id, bad)
    with pytest.raises(InputError, match="no class with id 99"):
        s.add(99, vec())


def test_class_names_are_checked_and_classes_added_and_removed():
    s = Samples(["rock", "paper", "scissors"])
    rock = s.classes[0].id
    assert s.rename(rock, "  big   rock ").name == "big rock"
    with pytest.raises(InputError, match="already a class called 'paper'"):
        s.rename(rock, "PAPER")
    with pytest.raises(InputError, match="needs a name"):
        s.rename(rock, "   ")
    with pytest.raises(InputError, match="at most 40 characters"):
        s.rename(rock, "x" * 41)
    assert s.add_class().name == "class 4"
    s.add(rock, vec())
    s.add(rock, vec())
    keep = s.add(s.classes[1].id, vec())
    assert s.remove_class(rock) == [1, 2]
    assert s.names == ["paper", "scissors", "class 4"] and s.ids() == [keep]
    s.remove_class(s.classes[2].id)
    with pytest.raises(InputError, match="at least two classes"):
        s.remove_class(s.classes[0].id)


def test_training_needs_two_samples_in_every_class():
    s = Samples(["rock", "paper", "lizard"])
    for info in s.classes[:2]:
        s.add(info.id, vec())
        s.add(info.id, vec())
    s.add(s.classes[2].id, vec())
    assert s.training_problem() == ("lizard has fewer than 2 samples: capture at least 2 per "
                                    "class (one to learn from, one to check), or remove the "
                                    "class.")
    s.add(s.classes[2].id, vec())
    assert s.training_problem() is None


def test_class_list_round_trips_and_bad_records_fall_back_to_the_defaults():
    s = Samples(["rock", "paper", "scissors"])
    s.rename(s.classes[1].id, "flat hand")
    s.remove_class(s.classes[0].id)
    again = Samples.from_meta(json.loads(json.dumps(s.meta_record())), ["x", "y"])
    assert [(c.id, c.name) for c in again.classes] == [(2, "flat hand"), (3, "scissors")]
    assert again.add_class().id == 4  # ids of removed classes are not reused
    for broken in ({}, {"classes": "nope"}, {"classes": [[1, "only one"]]}):
        assert Samples.from_meta(broken, ["x", "y"]).names == ["x", "y"]


# ------------------------------------------------------------------ split


def test_split_is_seeded_stratified_and_complete():
    y = np.array([0] * 20 + [1] * 7 + [2] * 2, np.int32)
    x = np.arange(len(y), dtype=np.float32)[:, None]
    (xt, yt), (xv, yv) = split(x, y, 0.15, seed=3)
    assert np.bincount(yv).tolist() == [3, 1, 1]  # round(15%), at least one per class
    assert sorted(xt[:, 0].tolist() + xv[:, 0].tolist()) == list(range(len(y)))
    assert (y[xt[:, 0].astype(int)] == yt).all() and (y[xv[:, 0].astype(int)] == yv).all()
    (_, _), (xv2, _) = split(x, y, 0.15, seed=3)
    assert np.array_equal(xv, xv2)
    (_, _), (xv3, _) = split(x, y, 0.15, seed=4)
    assert not np.array_equal(xv, xv3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        split(x, y, 1.5)


# ------------------------------------------------------------------ the combined model


def head_files(rng: np.random.Generator, classes: int = 3, names=("hidden", "class_probabilities")
               ) -> tuple[dict[str, bytes], dict[str, np.ndarray]]:
    """A trained-looking head as TF.js saves a Sequential (model.json + weights)."""
    hidden, out = names
    layers = [
        {"class_name": "Dense", "config": {"units": 100, "activation": "relu", "use_bias": True,
                                           "name": hidden, "trainable": True,
                                           "batch_input_shape": [None, 1280],
                                           "dtype": "float32"}},
        {"class_name": "Dense", "config": {"units": classes, "activation": "softmax",
                                           "use_bias": True, "name": out, "trainable": True}}]
    topology = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers},
                "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
    weights = {f"{hidden}/kernel": rng.normal(0, 0.05, (1280, 100)).astype(np.float32),
               f"{hidden}/bias": rng.normal(0, 0.1, 100).astype(np.float32),
               f"{out}/kernel": rng.normal(0, 0.3, (100, classes)).astype(np.float32),
               f"{out}/bias": rng.normal(0, 0.1, classes).astype(np.float32)}
    files = layers_model_files(topology, list(weights.items()))
    return files, weights


@pytest.fixture(scope="module")
def base_files(dist_dir) -> dict[str, bytes]:
    folder = dist_dir / models.MODEL_DIR
    doc = json.loads((folder / "model.json").read_bytes())
    files = {"model.json": (folder / "model.json").read_bytes()}
    for path in doc["weightsManifest"][0]["paths"]:
        files[path] = (folder / path).read_bytes()
    return files


def test_combine_cuts_the_base_and_chains_the_head(base_files):
    head, head_weights = head_files(np.random.default_rng(1))
    files = combine(base_files, head, "embedding")
    doc = json.loads(files["model.json"])
    config = doc["modelTopology"]["model_config"]
    names = [layer["name"] for layer in config["config"]["layers"]]
    assert config["class_name"] == "Model"
    assert "logits" not in names and "probabilities" not in names
    assert names[-3:] == ["embedding", "hidden", "class_probabilities"]
    hidden = config["config"]["layers"][-2]
    assert hidden["inbound_nodes"] == [[["embedding", 0, 0, {}]]]
    assert "batch_input_shape" not in hidden["config"]
    assert config["config"]["input_layers"] == [["input", 0, 0]]
    assert config["config"]["output_layers"] == [["class_probabilities", 0, 0]]
    weights = decode_weights(doc["weightsManifest"], files)
    base = decode_weights(json.loads(base_files["model.json"])["weightsManifest"], base_files)
    assert set(weights) == {n for n in base if not n.startswith("logits/")} | set(head_weights)
    assert all(np.array_equal(weights[n], w) for n, w in head_weights.items())
    assert np.array_equal(weights["stem_conv/kernel"], base["stem_conv/kernel"])


def test_combine_refuses_what_it_cannot_join(base_files):
    head, _ = head_files(np.random.default_rng(1), names=("stem_conv", "out"))
    with pytest.raises(InputError, match="'stem_conv' has the name of a base layer"):
        combine(base_files, head, "embedding")
    head, _ = head_files(np.random.default_rng(1))
    with pytest.raises(InputError, match="no layer 'pool5' to cut at"):
        combine(base_files, head, "pool5")


def test_the_combined_model_computes_base_then_head_in_tfjs(base_files, tmp_path, dist_dir):
    """TF.js in Node runs the combined files; numpy's float64 reference agrees."""
    pth = models.extract(models.PTH[0], {models.PTH[1]: models.PTH_SHA256})[models.PTH[1]]
    state = load_state_dict(pth)
    head, w = head_files(np.random.default_rng(2))
    folder = tmp_path / "combined"
    folder.mkdir()
    for name, data in combine(base_files, head, "embedding").items():
        (folder / name).write_bytes(data)
    photo = ref.read_png((dist_dir / "data/photos/coffee.png").read_bytes())[..., :3]
    x = images.normalize(images.center_square(photo, 224), mn.MEAN, mn.STD)
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"dir": str(folder), "input": x[None].tolist(),
                                 "dtype": "float32"}]))
    proc = subprocess.run([shutil.which("node"), "tests/node/predict_tfjs_model.js", str(jobs)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in result, result
    embedding = ref.torch_forward(state, x)["embedding"]
    hidden = np.maximum(embedding @ w["hidden/kernel"] + w["hidden/bias"], 0)
    expected = ref.softmax(hidden @ w["class_probabilities/kernel"] + w["class_probabilities/bias"])
    np.testing.assert_allclose(result["output"][0], expected, atol=1e-5)
    assert result["roundTripMaxDiff"] == 0


def test_export_metadata_says_how_to_prepare_a_picture(dist_dir):
    base = json.loads((dist_dir / models.MODEL_DIR / "metadata.json").read_text())
    meta = export_metadata(["rock", "paper"], base, "embedding", samples=12)
    assert meta["labels"] == ["rock", "paper"] and meta["input_size"] == 224
    assert meta["mean"] == list(mn.MEAN) and meta["std"] == list(mn.STD)
    assert meta["scale"] == 255 and meta["channels"] == "RGB" and meta["samples"] == 12
    assert "centre square" in meta["crop"] and "not mirrored" in meta["crop"]
