"""``await fit(model, x, y, ...)``: TF.js training driven from Python.

- numpy inputs become tensors for the duration of the fit and are disposed after,
- Python callbacks (``on_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)``,
  plain or ``async``) get dict logs; their JS proxies are destroyed when fit returns,
- the page's progress bar and live charts are fed, throttled so they cost little,
- Stop in the page ends training after the current batch and raises ``Stopped``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _compat, jsargs, tensors, ui
from .control import STOP, Stopped
from .scope import ProxyRegistry
from .trainlog import Throttle, TrainingLog, batches_per_epoch

Callback = Callable[[int, dict[str, Any]], Any]


class History:
    """What fit returns: ``history.history["loss"]``, ``history.epoch`` like Keras."""

    def __init__(self, history: dict[str, list[float]], stopped: bool) -> None:
        self.history = history
        self.epoch = list(range(len(next(iter(history.values()), []))))
        self.stopped = stopped

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, metrics={list(self.history)})"


def _num_samples(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return int(x.shape[0])
    if isinstance(x, (list, tuple)) and x:
        return _num_samples(x[0])
    raw = getattr(x, "js", x)
    return int(raw.shape[0])


def _logs(logs: Any) -> dict[str, Any]:
    return {} if logs is None else dict(logs.to_py())


def _as_js_data(value: Any, owner: ProxyRegistry) -> Any:
    if isinstance(value, np.ndarray):
        return owner.own_tensor(tensors.js_tensor(value))
    if isinstance(value, (list, tuple)):
        return _compat.to_js_value([_as_js_data(v, owner) for v in value])
    return getattr(value, "js", value)


async def fit(model: Any, x: Any, y: Any = None, *, epochs: int = 1, batch_size: int = 32,
              validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
              on_batch_end: Callback | None = None, on_epoch_end: Callback | None = None,
              charts: bool | list[str] = True, progress: bool = True,
              **options: Any) -> History:
    """Train ``model`` like ``model.fit`` in TF.js; returns a :class:`History`."""
    raw_model = getattr(model, "js", model)
    log = TrainingLog(epochs, batches_per_epoch(_num_samples(x), batch_size, validation_split))
    bar, plots = Throttle(0.1), Throttle(0.5)
    wanted = None if charts is True else (list(charts) if charts else [])
    drawn_epochs = [0]  # charts change only when an epoch ends: redraw only then

    def draw(force: bool = False) -> None:
        if progress and bar.ready(force):
            ui.progress(log.progress())
        fresh = log.completed > drawn_epochs[0]
        if wanted != [] and log.history and fresh and plots.ready(force):
            drawn_epochs[0] = log.completed
            for title, data in log.chart_data().items():
                keep = [i for i, s in enumerate(data["series"]) if wanted is None or s in wanted]
                if keep:
                    ui.linechart(title, {"values": [data["values"][i] for i in keep],
                                         "series": [data["series"][i] for i in keep]})

    def check_stop() -> None:
        if STOP.requested and not log.stopped:
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
        values = _logs(logs)
        log.end_batch(int(batch), values)
        check_stop()
        draw()
        return then_pause(None if on_batch_end is None else on_batch_end(int(batch), values))

    def epoch_begin(epoch: int, _logs_: Any = None) -> None:
        log.begin_epoch(int(epoch))
        check_stop()

    def epoch_end(epoch: int, logs: Any) -> Any:
        values = _logs(logs)
        log.end_epoch(int(epoch), values)
        check_stop()
        draw(force=log.completed == epochs)
        return then_pause(None if on_epoch_end is None else on_epoch_end(int(epoch), values))

    pause = ui.Pause(0.1)
    owner = ProxyRegistry()
    try:
        callbacks = {
            "onEpochBegin": owner.proxy(epoch_begin),
            "onBatchEnd": owner.proxy(batch_end),
            "onEpochEnd": owner.proxy(epoch_end),
        }
        # TF.js would yield with requestAnimationFrame (up to a frame, ~16 ms, each time);
        # pytfjs yields itself, through a zero-delay task, every 0.1 s (ui.Pause).
        args = {"epochs": epochs, "batchSize": batch_size, "shuffle": shuffle, "verbose": 0,
                "callbacks": callbacks, "yieldEvery": "never", **jsargs.options(options)}
        if validation_split:
            args["validationSplit"] = validation_split
        if validation_data is not None:
            args["validationData"] = [_as_js_data(v, owner) for v in validation_data]
        STOP.check("before training")
        raw_x = _as_js_data(x, owner)
        raw_y = _as_js_data(y, owner) if y is not None else None
        draw(force=True)
        await raw_model.fit(raw_x, raw_y, _compat.to_js_value(args))
    finally:
        owner.destroy()
    draw(force=True)
    if log.stopped:
        raise Stopped(f"Stopped by you during training, after epoch {log.completed} of {epochs}.")
    return History(log.history, stopped=False)
