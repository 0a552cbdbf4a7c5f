"""Seeded training, early stopping, the numpy baseline and the CSV lab's plan, on CPython."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytfjs import baseline, seeding, tabular
from pytfjs.early_stopping import EarlyStopping

# ------------------------------------------------------------------ seeding


def test_epoch_order_is_fixed_by_seed_and_epoch():
    a = seeding.epoch_order(100, 3, 0)
    assert sorted(a.tolist()) == list(range(100))
    assert np.array_equal(a, seeding.epoch_order(100, 3, 0))
    assert not np.array_equal(a, seeding.epoch_order(100, 3, 1))  # a new order each epoch
    assert not np.array_equal(a, seeding.epoch_order(100, 4, 0))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_seed_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="whole number"):
        seeding.check_seed(bad)


@pytest.mark.parametrize(("shape", "fans"), [
    ((3, 5), (3, 5)), ((3, 3, 2, 8), (18, 72)), ((4, 6, 10), (24, 40)), ((16,), (4, 4)),
])
def test_fans_follow_tfjs(shape, fans):
    assert seeding.compute_fans(shape) == fans


def glorot(distribution: str, mode: str = "fanAvg", scale: float = 1.0) -> dict:
    return {"className": "VarianceScaling",
            "config": {"scale": scale, "mode": mode, "distribution": distribution, "seed": None}}


def test_variance_scaling_uniform_has_the_keras_limit_and_variance():
    rng = np.random.default_rng(0)
    w = seeding.draw(glorot("uniform"), (300, 200), rng)
    limit = math.sqrt(6 / (300 + 200))
    assert w.dtype == np.float32 and w.shape == (300, 200)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert abs(w.var() - limit ** 2 / 3) < 0.02 * limit ** 2 / 3


def test_variance_scaling_normal_is_truncated_at_two_stddev():
    w = seeding.draw(glorot("normal", mode="fanIn", scale=2.0), (400, 100),
                     np.random.default_rng(1))
    stddev = math.sqrt(2.0 / 400)
    assert np.abs(w).max() <= 2 * stddev + 1e-7
    # a normal cut at +-2 sd keeps 0.7737 of the variance
    assert abs(w.std() / stddev - math.sqrt(0.7737)) < 0.01


def test_constant_initializers_and_orthogonal():
    rng = np.random.default_rng(2)
    assert not seeding.draw({"className": "Zeros", "config": {}}, (3,), rng).any()
    assert (seeding.draw({"className": "Ones", "config": {}}, (2, 2), rng) == 1).all()
    assert (seeding.draw({"className": "Constant", "config": {"value": 0.5}}, (4,), rng)
            == 0.5).all()
    eye = seeding.draw({"className": "Identity", "config": {"gain": 2.0}}, (3, 3), rng)
    assert np.array_equal(eye, 2 * np.eye(3, dtype=np.float32))
    q = seeding.draw({"className": "Orthogonal", "config": {"gain": 1.0}}, (6, 4), rng)
    assert np.allclose(q.T @ q, np.eye(4), atol=1e-5)
    q = seeding.draw({"className": "Orthogonal", "config": {"gain": 1.0}}, (4, 6), rng)
    assert np.allclose(q @ q.T, np.eye(4), atol=1e-5)


def test_an_unknown_initializer_is_named_not_guessed():
    with pytest.raises(seeding.SeedError, match="layer dense_1, weight 'dense_1/kernel'"):
        seeding.layer_weights({"kernelInitializer": {"className": "MyInit", "config": {}}},
                              [("dense_1/kernel", (2, 2))], np.random.default_rng(0),
                              "dense_1")


def test_layer_weights_follow_each_layers_config_and_the_seed():
    config = {"kernelInitializer": glorot("uniform"),
              "biasInitializer": {"className": "Zeros", "config": {}}}
    specs = [("dense_Dense1/kernel", (4, 3)), ("dense_Dense1/bias", (3,))]
    a = seeding.layer_weights(config, specs, seeding.rng_for(7, 0))
    b = seeding.layer_weights(config, specs, seeding.rng_for(7, 0))
    c = seeding.layer_weights(config, specs, seeding.rng_for(8, 0))
    assert [x.shape for x in a] == [(4, 3), (3,)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0]) and not a[1].any()


def test_lstm_bias_has_ones_for_the_forget_gate():
    config = {"biasInitializer": {"className": "Zeros", "config": {}}, "unitForgetBias": True}
    (bias,) = seeding.layer_weights(config, [("lstm/bias", (8,))], np.random.default_rng(0))
    assert bias.tolist() == [0, 0, 1, 1, 0, 0, 0, 0]


def test_seed_param_reads_the_page_address(monkeypatch):
    from pytfjs import query
    from pytfjs.control import InputError

    monkeypatch.setattr(query, "_PARAMS", {})
    assert seeding.seed_param() == 0
    monkeypatch.setattr(query, "_PARAMS", {"seed": "12"})
    assert seeding.seed_param() == 12
    monkeypatch.setattr(query, "_PARAMS", {"seed": "-3"})
    with pytest.raises(InputError, match=r"\?seed=-3 is not a whole number"):
        seeding.seed_param()


class _Variable:
    def __init__(self, name: str, shape: tuple[int, ...]) -> None:
        self.name, self.shape = name, shape


class _Config(dict):
    def to_py(self) -> dict:
        return dict(self)


class _Layer:
    """What seed_new_layers reads of a TF.js layer: id, name, weights, config; setWeights."""

    ids = iter(range(100, 10_000))

    def __init__(self, units: int, inputs: int) -> None:
        self.id, self.name = next(self.ids), f"dense_{units}"
        self.weights = [_Variable(f"{self.name}/kernel", (inputs, units)),
                        _Variable(f"{self.name}/bias", (units,))]
        self.set: list[np.ndarray] = []

    def getConfig(self) -> _Config:  # noqa: N802 - TF.js' name
        return _Config(kernelInitializer=glorot("uniform"),
                       biasInitializer={"className": "Zeros", "config": {}})

    def setWeights(self, values: list) -> None:  # noqa: N802 - TF.js' name
        self.set = [v.value for v in values]


class _Tensor:
    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def dispose(self) -> None:
        pass


class _Layers:
    def __init__(self, *layers: object) -> None:
        self.layers = list(layers)


@pytest.fixture
def page_seed(monkeypatch):
    """seed_new_layers on CPython: fake tensors, the page's ?seed= in query._PARAMS."""
    from pytfjs import _compat, query, tensors

    monkeypatch.setattr(tensors, "js_tensor", _Tensor)
    monkeypatch.setattr(_compat, "to_js_value", lambda value: value)
    params: dict[str, str] = {}
    monkeypatch.setattr(query, "_PARAMS", params)
    seeding.start_run()
    yield params
    seeding.start_run()


