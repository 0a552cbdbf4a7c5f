"""What a training run has done so far: history, progress text, chart series.

Pure Python (no browser), so the bookkeeping behind the progress bar and the live
charts is unit-tested on CPython.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .i18n import _, decimals


def batches_per_epoch(samples: int, batch_size: int, validation_split: float = 0.0) -> int:
    """How many batches TF.js runs per epoch (it splits off the *last* samples)."""
    train = samples - int(math.floor(samples * validation_split)) if validation_split else samples
    return max(1, math.ceil(train / batch_size)) if train else 0


# metric names TF.js logs that read as abbreviations
ABBREVIATIONS = {"mae": "MAE", "mse": "MSE", "mape": "MAPE", "msle": "MSLE", "rmse": "RMSE"}


def chart_groups(metrics: list[str]) -> dict[str, list[str]]:
    """Group metric names into charts: losses together, accuracies together, others alone
    (each with its validation twin)."""
    groups: dict[str, list[str]] = {}
    for name in metrics:
        base = name[4:] if name.startswith("val_") else name
        title = "Loss" if base == "loss" else "Accuracy" if base in ("acc", "accuracy") \
            else ABBREVIATIONS.get(base.lower()) or base.replace("_", " ").capitalize()
        groups.setdefault(title, []).append(name)
    return groups


@dataclass
class TrainingLog:
    epochs: int
    batches: int
    history: dict[str, list[float]] = field(default_factory=dict)
    completed: int = 0  # epochs finished
    batch: int = 0  # batches finished in the current epoch
    last_loss: float | None = None
    stopped: bool = False
    keep_batches: bool = False  # also record every batch's metrics (per-batch charts)
    batch_history: dict[str, list[float]] = field(default_factory=dict)

    def begin_epoch(self, epoch: int) -> None:
        self.completed, self.batch = epoch, 0

    def end_batch(self, batch: int, logs: dict[str, Any]) -> None:
        self.batch = batch + 1
        if logs.get("loss") is not None:
            self.last_loss = float(logs["loss"])
        if self.keep_batches:
            for name, value in logs.items():
                if name not in ("batch", "size") and isinstance(value, (int, float)):
                    self.batch_history.setdefault(name, []).append(float(value))

    def end_epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        self.completed, self.batch = epoch + 1, 0
        for name, value in logs.items():
            if isinstance(value, (int, float)):
                self.history.setdefault(name, []).append(float(value))
        if logs.get("loss") is not None:
            self.last_loss = float(logs["loss"])

    @property
    def fraction(self) -> float:
        if not self.epochs:
            return 1.0
        within = self.batch / self.batches if self.batches else 0.0
        return min(1.0, (self.completed + within) / self.epochs)

    def progress(self) -> dict[str, Any]:
        """What the progress bar shows: epoch i/N, batch j/M, the latest loss."""
        running = self.completed < self.epochs and not self.stopped
        shown = self.completed + 1 if running else self.completed
        text = _("epoch {epoch}/{epochs}").format(epoch=shown, epochs=self.epochs)
        if running and self.batches > 1:
            text += " · " + _("batch {batch}/{batches}").format(batch=self.batch,
                                                               batches=self.batches)
        if self.last_loss is not None:
            text += " · " + _("loss {loss}").format(loss=decimals(f"{self.last_loss:.4g}"))
        if self.stopped:
            text += " · " + _("stopped")
        return {"fraction": self.fraction, "text": text, "epoch": shown, "epochs": self.epochs,
                "batch": self.batch, "batches": self.batches, "loss": self.last_loss}

    def chart_data(self, batches: bool = False) -> dict[str, dict[str, Any]]:
        """Per chart title: linechart data ``{values: [[{x, y}]], series: [...]}``.

        ``batches=True`` charts every batch ("Batch loss", ...) instead of every epoch.
        """
        source = self.batch_history if batches else self.history
        charts = {}
        for title, names in chart_groups(list(source)).items():
            values = [[{"x": i + 1, "y": v} for i, v in enumerate(source[n])
                       if math.isfinite(v)] for n in names]
            charts[f"Batch {title.lower()}" if batches else title] = {
                "values": values, "series": names}
        return charts


class Throttle:
    """True at most once per ``interval`` seconds (and always when forced)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.clock, self._last = interval, clock, -math.inf

    def ready(self, force: bool = False) -> bool:
        now = self.clock()
        if force or now - self._last >= self.interval:
            self._last = now
            return True
        return False
