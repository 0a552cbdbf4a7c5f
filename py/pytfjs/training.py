"""``await fit(model, x, y, ...)``: TF.js training driven from Python.

- numpy inputs become tensors for the duration of the fit and are disposed after,
- Python callbacks (``on_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)``,
  plain or ``async``) get dict logs; their JS proxies are destroyed when fit returns,
- the page's progress bar and live charts are fed, throttled so they cost little,
- Stop in the page ends training after the current batch and raises ``Stopped``; so does
  ``stop``, a function checked after every batch (a lab's own "Stop training" button);
- the batch order follows the run's seed (``?seed=``, else 0): numpy rows are shuffled in
  Python (``seeding.epoch_order``) and TF.js gets each epoch in that order with its own
  shuffle off, so the order no longer comes from ``Math.random`` (the starting weights
  were seeded when the model was compiled);
- a training that ends reports the run's ``seed`` and the model's ``weights_sha256``;
- ``early_stopping=EarlyStopping(...)`` stops when validation stops improving and puts the
  best epoch's weights back.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _compat, charts, jsargs, output, seeding, tensors
from .control import STOP, Stopped
from .early_stopping import EarlyStopping
from .i18n import _
from .pause import Pause
from .scope import ProxyRegistry
from .trainlog import Throttle, TrainingLog, batches_per_epoch

Callback = Callable[[int, dict[str, Any]], Any]


class History:
    """What fit returns: ``history.history["loss"]``, ``history.epoch`` like Keras."""

    def __init__(self, history: dict[str, list[float]], peak_bytes: int = 0) -> None:
        self.history = history
        self.epoch = list(range(len(next(iter(history.values()), []))))
        self.peak_bytes = peak_bytes  # fit_batches: most tensor bytes held between batches

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, metrics={list(self.history)})"


def _num_samples(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return int(x.shape[0])
    if isinstance(x, (list, tuple)) and x:
        return _num_samples(x[0])
    raw = getattr(x, "js", x)
    return int(raw.shape[0])


def _logs(logs: Any, scale: dict[str, float] | None = None) -> dict[str, Any]:
    """TF.js's logs as a dict, each metric named in ``scale`` (and its ``val_`` twin)
    multiplied by its factor."""
    values = {} if logs is None else dict(logs.to_py())
    for name, value in values.items():
        factor = (scale or {}).get(name.removeprefix("val_"))
        if factor is not None and isinstance(value, (int, float)):
            values[name] = value * factor
    return values


def _raise_if_stopped(log: TrainingLog) -> None:
    if log.stopped:
        raise Stopped(_("Stopped by you during training, after epoch {completed} "
                      "of {epochs}.").format(completed=log.completed, epochs=log.epochs))


async def _call_user(fn: Callback | None, index: int, logs: dict[str, Any]) -> None:
    """A learner's callback, plain or ``async``."""
    result = None if fn is None else fn(index, logs)
    if inspect.isawaitable(result):
        await result


def _as_js_data(value: Any, owner: ProxyRegistry) -> Any:
    if isinstance(value, np.ndarray):
        return owner.own_tensor(tensors.js_tensor(value))
    if isinstance(value, (list, tuple)):
        return _compat.to_js_value([_as_js_data(v, owner) for v in value])
    return getattr(value, "js", value)


class LiveView:
    """The page's progress bar and live charts for one training run, throttled.

    Epoch charts change only when an epoch ends, batch charts when batches end: each is
    redrawn only then, at most twice a second (the page draws a line chart in about a
    millisecond, but each update is a message with the whole series).
    """

    def __init__(self, log: TrainingLog, charts: bool | list[str] = True,
                 progress: bool = True) -> None:
        self.log, self.progress = log, progress
        self.wanted = None if charts is True else (list(charts) if charts else [])
        self.bar, self.plots = Throttle(0.1), Throttle(0.5)
        self.drawn = (0, 0)  # (epochs, batches) already charted

    def _charts(self, data: dict[str, dict[str, Any]]) -> None:
        for title, chart in data.items():
            keep = [i for i, s in enumerate(chart["series"])
                    if self.wanted is None or s in self.wanted]
            if keep:
                shown = {"Loss": _("Loss"), "Accuracy": _("Accuracy"),
                         "Batch loss": _("Batch loss"),
                         "Batch accuracy": _("Batch accuracy")}.get(title, title)
                charts.linechart(shown, {"values": [chart["values"][i] for i in keep],
                                         "series": [chart["series"][i] for i in keep]},
                                 x_label=_("batch") if title.startswith("Batch") else _("epoch"))

    def update(self, force: bool = False) -> None:
        log = self.log
        if self.progress and self.bar.ready(force):
            output.progress(log.progress())
        batches = sum(len(v) for v in log.batch_history.values())
        fresh = (log.completed, batches) != self.drawn
        if self.wanted != [] and fresh and self.plots.ready(force):
            if log.keep_batches and log.batch_history:
                self._charts(log.chart_data(batches=True))
            if log.history and log.completed != self.drawn[0]:
                self._charts(log.chart_data())
            self.drawn = (log.completed, batches)