def test_compile_seeds_the_runs_new_layers_once_with_the_old_numbers(page_seed):
    """The layers of a model, drawn in order from one generator of the seed: the numbers
    seed_weights(model, seed) drew; a second compile, a loaded layer and weights the lab
    set are left alone; a nested model's layers are seeded in their place."""
    first, second, loaded, given = _Layer(4, 3), _Layer(2, 4), _Layer(3, 3), _Layer(1, 2)
    for layer in (first, second, given):
        seeding.note_new_layer(layer)
    seeding.weights_given(given)
    model = _Layers(_Layers(first), second, loaded, given)
    page_seed["seed"] = "7"
    assert seeding.seed_new_layers(model) == 4
    rng = seeding.rng_for(7, 0)
    expected = [seeding.layer_weights(layer.getConfig(), [(v.name, v.shape) for v in
                                                          layer.weights], rng, layer.name)
                for layer in (first, second)]
    for layer, values in zip((first, second), expected, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(layer.set, values, strict=True))
    assert loaded.set == [] and given.set == []
    assert seeding.seed_new_layers(model) == 0  # compiled again: trained weights stay


def test_each_new_model_starts_from_the_same_seed(page_seed):
    """A head made anew for every training (rpsls): the same starting weights each time."""
    heads = [_Layer(5, 8), _Layer(5, 8)]
    for head in heads:
        seeding.note_new_layer(head)
        seeding.seed_new_layers(_Layers(head))
    assert np.array_equal(heads[0].set[0], heads[1].set[0]) and heads[0].set[0].any()
    page_seed["seed"] = "1"
    other = _Layer(5, 8)
    seeding.note_new_layer(other)
    seeding.seed_new_layers(_Layers(other))
    assert not np.array_equal(other.set[0], heads[0].set[0])


