"""The Toxicity lab's converted model, judged by TF.js itself (Node.js, pure-JS cpu backend)
against an independent numpy forward pass of the original tox_block ``.h5`` weights.

The numpy side (testkit/toxicity_reference.py) reads the ``.h5`` with h5py, not with the
converter, and writes out Keras 2's Embedding, LSTM (both directions), max pooling and
Dense layers; the inputs are Keras's own word sequences (tests/fixtures/toxicity_refs.json,
made with keras_preprocessing). TF.js loads ``dist/models/toxicity`` as the lab does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from testkit import toxicity_reference as reference
from tests.unit.test_convert_keras import run_tfjs

REFS = reference.refs()
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def ids() -> np.ndarray:
    """Keras's sequences of the lab's test sentences, then the tokenizer-only texts."""
    return np.array(REFS["sequences"], np.int64)


@pytest.fixture(scope="module")
def numpy_probabilities(ids) -> np.ndarray:
    return reference.forward(ids, reference.weights())


@pytest.fixture(scope="module")
def tfjs_probabilities(dist_dir: Path, ids, tmp_path_factory) -> np.ndarray:
    folder = dist_dir / "models" / "toxicity"
    tmp = tmp_path_factory.mktemp("toxicity-tfjs")
    results = run_tfjs([{"dir": str(folder), "input": ids.tolist(), "dtype": "float32"}], tmp)
    result = results[str(folder)]
    assert "error" not in result, result
    assert result["roundTripMaxDiff"] == 0 and result["weights"] == 11
    return np.array(result["output"], np.float64)


def test_tfjs_equals_a_numpy_forward_pass_of_the_h5_weights(tfjs_probabilities,
                                                            numpy_probabilities) -> None:
    assert len(REFS["sentences"]) >= 50
    assert tfjs_probabilities.shape == numpy_probabilities.shape == (len(REFS["sequences"]), 6)
    error = np.abs(tfjs_probabilities - numpy_probabilities)
    worst = np.unravel_index(error.argmax(), error.shape)
    assert error.max() <= TOLERANCE, (error.max(), worst)


def test_the_comparison_has_teeth(numpy_probabilities, ids) -> None:
    """The sentences span clear and toxic text, and Keras 3's meaning of hard_sigmoid (which
    TF.js does not compute) would move the probabilities far beyond the tolerance."""
    toxic = numpy_probabilities[:, reference.LABELS.index("toxic")]
    assert (toxic > 0.9).sum() >= 10 and (toxic < 0.1).sum() >= 20
    keras3 = reference.forward(ids, reference.weights(), reference.KERAS3_HARD_SIGMOID)
    assert np.abs(keras3 - numpy_probabilities).max() > 100 * TOLERANCE


def test_the_converted_topology_keeps_keras_2_semantics(dist_dir: Path) -> None:
    doc = json.loads((dist_dir / "models" / "toxicity" / "model.json").read_text())
    layers = doc["modelTopology"]["model_config"]["config"]["layers"]
    lstm = next(layer for layer in layers if layer["class_name"] == "Bidirectional")
    cell = lstm["config"]["layer"]["config"]
    # TF.js' hardSigmoid is Keras 2's clip(0.2 x + 0.5, 0, 1): the name is kept as it is
    assert (cell["recurrent_activation"], cell["activation"]) == ("hard_sigmoid", "tanh")
    # training-only dropout removed: TF.js would keep 16 mask tensors per call for it
    assert (cell["dropout"], cell["recurrent_dropout"]) == (0, 0)
    assert doc["modelTopology"]["keras_version"].startswith("2.")
    metadata = json.loads((dist_dir / "models" / "toxicity" / "metadata.json").read_text())
    assert tuple(metadata["labels"]) == reference.LABELS