async def fit(model: Any, x: Any, y: Any = None, *, epochs: int = 1, batch_size: int = 32,
              validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
              on_batch_end: Callback | None = None, on_epoch_end: Callback | None = None,
              charts: bool | list[str] = True, progress: bool = True,
              batch_charts: bool = False, stop: Callable[[], bool] | None = None,
              early_stopping: EarlyStopping | None = None,
              metric_scale: dict[str, float] | None = None, **options: Any) -> History:
    """Train ``model`` like ``model.fit`` in TF.js; returns a :class:`History`.

    ``stop()`` returning True ends training after the current batch, like the page's Stop.
    With ``shuffle``, the run's seed fixes the batch order when ``x``/``y`` are numpy
    arrays (or lists of them; ``validation_split`` then takes the last rows, as TF.js
    does); tensors are shuffled by TF.js. Reports ``seed`` and ``weights_sha256`` at the end.
    ``early_stopping`` ends training early and restores the best epoch's weights.
    ``metric_scale`` multiplies logged metrics (and their ``val_`` twins) before the charts,
    the history, the callbacks and early stopping see them: a regression trained on
    standardized targets reports its error in the label's units with
    ``{"mae": scale, "loss": scale ** 2}`` (mean squared error scales with the square).
    """
    raw_model = getattr(model, "js", model)
    seeded = shuffle and _numpy_rows(x) and _numpy_rows(y)
    seed = seeding.seed_param() if seeded else 0
    if seeded:
        if validation_split and validation_data is None:
            split_at = math.floor(_num_samples(x) * (1 - validation_split))
            validation_data = (_rows(x, slice(split_at, None)), _rows(y, slice(split_at, None)))
            x, y = _rows(x, slice(0, split_at)), _rows(y, slice(0, split_at))
        validation_split = 0.0
    log = TrainingLog(epochs, batches_per_epoch(_num_samples(x), batch_size, validation_split),
                      keep_batches=batch_charts)
    best_weights: list[NDArray[Any]] = []
    view = LiveView(log, charts, progress)
    draw = view.update

    def check_stop() -> None:
        if (STOP.requested or (stop is not None and stop())) and not log.stopped:
            log.stopped = True
            raw_model.stopTraining = True

    def then_pause(result: Any) -> Any:
        """What a callback hands back to TF.js: nothing, a page yield, or a coroutine."""
        if inspect.isawaitable(result):
            async def chain() -> None:
                await result
                gap = pause.due()
                if gap is not None:
                    await gap

            return chain()
        return pause.due()

    def batch_end(batch: int, logs: Any) -> Any:
        values = _logs(logs, metric_scale)
        log.end_batch(int(batch), values)
        check_stop()
        draw()
        return then_pause(None if on_batch_end is None else on_batch_end(int(batch), values))

    def epoch_begin(epoch: int, _logs_: Any = None) -> None:
        log.begin_epoch(int(epoch))
        check_stop()

    def epoch_end(epoch: int, logs: Any) -> Any:
        values = _logs(logs, metric_scale)
        log.end_epoch(int(epoch), values)
        check_stop()
        if early_stopping is not None:
            if early_stopping.update(int(epoch), values) and early_stopping.restore_best_weights:
                best_weights[:] = [tensors.to_numpy(w) for w in raw_model.getWeights()]
            if early_stopping.should_stop:
                raw_model.stopTraining = True
        draw(force=log.completed == epochs)
        return then_pause(None if on_epoch_end is None else on_epoch_end(int(epoch), values))

    pause = Pause(0.1)
    owner = ProxyRegistry()
    try:
        callbacks = {
            "onEpochBegin": owner.proxy(epoch_begin),
            "onBatchEnd": owner.proxy(batch_end),
            "onEpochEnd": owner.proxy(epoch_end),
        }
        # TF.js would yield with requestAnimationFrame (up to a frame, ~16 ms, each time);
        # pytfjs yields itself, through a zero-delay task, every 0.1 s (pytfjs.pause).
        args = {"epochs": epochs, "batchSize": batch_size, "shuffle": shuffle, "verbose": 0,
                "callbacks": callbacks, "yieldEvery": "never", **jsargs.options(options)}
        if validation_split:
            args["validationSplit"] = validation_split
        if validation_data is not None:
            args["validationData"] = [_as_js_data(v, owner) for v in validation_data]
        STOP.check(_("before training"))
        draw(force=True)
        with STOP.training_scope():
            if seeded and seed is not None and log.batches > 1:  # seeded: seed is set
                await _fit_seeded(raw_model, x, y, args, seed, log, early_stopping)
            else:  # (seeded, one batch an epoch: the rows' order cannot change it)
                raw_x = _as_js_data(x, owner)
                raw_y = _as_js_data(y, owner) if y is not None else None
                await raw_model.fit(raw_x, raw_y, _compat.to_js_value(
                    {**args, "shuffle": False} if seeded else args))
    finally:
        owner.destroy()
    draw(force=True)
    _raise_if_stopped(log)
    if best_weights and early_stopping is not None and early_stopping.restore_best_weights:
        with ProxyRegistry() as weights_owner:
            raw_model.setWeights(_compat.to_js_value(
                [weights_owner.own_tensor(tensors.js_tensor(w)) for w in best_weights]))
    seeding.report_trained(raw_model)
    return History(log.history)