def test_a_custom_initializer_keeps_tfjs_values_and_says_so(page_seed, capsys):
    layer = _Layer(2, 2)
    layer.getConfig = lambda: _Config(kernelInitializer={"className": "MyInit"},
                                      biasInitializer={"className": "Zeros"})
    seeding.note_new_layer(layer)
    assert seeding.seed_new_layers(_Layers(layer)) == 0
    assert layer.set == []
    assert "MyInit initializer: its starting weights are TensorFlow.js' own" in (
        capsys.readouterr().out)


def test_seeded_fit_shuffles_numpy_rows_and_refuses_tensors():
    from pytfjs.training import _rows

    x = np.arange(10).reshape(5, 2)
    assert _rows(x, [4, 0]).tolist() == [[8, 9], [0, 1]]
    assert [a.tolist() for a in _rows([x, x[:, 0]], slice(3, None))] == [[[6, 7], [8, 9]],
                                                                        [6, 8]]
    assert _rows(None, [0]) is None
    with pytest.raises(TypeError, match="pass x and y as numpy arrays"):
        _rows(object(), [0])


def test_fit_shuffles_numpy_rows_itself_and_leaves_tensors_to_tfjs():
    from pytfjs.training import _numpy_rows

    x = np.zeros((4, 2))
    assert _numpy_rows(x) and _numpy_rows([x, x]) and _numpy_rows(None)
    assert not _numpy_rows(object()) and not _numpy_rows([x, object()])


# ------------------------------------------------------------------ early stopping


def test_early_stopping_waits_patience_epochs_and_remembers_the_best():
    stop = EarlyStopping(patience=2)
    losses = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77]
    improved = [stop.update(e, {"val_loss": v, "loss": 0}) for e, v in enumerate(losses[:7])]
    assert improved == [True, True, False, False, True, False, False]
    assert stop.best_epoch == 4 and stop.best == 0.7
    assert not stop.should_stop  # 2 epochs without improvement: patience not yet exceeded
    stop.update(7, {"val_loss": losses[7]})
    assert stop.should_stop and stop.stopped_epoch == 7


def test_early_stopping_max_mode_nan_and_missing_metric():
    stop = EarlyStopping(monitor="val_acc", mode="max", patience=0)
    assert stop.update(0, {"val_acc": 0.5})
    assert not stop.update(1, {"val_acc": float("nan")})
    assert stop.should_stop and stop.best_epoch == 0
    with pytest.raises(KeyError, match="only loss"):
        EarlyStopping().update(0, {"loss": 1.0})
    with pytest.raises(ValueError):
        EarlyStopping(mode="up")


# ------------------------------------------------------------------ baseline


def test_ridge_matches_the_closed_form_of_the_augmented_least_squares():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4))
    y = (x @ [1.0, -2.0, 0.5, 0.0] + 3 + rng.normal(0, 0.1, 50))[:, None]
    alpha = 2.5
    w, b = baseline.ridge(x, y, alpha)
    # the intercept is not penalised: centre, then solve [xc; sqrt(alpha) I] w = [yc; 0]
    xc, yc = x - x.mean(0), y - y.mean(0)
    aug_x = np.vstack([xc, math.sqrt(alpha) * np.eye(4)])
    aug_y = np.vstack([yc, np.zeros((4, 1))])
    expected = np.linalg.lstsq(aug_x, aug_y, rcond=None)[0]
    assert np.allclose(w, expected) and np.allclose(b, y.mean() - x.mean(0) @ expected)
    w0, b0 = baseline.ridge(x, y, 0.0)  # alpha 0: ordinary least squares
    ols = np.linalg.lstsq(np.hstack([x, np.ones((50, 1))]), y, rcond=None)[0]
    assert np.allclose(np.append(w0, b0), ols.ravel())


