"""The linear baseline a statistician fits first, in numpy: ridge or logistic regression.

A network trained on a learner's table should be judged against the straight line: ridge
regression (closed form) for a regression, logistic regression (binary, or multinomial
softmax for more classes; L-BFGS in numpy) for a classification. Both take standardized
float inputs and give outputs in the same form as the CSV lab's network (a standardized
value, a sigmoid probability of the second class, or softmax probabilities), so either
can be exported as the same one-Dense-layer TF.js model.

The penalty is chosen on a validation slice, then the model is fitted again on training
and validation rows together with that penalty::

    model = fit(x_train, y_train, x_val, y_val, task="classification")
    model.predict(x_test), model.penalty, model.val_metric

The penalties mean what they mean in scikit-learn: ``alpha`` of ``Ridge`` (the squared
norm of the weights, intercept free), ``C`` of ``LogisticRegression`` (the inverse of the
penalty on the summed log-loss).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .i18n import _

RIDGE_ALPHAS = (0.01, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0)
LOGISTIC_CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)


def ridge(x: NDArray[Any], y: NDArray[Any], alpha: float) -> tuple[NDArray[Any], NDArray[Any]]:
    """Weights [d, k] and intercept [k] minimising ||y - x w - b||^2 + alpha ||w||^2."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64).reshape(len(x), -1)
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean
    gram = xc.T @ xc + alpha * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, xc.T @ yc)
    return weights, y_mean - x_mean @ weights


def _softmax(z: NDArray[Any]) -> NDArray[Any]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    result: NDArray[Any] = e / e.sum(axis=1, keepdims=True)
    return result


def _sigmoid(z: NDArray[Any]) -> NDArray[Any]:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow warnings for large |z|


def _lbfgs(fun: Callable[[NDArray[Any]], tuple[float, NDArray[Any]]], theta: NDArray[Any],
           max_steps: int = 500, memory: int = 10, tol: float = 1e-9) -> NDArray[Any]:
    """Minimise a smooth convex ``fun`` (value, gradient) with L-BFGS and backtracking."""
    value, grad = fun(theta)
    s_list: list[NDArray[Any]] = []
    y_list: list[NDArray[Any]] = []
    for _step in range(max_steps):
        if np.max(np.abs(grad)) < tol:
            break
        q = grad.copy()
        alphas = []
        for s, y in zip(reversed(s_list), reversed(y_list), strict=True):
            a = (s @ q) / (y @ s)
            alphas.append(a)
            q -= a * y
        if y_list:
            q *= (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
        for (s, y), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
            q += s * (a - (y @ q) / (y @ s))
        direction = -q
        slope = grad @ direction
        if slope >= 0:  # not a descent direction: restart from the gradient
            direction, slope, s_list, y_list = -grad, -(grad @ grad), [], []
        step = 1.0
        while True:
            new_theta = theta + step * direction
            new_value, new_grad = fun(new_theta)
            if new_value <= value + 1e-4 * step * slope or step < 1e-12:
                break
            step *= 0.5
        s, y = new_theta - theta, new_grad - grad
        if y @ s > 1e-12:
            s_list.append(s)
            y_list.append(y)
            if len(s_list) > memory:
                s_list.pop(0)
                y_list.pop(0)
        converged = abs(value - new_value) <= 1e-13 * max(1.0, abs(value))
        theta, value, grad = new_theta, new_value, new_grad
        if converged:
            break
    return theta


def logistic(x: NDArray[Any], labels: NDArray[Any], classes: int, c: float = 1.0,
             max_steps: int = 500) -> tuple[NDArray[Any], NDArray[Any]]:
    """Logistic regression: weights [d, k] and intercept [k], k = 1 for two classes.

    Minimises sum(log-loss) + ||w||^2 / (2 c) (intercept free), as scikit-learn's
    ``LogisticRegression(C=c)``: the sigmoid of the second class against the first for
    two classes, the softmax over all of them (multinomial) for more.
    """
    x = np.asarray(x, np.float64)
    labels = np.asarray(labels).astype(int).reshape(-1)
    n, d = x.shape
    k = 1 if classes == 2 else classes
    target = labels[:, None].astype(np.float64) if k == 1 else np.eye(k)[labels]
    penalty = 1.0 / (c * n)  # the same optimum, on the mean log-loss

    def fun(theta: NDArray[Any]) -> tuple[float, NDArray[Any]]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k:]
        z = x @ w + b
        if k == 1:
            p = _sigmoid(z)
            loss = np.mean(np.logaddexp(0, z) - target * z)
        else:
            p = _softmax(z)
            zmax = z.max(axis=1, keepdims=True)
            lse = (zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True))).reshape(-1)
            loss = np.mean(lse - (target * z).sum(axis=1))
        err = (p - target) / n
        value = loss + 0.5 * penalty * float((w * w).sum())
        grad = np.concatenate([(x.T @ err + penalty * w).reshape(-1), err.sum(axis=0)])
        return float(value), grad

    theta = _lbfgs(fun, np.zeros(d * k + k), max_steps=max_steps)
    return theta[: d * k].reshape(d, k), theta[d * k:]


