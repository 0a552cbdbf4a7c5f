"""tox_block's LSTM computed in numpy, straight from the original ``.h5`` (read with h5py).

The yardstick for the converted TF.js model: it shares no code with ``pytfjs.convert``
(another HDF5 reader, weights by their Keras 2 names) and writes out what Keras 2.2.4's
layers compute, in float64:

- ``Embedding``: row lookup (no mask: index 0 is a real row, as the model was trained);
- ``LSTM`` (``implementation`` 1 or 2 compute the same): gates z = x W + h U + b split as
  [i, f, c, o]; i, f, o = recurrent_activation(z); c = f c + i tanh(z_c); h = o tanh(c);
- ``Bidirectional(merge_mode="concat", return_sequences=True)``: the backward LSTM runs on
  the reversed sequence and its outputs are reversed back before [forward, backward];
- ``GlobalMaxPooling1D`` over time, ``Dense(relu)``, ``Dropout`` (nothing at inference),
  ``Dense(sigmoid)``.

``recurrent_activation`` is ``hard_sigmoid``; ``KERAS2_HARD_SIGMOID`` is what it meant in
Keras 2 (clip(0.2 x + 0.5, 0, 1)), ``KERAS3_HARD_SIGMOID`` what the same name means in
Keras 3 (relu6(x + 3) / 6), kept so a test can show the two differ on this model.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "toxicity_refs.json"
LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")


def KERAS2_HARD_SIGMOID(x: np.ndarray) -> np.ndarray:  # noqa: N802 - a constant-like name
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def KERAS3_HARD_SIGMOID(x: np.ndarray) -> np.ndarray:  # noqa: N802
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


def refs() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def h5_path() -> Path:
    """The model file out of the build's sha256-checked tox-block wheel (cached)."""
    from buildlib.fetch import inputs
    from buildlib.make import toxicity

    return toxicity.sources()[inputs.TOX_BLOCK_MODEL.path]


def weights(path: Path | None = None) -> dict[str, np.ndarray]:
    """{'<layer>/<variable>': float64 array} read by h5py from ``model_weights``."""
    import h5py

    out: dict[str, np.ndarray] = {}
    with h5py.File(io.BytesIO((path or h5_path()).read_bytes()), "r") as f:
        config = json.loads(f.attrs["model_config"])
        layers = [layer["class_name"] for layer in config["config"]["layers"]]
        assert layers == ["InputLayer", "Embedding", "Bidirectional", "GlobalMaxPooling1D",
                          "Dense", "Dropout", "Dense"], layers
        lstm = config["config"]["layers"][2]["config"]["layer"]["config"]
        assert (lstm["activation"], lstm["recurrent_activation"]) == ("tanh", "hard_sigmoid")

        def visit(name: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset):
                parts = name.removesuffix(":0").split("/")
                out[f"{parts[0]}/{'/'.join(parts[2:])}"] = np.asarray(obj, np.float64)

        f["model_weights"].visititems(visit)
    return out


def lstm(x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray,
         recurrent_activation: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """[n, t, d] -> [n, t, units], Keras 2's LSTM step by step from zero states."""
    n, steps, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    out = np.zeros((n, steps, units))
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i = recurrent_activation(z[:, :units])
        f = recurrent_activation(z[:, units:2 * units])
        g = np.tanh(z[:, 2 * units:3 * units])
        o = recurrent_activation(z[:, 3 * units:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out[:, t] = h
    return out


def forward(ids: np.ndarray, w: dict[str, np.ndarray],
            recurrent_activation: Callable[[np.ndarray], np.ndarray] = KERAS2_HARD_SIGMOID
            ) -> np.ndarray:
    """[n, 100] word indices -> [n, 6] probabilities (float64)."""
    x = w["embedding/embeddings"][np.asarray(ids, np.int64)]
    fwd = lstm(x, w["bidirectional/forward_lstm/kernel"],
               w["bidirectional/forward_lstm/recurrent_kernel"],
               w["bidirectional/forward_lstm/bias"], recurrent_activation)
    bwd = lstm(x[:, ::-1], w["bidirectional/backward_lstm/kernel"],
               w["bidirectional/backward_lstm/recurrent_kernel"],
               w["bidirectional/backward_lstm/bias"], recurrent_activation)[:, ::-1]
    pooled = np.concatenate([fwd, bwd], axis=2).max(axis=1)
    hidden = np.maximum(pooled @ w["dense/kernel"] + w["dense/bias"], 0.0)
    return 1.0 / (1.0 + np.exp(-(hidden @ w["dense_1/kernel"] + w["dense_1/bias"])))