def test_binary_logistic_without_penalty_gives_the_empirical_odds():
    # one 0/1 feature: the fitted probabilities are the class shares in each group
    x = np.array([[0.0]] * 10 + [[1.0]] * 10)
    y = np.array([1] * 3 + [0] * 7 + [1] * 8 + [0] * 2)
    w, b = baseline.logistic(x, y, 2, c=1e9)
    assert w.shape == (1, 1) and b.shape == (1,)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    assert np.allclose(p[0], 0.3, atol=1e-5) and np.allclose(p[-1], 0.8, atol=1e-5)
    assert np.isclose(b[0], math.log(0.3 / 0.7), atol=1e-4)


def test_multinomial_logistic_with_no_information_gives_the_class_shares():
    x = np.zeros((12, 2))  # features that say nothing: softmax(b) = class frequencies
    y = np.array([0] * 6 + [1] * 4 + [2] * 2)
    w, b = baseline.logistic(x, y, 3, c=1.0)
    p = np.exp(b) / np.exp(b).sum()
    assert np.allclose(p, [0.5, 4 / 12, 2 / 12], atol=1e-6) and not w.any()


def test_logistic_gradient_vanishes_at_the_penalised_optimum():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    y = np.argmax(x @ rng.normal(size=(3, 4)) + rng.gumbel(size=(200, 4)), axis=1)
    c = 0.5
    w, b = baseline.logistic(x, y, 4, c=c)
    z = x @ w + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    err = p - np.eye(4)[y]
    # d/dw [sum log-loss + ||w||^2 / (2c)] = x^T err + w / c = 0, d/db = sum err = 0
    assert np.abs(x.T @ err + w / c).max() < 1e-4 and np.abs(err.sum(0)).max() < 1e-4


def test_fit_chooses_the_penalty_on_validation_and_refits_on_both():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(120, 5))
    y = (x[:, :1] * 2 - x[:, 1:2] + rng.normal(0, 0.3, (120, 1)))
    model = baseline.fit(x[:90], y[:90], x[90:], y[90:], task="regression")
    assert model.activation == "linear" and model.penalty in baseline.RIDGE_ALPHAS
    w, b = baseline.ridge(x, y, model.penalty)
    assert np.allclose(model.weights, w) and np.allclose(model.bias, b)
    maes = {a: np.abs(x[90:] @ baseline.ridge(x[:90], y[:90], a)[0]
                      + baseline.ridge(x[:90], y[:90], a)[1] - y[90:]).mean()
            for a in baseline.RIDGE_ALPHAS}
    assert math.isclose(model.val_metric, min(maes.values()))
    w90, b90 = baseline.ridge(x[:90], y[:90], model.penalty)
    assert np.allclose(model.check_outputs, x[90:] @ w90 + b90)  # before the refit

    labels = (x[:, 0] + 0.5 * x[:, 2] > 0).astype(np.float32)[:, None]
    clf = baseline.fit(x[:90], labels[:90], x[90:], labels[90:], task="classification")
    assert clf.activation == "sigmoid" and clf.weights.shape == (5, 1)
    assert clf.val_metric >= 0.9
    assert ((clf.predict(x[90:]) >= 0.5) == (labels[90:] >= 0.5)).mean() >= 0.9

    onehot = np.eye(3, dtype=np.float32)[np.digitize(x[:, 0], [-0.5, 0.5])]
    multi = baseline.fit(x[:90], onehot[:90], x[90:], onehot[90:], task="classification")
    assert multi.activation == "softmax" and multi.weights.shape == (5, 3)
    assert np.allclose(multi.predict(x[:3]).sum(1), 1)