def _numpy_rows(data: Any) -> bool:
    """Rows pytfjs can shuffle itself: nothing, a numpy array, or a list/tuple of them."""
    return data is None or isinstance(data, np.ndarray) or (
        isinstance(data, (list, tuple)) and all(isinstance(d, np.ndarray) for d in data))


def _rows(data: Any, rows: Any) -> Any:
    """``data[rows]`` for a numpy array or a list/tuple of them (several inputs)."""
    if isinstance(data, np.ndarray):
        return data[rows]
    if isinstance(data, (list, tuple)) and all(isinstance(d, np.ndarray) for d in data):
        return [d[rows] for d in data]
    if data is None:
        return None
    raise TypeError(_("rows are shuffled in numpy: pass x and y as numpy arrays "
                    "(or lists of them), not tensors"))


async def _fit_seeded(raw_model: Any, x: Any, y: Any, args: dict[str, Any], seed: int,
                      log: TrainingLog, early_stopping: EarlyStopping | None) -> None:
    """One TF.js fit per epoch, rows in the seeded order of that epoch, TF.js' shuffle off.

    TF.js keeps the optimizer state on the model between the calls, and ``initialEpoch``
    numbers the epochs for the callbacks as one long fit would.
    """
    rows = _num_samples(x)
    for epoch in range(int(args["epochs"])):
        order = seeding.epoch_order(rows, seed, epoch)
        with ProxyRegistry() as epoch_owner:
            raw_x = _as_js_data(_rows(x, order), epoch_owner)
            raw_y = _as_js_data(_rows(y, order), epoch_owner) if y is not None else None
            await raw_model.fit(raw_x, raw_y, _compat.to_js_value(
                {**args, "epochs": epoch + 1, "initialEpoch": epoch, "shuffle": False}))
        # Stop, early stopping or a callback (``model.stop_training = True``) ended this
        # epoch's fit: TF.js clears the flag when a fit starts, so the next must not start
        if raw_model.stopTraining or log.stopped or (
                early_stopping is not None and early_stopping.should_stop):
            break


Batches = Callable[[], Iterable[tuple[NDArray[Any], NDArray[Any]]]]


