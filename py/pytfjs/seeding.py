"""Seeded training: the same seed gives the same initial weights and the same batch order.

TF.js draws initial weights and shuffles batches with ``Math.random``, so no two runs of a
lab agree. pytfjs takes both out of TF.js' hands, with no line of the lab's own: the
seed is the page's ``?seed=N`` (else 0, :func:`seed_param`).

- Weights: each layer pytfjs sees made during the run (``tf.layers.dense(...)``: not
  built yet) is remembered (:func:`note_new_layer`). When a model is compiled, those of
  its layers still holding their initializer's values are redrawn in numpy
  (:func:`seed_new_layers`), from a generator seeded with the seed, following the
  initializer each layer declares in its config (Glorot, He, LeCun and every other
  ``VarianceScaling``, uniform, normal, truncated normal, orthogonal, identity, zeros,
  ones, constants; an LSTM's forget-gate bias of ones), with TF.js' own fan-in/fan-out
  rules (:func:`compute_fans`). The numbers do not depend on the backend, only on the
  seed and the shapes. Loaded or pretrained layers, weights the lab set itself, and a
  model compiled again keep what they hold.
- Batch order: :func:`epoch_order` is the row order of one epoch: ``fit`` shuffles the
  rows itself and hands TF.js each epoch already in order, with TF.js' shuffle off.
- Report: when a training ends, ``seed`` and ``weights_sha256`` (:func:`weights_digest`
  of the model that trained: equal runs, equal digests) go to the Results
  (:func:`report_trained`); a lab that trains several models shows the last one's.

Same seed, same backend: the same loss curve and the same final weights. A layer that
draws random numbers while training (Dropout, GaussianNoise) still uses TF.js' generator.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .i18n import _

DEFAULT_SEED = 0

# a variable's own name (after the last "/") -> the layer config key of its initializer
INITIALIZER_KEYS = {
    "kernel": "kernelInitializer", "bias": "biasInitializer",
    "recurrent_kernel": "recurrentInitializer", "depthwise_kernel": "depthwiseInitializer",
    "pointwise_kernel": "pointwiseInitializer", "embeddings": "embeddingsInitializer",
    "gamma": "gammaInitializer", "beta": "betaInitializer",
    "moving_mean": "movingMeanInitializer", "moving_variance": "movingVarianceInitializer",
}


class SeedError(ValueError):
    """A weight whose initializer pytfjs cannot draw (a custom one): said, never guessed."""


def check_seed(seed: Any) -> int:
    """``seed`` as an int in numpy's range, or a ValueError saying what a seed is."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(_("a seed is a whole number >= 0, not {seed!r}").format(seed=seed))
    return int(seed)


def seed_param(default: int = DEFAULT_SEED) -> int:
    """The page's ``?seed=`` (a whole number >= 0), else ``default``."""
    from .control import InputError
    from .query import param

    raw = param("seed", str(default)).strip()
    if not raw.isdigit():
        raise InputError(_("?seed={raw} is not a whole number >= 0: use, for example, "
                         "?seed=1 in the page address (or leave it out for seed 0).")
                             .format(raw=raw))
    return int(raw)


def weights_digest(weights: Any) -> str:
    """sha256 of float32 weights (shapes and bytes): equal runs give equal digests.

    ``weights``: a model (in a page: its ``get_weights()``) or a list of arrays.
    """
    if hasattr(weights, "get_weights"):
        weights = [w.numpy() for w in weights.get_weights()]
    h = hashlib.sha256()
    for a in weights:
        a = np.ascontiguousarray(a, dtype=np.float32)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """A generator for one purpose (``stream``: e.g. the weights, or epoch 3's order)."""
    return np.random.default_rng([check_seed(seed), *stream])


def epoch_order(rows: int, seed: int, epoch: int) -> NDArray[Any]:
    """The shuffled row order of ``epoch``: fixed by (seed, epoch), new every epoch."""
    return rng_for(seed, 1, epoch).permutation(rows)


def compute_fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """TF.js' ``computeFans`` (channels last): fan in and fan out of a weight shape."""
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    if len(shape) in (3, 4, 5):
        receptive = math.prod(shape[:-2])
        return float(shape[-2] * receptive), float(shape[-1] * receptive)
    size = math.prod(shape)
    return math.sqrt(size), math.sqrt(size)