# ------------------------------------------------------------------ the lab's plan


def test_the_network_grows_with_rows_and_shrinks_for_wide_tables():
    small, large = tabular.plan_network(150, 6), tabular.plan_network(4000, 10)
    assert (small.width, large.width) == (16, 64)
    assert small.epochs == 300 and large.epochs == 32  # ~4,000 batch steps
    assert (small.patience, large.patience) == (20, 5)
    assert tabular.plan_network(150, 200).width == 8  # 200 inputs x 16 > 10 per row
    assert tabular.plan_network(20, 3).width == 8
    custom = tabular.plan_network(150, 6, {"width": 4, "epochs": 7, "l2": 0.0, "batch_size":
                                           None})
    assert (custom.width, custom.epochs, custom.batch_size) == (4, 7, 32)
    assert tabular.plan_network(150, 6, {"l2": 0.0}).l2 == 0.0  # 0 turns L2 off
    with pytest.raises(ValueError, match="unknown network settings: depth"):
        tabular.plan_network(10, 2, {"depth": 3})
    with pytest.raises(ValueError, match="epochs must be 1 or more"):
        tabular.plan_network(10, 2, {"epochs": 0})
    assert "16 -> 8 relu" in small.describe(150, 6)


def test_the_network_must_win_by_more_than_the_noise():
    right = np.ones(100)
    assert tabular.choose("classification", right, right) == "baseline"  # a tie
    base = right.copy()
    base[:3] = 0  # the network gets 3 more rows right: sqrt(3) < 3 -> network
    assert tabular.choose("classification", right, base) == "network"
    net = right.copy()
    net[3:6] = 0  # 3 only-network rows against 3 only-baseline rows: no gain
    assert tabular.choose("classification", net, base) == "baseline"
    net[3:5] = 1  # 3 against 1: gain 2 > sqrt(4)? no -> baseline
    assert tabular.choose("classification", net, base) == "baseline"
    rng = np.random.default_rng(0)
    errors = np.abs(rng.normal(size=200))
    assert tabular.choose("regression", errors * 0.8, errors) == "network"
    noise = rng.normal(0, 0.5, 200)
    noisy = errors + noise - noise.mean() - 0.01  # 0.01 smaller on average, se ~0.035
    assert tabular.choose("regression", noisy, errors) == "baseline"
    assert tabular.choose("regression", errors, errors) == "baseline"
    assert tabular.choose("regression", errors * np.nan, errors) == "baseline"
    with pytest.raises(ValueError):
        tabular.choose("regression", errors[:3], errors)


def test_the_comparison_sentence_says_who_wins_and_by_how_much():
    text = tabular.comparison("classification", 0.85, 0.8)
    assert text.startswith("The network is more accurate") and "5.0 percentage points" in text
    text = tabular.comparison("regression", 1.3, 1.0, "dollars")
    assert "linear baseline's errors are 23.1% smaller" in text and "dollars" in text
    assert "equally" in tabular.comparison("regression", 1.0, 1.0)


def test_weights_digest_changes_with_any_value():
    a = [np.ones((2, 2), np.float32), np.zeros(2, np.float32)]
    b = [np.ones((2, 2), np.float32), np.array([0, 1e-7], np.float32)]
    assert seeding.weights_digest(a) == seeding.weights_digest([x.copy() for x in a])
    assert seeding.weights_digest(a) != seeding.weights_digest(b)
    assert seeding.weights_digest(a) != seeding.weights_digest([a[0].reshape(4), a[1]])


class _Weight:
    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def numpy(self) -> np.ndarray:
        return self.value


class _Model:
    """What weights_digest reads of a model: get_weights(), each with numpy()."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def get_weights(self) -> list[_Weight]:
        return [_Weight(a) for a in self.arrays]


def test_weights_digest_of_a_model_is_that_of_its_weights():
    a = [np.ones((2, 2), np.float32), np.zeros(2, np.float32)]
    assert seeding.weights_digest(_Model(a)) == seeding.weights_digest(a)
