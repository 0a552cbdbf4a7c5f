"""The CSV lab's decisions, in plain Python: how big a network, which model wins, in words.

A fixed network (32-16, 60 epochs) overfits a table of a few hundred rows. The plan here
grows with the data instead, and every part of it can be overridden:

- width: about the square root of the training rows, as a power of two from 8 to 64, then
  halved (down to 8) while the first layer alone would have more than 10 weights per
  training row; a second hidden layer of half that width;
- epochs: enough for about 4,000 batch steps (20 to 300 epochs), cut short by early
  stopping on the validation loss (patience: a tenth of the epochs, 5 to 20) with the best
  epoch's weights restored;
- L2 of 0.001 on every kernel, Adam at 0.005, batches of 32.

:func:`choose` picks the model to export from the validation slice: the network only when
it wins by more than the noise of that slice, else the linear baseline (the simpler
model); :func:`comparison` says how the two did in a sentence.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .i18n import _, decimals

TARGET_STEPS = 4000


@dataclass
class NetworkPlan:
    width: int
    epochs: int
    patience: int
    batch_size: int = 32
    l2: float = 0.001
    learning_rate: float = 0.005

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, rows: int, inputs: int) -> str:
        return (_("network: {inputs} inputs -> {width} -> {half} relu (from {rows} training "
                  "rows), L2 {l2} on kernels, Adam {lr}, batch {batch}, up to {epochs} epochs "
                  "(stops after {patience} without a better validation loss)")
                .format(inputs=inputs, width=self.width, half=max(1, self.width // 2),
                        rows=rows, l2=decimals(f"{self.l2:g}"),
                        lr=decimals(f"{self.learning_rate:g}"), batch=self.batch_size,
                        epochs=self.epochs, patience=self.patience))


def _width(rows: int, inputs: int) -> int:
    width: int = 2 ** round(math.log2(max(1.0, math.sqrt(rows))))
    width = min(64, max(8, width))
    while width > 8 and inputs * width > 10 * rows:
        width //= 2
    return width


def plan_network(rows: int, inputs: int, overrides: dict[str, Any] | None = None
                 ) -> NetworkPlan:
    """The network for ``rows`` training rows of ``inputs`` columns; ``overrides`` win.

    ``overrides`` maps NetworkPlan fields to values; None or missing means "choose".
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None and v != ""}
    unknown = set(overrides) - set(NetworkPlan.__dataclass_fields__)
    if unknown:
        raise ValueError(_("unknown network settings: {items}")
                         .format(items=', '.join(sorted(unknown))))
    for key in ("width", "epochs", "batch_size"):
        if key in overrides and int(overrides[key]) < 1:
            raise ValueError(_("{key} must be 1 or more, not {overrides}")
                             .format(key=key, overrides=overrides[key]))
    for key in ("patience", "l2", "learning_rate"):
        if key in overrides and float(overrides[key]) < 0:
            raise ValueError(_("{key} must be 0 or more, not {overrides}")
                             .format(key=key, overrides=overrides[key]))
    batch = int(overrides.get("batch_size", 32))
    steps = max(1, math.ceil(rows / batch))
    epochs = int(overrides.get("epochs", min(300, max(20, math.ceil(TARGET_STEPS / steps)))))
    patience = int(overrides.get("patience", min(20, max(5, epochs // 10))))
    return NetworkPlan(
        width=int(overrides.get("width", _width(rows, inputs))), epochs=epochs,
        patience=patience, batch_size=batch, l2=float(overrides.get("l2", 0.001)),
        learning_rate=float(overrides.get("learning_rate", 0.005)))


def choose(task: str, network_rows: NDArray[Any], baseline_rows: NDArray[Any]) -> str:
    """"network" only when it beats the baseline on validation by more than the noise.

    ``*_rows``: per validation row, 1/0 for right/wrong (classification) or the absolute
    error (regression). A few rows of validation make small differences luck, so the
    network must win the paired comparison by more than one standard error: the rows
    only it gets right outnumber the rows only the baseline gets right by more than the
    square root of their sum (McNemar), or its mean absolute error is smaller by more
    than the standard error of the per-row differences. Otherwise the simpler model stays.
    """
    net, base = np.asarray(network_rows, np.float64), np.asarray(baseline_rows, np.float64)
    if len(net) != len(base) or not len(net):
        raise ValueError(_("both models need a score for each of the same validation rows"))
    if not np.all(np.isfinite(net)):
        return "baseline"
    if task == "classification":
        only_network = float(((net > 0) & (base <= 0)).sum())
        only_baseline = float(((net <= 0) & (base > 0)).sum())
        gain = only_network - only_baseline
        return "network" if gain > 0 and gain > math.sqrt(only_network + only_baseline) \
            else "baseline"
    gain_rows = base - net  # how much smaller the network's error is, per row
    spread = float(gain_rows.std(ddof=1)) / math.sqrt(len(gain_rows)) if len(gain_rows) > 1 \
        else 0.0
    return "network" if gain_rows.mean() > 0 and gain_rows.mean() > spread else "baseline"


def comparison(task: str, network: float, baseline: float, label: str = "") -> str:
    """One sentence on the test rows: which model is better, and by how much."""
    if task == "classification":
        diff = network - baseline
        values = (_("(accuracy {network} against {baseline})")
                  .format(network=decimals(f"{network:.3f}"),
                          baseline=decimals(f"{baseline:.3f}")))
        if abs(diff) < 5e-4:
            return (_("The network and the linear baseline are equally accurate {values}.")
                    .format(values=values))
        points = decimals(f"{abs(diff) * 100:.1f}")
        if diff > 0:
            return (_("The network is more accurate on the test rows by {points} percentage "
                      "points {values}.").format(points=points, values=values))
        return (_("The linear baseline is more accurate on the test rows by {points} "
                  "percentage points {values}.").format(points=points, values=values))
    units = f" {label}" if label else ""
    values = (_("(mean absolute error {network} against {baseline}{units})")
              .format(network=decimals(f"{network:.4g}"), baseline=decimals(f"{baseline:.4g}"),
                      units=units))
    if max(network, baseline) <= 0 or abs(network - baseline) <= 5e-4 * max(network, baseline):
        return (_("The network and the linear baseline are equally close {values}.")
                .format(values=values))
    if network < baseline:
        return (_("The network's errors are {percent}% smaller than the linear baseline's "
                  "{values}.").format(percent=decimals(f"{100 * (1 - network / baseline):.1f}"),
                                      values=values))
    return (_("The linear baseline's errors are {percent}% smaller than the network's "
              "{values}.").format(percent=decimals(f"{100 * (1 - baseline / network):.1f}"),
                                  values=values))