def _scalars(value: Any) -> list[float]:
    """Numbers from what trainOnBatch/evaluate return: a number, scalars, or lists of them."""
    items = list(value) if hasattr(value, "length") or isinstance(value, list) else [value]
    out = []
    for item in items:
        if hasattr(item, "dataSync"):
            out.append(float(_compat.tensor_values(item)[0]))  # exact on webgpu too
            item.dispose()
        else:
            out.append(float(item))
    return out


def _evaluate(raw_model: Any, batches: Batches, names: list[str]) -> dict[str, float]:
    """Size-weighted mean of every metric over ``batches`` (one float32 batch at a time)."""
    totals, count = [0.0] * len(names), 0
    for x, y in batches():
        with ProxyRegistry() as owner:
            xt, yt = _as_js_data(x, owner), _as_js_data(y, owner)
            values = _scalars(raw_model.evaluate(xt, yt, _compat.to_js_value(
                {"batchSize": len(x)})))
        totals = [t + v * len(x) for t, v in zip(totals, values, strict=True)]
        count += len(x)
    return {f"val_{n}": t / max(count, 1) for n, t in zip(names, totals, strict=True)}


async def fit_batches(model: Any,
                      batches: Callable[[int], Iterable[tuple[NDArray[Any], NDArray[Any]]]],
                      *, epochs: int, steps_per_epoch: int, validation: Batches | None = None,
                      on_batch_end: Callback | None = None,
                      on_epoch_end: Callback | None = None, charts: bool | list[str] = True,
                      batch_charts: bool = True, progress: bool = True) -> History:
    """Train on batches made in Python, one at a time (``model.trainOnBatch``).

    ``batches(epoch)`` yields numpy ``(x, y)`` pairs; each becomes float32 tensors only
    for its own step, so a data set can stay compact (uint8) in numpy. ``validation()``
    yields batches scored after every epoch (``val_*`` metrics). Progress bar, per-batch
    and per-epoch charts, callbacks, Stop and the report at the end work as in
    :func:`fit`; the batch order is the batches' own (``SpriteSet.batches`` follows the
    run's seed).
    """
    raw_model = getattr(model, "js", model)
    tf = _compat.tf_module()
    names = [str(n) for n in raw_model.metricsNames]
    log = TrainingLog(epochs, steps_per_epoch, keep_batches=batch_charts)
    view = LiveView(log, charts, progress)
    pause = Pause(0.1)
    view.update(force=True)
    with STOP.training_scope():
        history = await _batch_epochs(raw_model, batches, epochs, validation, on_batch_end,
                                      on_epoch_end, names, log, view, pause, tf)
    seeding.report_trained(raw_model)
    return history


async def _batch_epochs(raw_model: Any, batches: Callable[[int], Iterable[tuple[Any, Any]]],
                        epochs: int, validation: Batches | None, on_batch_end: Callback | None,
                        on_epoch_end: Callback | None, names: list[str], log: TrainingLog,
                        view: LiveView, pause: Pause, tf: Any) -> History:
    """The epochs of :func:`fit_batches` (inside its training scope)."""
    peak = 0
    for epoch in range(epochs):
        log.begin_epoch(epoch)
        sums, seen = [0.0] * len(names), 0
        for step, (x, y) in enumerate(batches(epoch)):
            with ProxyRegistry() as owner:
                xt, yt = _as_js_data(x, owner), _as_js_data(y, owner)
                values = _scalars(await raw_model.trainOnBatch(xt, yt))
                peak = max(peak, int(tf.memory().numBytes))
            logs = dict(zip(names, values, strict=True))
            sums = [s + v * len(x) for s, v in zip(sums, values, strict=True)]
            seen += len(x)
            log.end_batch(step, logs)
            view.update()
            await _call_user(on_batch_end, step, logs)
            gap = pause.due()
            if gap is not None:
                await gap
            if STOP.requested:
                log.stopped = True
                break
        epoch_logs = {n: s / max(seen, 1) for n, s in zip(names, sums, strict=True)}
        if validation is not None and not log.stopped:
            epoch_logs.update(_evaluate(raw_model, validation, names))
        log.end_epoch(epoch, epoch_logs)
        view.update(force=True)
        await _call_user(on_epoch_end, epoch, epoch_logs)
        _raise_if_stopped(log)
    return History(log.history, peak_bytes=peak)