def _truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], mean: float,
                      stddev: float) -> NDArray[Any]:
    """Normal values, redrawn while more than 2 standard deviations out (as TF.js does)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


def _orthogonal(rng: np.random.Generator, shape: tuple[int, ...], gain: float) -> NDArray[Any]:
    if len(shape) < 2:
        raise SeedError(_("an Orthogonal initializer needs a weight of 2 or more dimensions, "
                        "not {value}").format(value=list(shape)))
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    weights: NDArray[Any] = gain * q.reshape(shape)
    return weights


def draw(initializer: dict[str, Any], shape: tuple[int, ...],
         rng: np.random.Generator) -> NDArray[Any]:
    """Values for a weight of ``shape`` from a serialized TF.js initializer, as float32.

    ``initializer`` is what a layer's ``getConfig()`` holds: ``{"className": ...,
    "config": {...}}``. Defaults are TF.js 4.22's.
    """
    name = initializer.get("className", "")
    config = initializer.get("config") or {}
    shape = tuple(int(d) for d in shape)
    if name == "Zeros":
        values = np.zeros(shape)
    elif name == "Ones":
        values = np.ones(shape)
    elif name == "Constant":
        values = np.full(shape, float(config.get("value", 0.0)))
    elif name == "RandomUniform":
        values = rng.uniform(config.get("minval", -0.05), config.get("maxval", 0.05), shape)
    elif name == "RandomNormal":
        values = rng.normal(config.get("mean") or 0.0, config.get("stddev") or 0.05, shape)
    elif name == "TruncatedNormal":
        values = _truncated_normal(rng, shape, config.get("mean") or 0.0,
                                   config.get("stddev") or 0.05)
    elif name == "Identity":
        if len(shape) != 2 or shape[0] != shape[1]:
            raise SeedError(_("an Identity initializer needs a square matrix, not {value}")
                            .format(value=list(shape)))
        values = float(config.get("gain", 1.0)) * np.eye(shape[0])
    elif name == "Orthogonal":
        values = _orthogonal(rng, shape, float(config.get("gain", 1.0)))
    elif name == "VarianceScaling":  # Glorot*, He*, LeCun* serialize as this
        fan_in, fan_out = compute_fans(shape)
        scale = float(config.get("scale", 1.0))
        mode = config.get("mode", "fanIn")
        scale /= max(1.0, fan_in if mode == "fanIn" else fan_out if mode == "fanOut"
                     else (fan_in + fan_out) / 2)
        if config.get("distribution", "normal") == "normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(scale))
        else:
            limit = math.sqrt(3 * scale)
            values = rng.uniform(-limit, limit, shape)
    else:
        raise SeedError(_("pytfjs cannot draw a {name} initializer")
                        .format(name=name or _("custom")))
    return np.asarray(values, dtype=np.float32)


def layer_weights(layer_config: dict[str, Any], weights: list[tuple[str, tuple[int, ...]]],
                  rng: np.random.Generator, layer_name: str = "") -> list[NDArray[Any]]:
    """New values for one layer's weights (``(variable name, shape)`` in the layer's order)."""
    out = []
    for name, shape in weights:
        short = name.rsplit("/", 1)[-1]
        key = INITIALIZER_KEYS.get(short)
        initializer = layer_config.get(key) if key else None
        if not initializer:
            raise SeedError(_("layer {value}: no initializer is known for its "
                            "weight {name!r}").format(value=layer_name or '?', name=name))
        try:
            if short == "bias" and layer_config.get("unitForgetBias"):  # LSTM: forget gate 1s
                units = int(shape[0]) // 4
                values = np.concatenate([draw(initializer, (units,), rng), np.ones(units),
                                         draw(initializer, (2 * units,), rng)])
            else:
                values = draw(initializer, shape, rng)
        except SeedError as err:
            raise SeedError(_("layer {value}, weight {name!r}: {err}")
                            .format(value=layer_name or '?', name=name, err=err)) from None
        out.append(np.asarray(values, dtype=np.float32).reshape(shape))
    return out


# ids of the layers made during this run (seen by pytfjs before they were built) whose
# weights still hold what their initializers drew: the ones the run's seed redraws
_NEW_LAYERS: set[int] = set()


def start_run() -> None:
    """Forget the previous run's layers (the runner calls it before each run)."""
    _NEW_LAYERS.clear()


def note_new_layer(layer: Any) -> None:
    """``layer`` (a raw TF.js layer) was made during this run: seed it when compiled."""
    _NEW_LAYERS.add(int(layer.id))


def _leaf_layers(raw: Any) -> list[Any]:
    """A model's layers in order, the layers of a model nested in it in its place."""
    out = []
    for layer in raw.layers:
        out += _leaf_layers(layer) if hasattr(layer, "layers") else [layer]
    return out


def weights_given(layer_or_model: Any) -> None:
    """The lab set these weights itself (``set_weights``): the seed must not redraw them."""
    raw = getattr(layer_or_model, "js", layer_or_model)
    for layer in _leaf_layers(raw) if hasattr(raw, "layers") else [raw]:
        _NEW_LAYERS.discard(int(layer.id))


def seed_new_layers(model: Any) -> int:
    """Redraw, from the run's seed, the weights of ``model``'s new layers; returns how many.

    Called when the model is compiled: every weight is built by then (a Sequential builds
    itself in ``compile``), nothing has trained yet, and a later ``compile`` (to train
    on with another optimizer) finds no new layer left. One generator for the model, in
    layer order: the same seed and layers give the same numbers. A layer whose
    initializer pytfjs cannot draw (a custom one) keeps TF.js' values, and the console
    says so.
    """
    from . import _compat, tensors
    from .scope import ProxyRegistry

    raw = getattr(model, "js", model)
    layers = [layer for layer in _leaf_layers(raw)
              if int(layer.id) in _NEW_LAYERS and len(layer.weights)]
    if not layers:
        return 0
    rng = rng_for(seed_param(), 0)
    plans = []
    for layer in layers:
        _NEW_LAYERS.discard(int(layer.id))
        config = layer.getConfig().to_py()
        specs = [(str(v.originalName if hasattr(v, "originalName") else v.name),
                  tuple(int(d) for d in v.shape)) for v in layer.weights]
        try:
            plans.append((layer, layer_weights(config, specs, rng, str(layer.name))))
        except SeedError as err:
            print(_("{err}: its starting weights are TensorFlow.js' own, not fixed by ?seed=")
                  .format(err=err))
    count = 0
    for layer, values in plans:
        with ProxyRegistry() as owner:
            layer.setWeights(_compat.to_js_value(
                [owner.own_tensor(tensors.js_tensor(v)) for v in values]))
        count += len(values)
    return count


def report_trained(model: Any) -> None:
    """Put the run's ``seed`` and the weights of ``model``, which just trained, in the
    Results: two runs (a learner's and the teacher's) compare at a glance."""
    from . import tensors
    from .reporting import report

    # the variables' own tensors (getWeights makes none), read as wrap's get_weights does
    raw = getattr(model, "js", model)
    weights = [tensors.to_numpy(w) for w in raw.getWeights()]
    report(seed=seed_param(), weights_sha256=weights_digest(weights))