@dataclass
class Linear:
    """A fitted baseline: ``outputs = activation(x @ weights + bias)``."""

    task: str
    weights: NDArray[Any]  # [inputs, outputs]
    bias: NDArray[Any]  # [outputs]
    activation: str  # "linear", "sigmoid" or "softmax": the Dense layer's activation
    penalty: float  # ridge alpha or logistic C, chosen on validation
    val_metric: float  # validation MAE (standardized units) or accuracy, before the refit
    check_outputs: NDArray[Any] | None = None  # its validation outputs, before the refit

    def predict(self, x: NDArray[Any]) -> NDArray[Any]:
        z: NDArray[Any] = np.asarray(x, np.float64) @ self.weights + self.bias
        if self.activation == "sigmoid":
            return _sigmoid(z)
        if self.activation == "softmax":
            return _softmax(z)
        return z

    @property
    def name(self) -> str:
        return "ridge regression" if self.task == "regression" else "logistic regression"


def class_index(y: NDArray[Any]) -> NDArray[Any]:
    """Class numbers from the CSV lab's labels: a 0/1 column or one-hot rows."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        index: NDArray[Any] = y.argmax(axis=1)
        return index
    return (y.reshape(-1) >= 0.5).astype(int)


def predicted_class(outputs: NDArray[Any]) -> NDArray[Any]:
    outputs = np.asarray(outputs)
    return class_index(outputs)


def _log_loss(outputs: NDArray[Any], labels: NDArray[Any]) -> float:
    outputs = np.clip(np.asarray(outputs, np.float64), 1e-12, 1 - 1e-12)
    if outputs.shape[1] == 1:
        p = outputs[:, 0]
        return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))
    return float(-np.mean(np.log(outputs[np.arange(len(labels)), labels])))


def fit(x_train: NDArray[Any], y_train: NDArray[Any], x_val: NDArray[Any], y_val: NDArray[Any], *,
        task: str, classes: int = 0, penalties: tuple[float, ...] | None = None) -> Linear:
    """The baseline for ``task``: penalty chosen on (x_val, y_val), refitted on both.

    ``y`` as the CSV lab prepares it: standardized values [n, 1] for a regression, a 0/1
    column for two classes, one-hot rows for more. Regression: the smallest validation
    MAE wins (ties: the larger alpha). Classification: the best validation accuracy
    (ties: the smaller log-loss, then the smaller C).
    """
    x_all = np.vstack([x_train, x_val])
    if task == "regression":
        best: tuple[float, float, NDArray[Any]] | None = None
        for alpha in penalties or RIDGE_ALPHAS:
            w, b = ridge(x_train, y_train, alpha)
            outputs = x_val @ w + b
            mae = float(np.abs(outputs - np.asarray(y_val).reshape(len(x_val), -1)).mean())
            if best is None or mae <= best[1]:
                best = (alpha, mae, outputs)
        assert best is not None  # RIDGE_ALPHAS is not empty
        alpha, mae, outputs = best
        w, b = ridge(x_all, np.vstack([y_train, y_val]), alpha)
        return Linear(task, w, b, "linear", alpha, mae, outputs)
    if task != "classification":
        raise ValueError(_("task must be 'classification' or 'regression'"))
    classes = classes or (np.asarray(y_train).shape[1] if np.asarray(y_train).ndim == 2
                          and np.asarray(y_train).shape[1] > 1 else 2)
    train_labels, val_labels = class_index(y_train), class_index(y_val)
    activation = "sigmoid" if classes == 2 else "softmax"
    best_key: tuple[float, float] | None = None
    best_c, best_outputs = 0.0, None
    for c in penalties or LOGISTIC_CS:
        w, b = logistic(x_train, train_labels, classes, c)
        model = Linear(task, w, b, activation, c, 0.0)
        outputs = model.predict(x_val)
        accuracy = float((predicted_class(outputs) == val_labels).mean())
        key = (accuracy, -_log_loss(outputs, val_labels))
        if best_key is None or key > best_key:
            best_key, best_c, best_outputs = key, c, outputs
    assert best_key is not None  # LOGISTIC_CS is not empty
    w, b = logistic(x_all, np.concatenate([train_labels, val_labels]), classes, best_c)
    return Linear(task, w, b, activation, best_c, best_key[0], best_outputs)
