"""Early stopping with the best weights kept: when to stop, decided in plain Python.

TF.js' ``tf.callbacks.earlyStopping`` stops training but cannot give back the weights of
the best epoch, which is what a small table needs (its validation loss turns up long
before the training loss stops falling). ``fit(..., early_stopping=EarlyStopping())``
asks :meth:`EarlyStopping.update` after every epoch; when it says the epoch is the best so
far, fit keeps a numpy copy of the weights, and it puts that copy back when training ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .i18n import _


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` is "min" (a loss, an error) or "max" (an accuracy). After training,
    ``best_epoch`` (0-based) and ``best`` say which epoch's weights the model holds when
    ``restore_best_weights`` is on, and ``stopped_epoch`` where it stopped (None: it ran
    all its epochs).
    """

    monitor: str = "val_loss"
    patience: int = 10
    min_delta: float = 0.0
    mode: str = "min"
    restore_best_weights: bool = True
    best: float = field(default=math.nan, init=False)
    best_epoch: int | None = field(default=None, init=False)
    stopped_epoch: int | None = field(default=None, init=False)
    wait: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(_("mode must be 'min' or 'max'"))
        if self.patience < 0:
            raise ValueError(_("patience must be 0 or more epochs"))

    def _better(self, value: float) -> bool:
        if self.best_epoch is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, epoch: int, logs: dict[str, Any]) -> bool:
        """Record ``epoch``'s logs; True when it is the best epoch so far.

        A NaN or missing value is never an improvement (a diverged epoch). Raises KeyError
        naming the metrics there are if ``monitor`` is not among them at all.
        """
        if self.monitor not in logs:
            raise KeyError(_("early stopping watches {monitor!r}, but training reports only "
                             "{metrics}; give fit validation data or watch another metric")
                           .format(monitor=self.monitor,
                                   metrics=", ".join(sorted(logs)) or _("nothing")))
        value = float(logs[self.monitor])
        if not math.isnan(value) and self._better(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        if self.wait > self.patience and self.stopped_epoch is None:
            self.stopped_epoch = epoch
        return False

    @property
    def should_stop(self) -> bool:
        return self.stopped_epoch is not None
