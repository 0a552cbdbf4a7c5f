"""Charts on the lab page, from Python: what to draw and the words that stand in for it.

``render`` sends a chart (one of :data:`KINDS`: ``tfvis.render``'s names and data shapes,
which the course uses) to the page, which draws it with uPlot (``js/page/plots.js``);
``describe`` computes the chart's text alternative from the same data (what a screen
reader says, and the caption under it). Separate from the other panels
(:mod:`pytfjs.output`) because the chart text is the one piece of real logic here, and
it is unit-tested on CPython.
"""

from __future__ import annotations

import json
import math
from typing import Any

from . import _compat
from .i18n import _, decimals, ngettext
from .reporting import to_json_value

KINDS = ("linechart", "scatterplot", "barchart", "histogram", "heatmap", "confusionMatrix")


def _number(value: float) -> str:
    return decimals(f"{value:.4g}")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _series(data: dict[str, Any]) -> list[tuple[str, list[dict[str, float]]]]:
    """tfjs-vis point data ({values: points or [points, ...], series}) as (name, points)."""
    values = data.get("values") or []
    if values and isinstance(values[0], dict):
        values = [values]
    names = list(data.get("series") or [])
    names += [_("series {n}").format(n=i + 1) for i in range(len(names), len(values))]
    return list(zip(names, values, strict=False))  # extra names without data are dropped


def describe(kind: str, data: Any, options: dict[str, Any] | None = None) -> str:
    """A short text alternative for a chart: what a screen reader says instead of the
    picture (and what the page prints under it), computed from the chart's own data."""
    options = options or {}
    try:
        if kind == "linechart":
            x_label = options.get("xLabel") or "x"
            parts = []
            for name, points in _series(data):
                points = [p for p in points if _finite(p.get("y"))]  # a gap is no point
                if not points:
                    continue
                ys = [p["y"] for p in points]
                parts.append(ngettext(
                    "{name}: {n} point over {x_label} {x_first} to {x_last}, first {first}, "
                    "last {last}, lowest {lowest}, highest {highest}",
                    "{name}: {n} points over {x_label} {x_first} to {x_last}, first {first}, "
                    "last {last}, lowest {lowest}, highest {highest}", len(ys)).format(
                    name=name, n=len(ys), x_label=x_label, x_first=_number(points[0]["x"]),
                    x_last=_number(points[-1]["x"]), first=_number(ys[0]),
                    last=_number(ys[-1]), lowest=_number(min(ys)), highest=_number(max(ys))))
            return "; ".join(parts) or _("no data yet")
        if kind == "scatterplot":
            parts = []
            for name, points in _series(data):
                if not points:
                    continue
                xs, ys = [p["x"] for p in points], [p["y"] for p in points]
                parts.append(ngettext(
                    "{name}: {n} point, {x_label} {x_min} to {x_max}, {y_label} {y_min} to "
                    "{y_max}",
                    "{name}: {n} points, {x_label} {x_min} to {x_max}, {y_label} {y_min} to "
                    "{y_max}", len(points)).format(
                    name=name, n=len(points), x_label=options.get("xLabel") or "x",
                    x_min=_number(min(xs)), x_max=_number(max(xs)),
                    y_label=options.get("yLabel") or "y", y_min=_number(min(ys)),
                    y_max=_number(max(ys))))
            return "; ".join(parts) or _("no data yet")
        if kind == "confusionMatrix":
            matrix = data["values"]
            labels = list(data.get("tickLabels") or range(len(matrix)))
            total = sum(sum(row) for row in matrix)
            right = sum(matrix[i][i] for i in range(len(matrix)))
            text = (_("rows are true classes, columns predicted ({n} classes): {right} of "
                      "{total} on the diagonal (correct)")
                    .format(n=len(matrix), right=right, total=total))
            wrong = [(matrix[i][j], labels[i], labels[j]) for i in range(len(matrix))
                     for j in range(len(matrix)) if i != j and matrix[i][j]]
            if wrong:
                count, true, predicted = max(wrong, key=lambda w: w[0])
                text += ngettext("; most often confused: {true} taken for {predicted} "
                                 "({count} time)", "; most often confused: {true} taken for "
                                 "{predicted} ({count} times)", count).format(
                    true=true, predicted=predicted, count=count)
            return text
        if kind == "barchart":
            bars = data if isinstance(data, list) else data.get("values", [])
            shown = ", ".join(f"{b['index']} {_number(b['value'])}" for b in bars[:12])
            return (ngettext("{n} bar: {shown}", "{n} bars: {shown}", len(bars))
                    .format(n=len(bars), shown=shown) + (", ..." if len(bars) > 12 else ""))
        if kind == "histogram":
            values = data if isinstance(data, list) else data.get("values", [])
            values = [v["value"] if isinstance(v, dict) else v for v in values]
            if values:
                return (ngettext("{n} value from {low} to {high}, mean {mean}",
                                 "{n} values from {low} to {high}, mean {mean}", len(values))
                        .format(n=len(values), low=_number(min(values)),
                                high=_number(max(values)),
                                mean=_number(sum(values) / len(values))))
        if kind == "heatmap":
            rows = data["values"]
            flat = [v for row in rows for v in row]
            return (_("{rows} by {columns} values from {low} to {high}")
                    .format(rows=len(rows), columns=len(rows[0]) if rows else 0,
                            low=_number(min(flat)), high=_number(max(flat))))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        pass
    return _("{kind} chart").format(kind=kind)


def render(kind: str, title: str, data: Any, options: dict[str, Any] | None = None) -> None:
    """Draw a chart into the chart surface ``title``: ``kind`` is one of :data:`KINDS`.

    The page draws every kind with uPlot (line charts: points at their own x, a gap for a
    null y; cheap enough to redraw live) except confusion matrices (a shaded table). Data
    goes as JSON, with ``describe()``'s text alternative (the chart's accessible name and
    caption).
    """
    if kind not in KINDS:
        raise ValueError(_("there is no {kind!r} chart: draw one of {items}")
                         .format(kind=kind, items=', '.join(KINDS)))
    page = _compat.ui()
    if page is None:
        return
    options = dict(options or {})
    data = to_json_value(data, "data", f"chart {title!r}")  # numpy to plain, NaN to null
    page.render(kind, title, json.dumps(data, allow_nan=False), json.dumps(options),
                describe(kind, data, options))


def linechart(title: str, data: dict[str, Any], x_label: str | None = None,
              y_label: str = "") -> None:
    """A line per series of ``{x, y}`` points, drawn at their own x (``x_label``: "epoch"
    in the learner's language unless given)."""
    render("linechart", title, data, {"xLabel": x_label or _("epoch"),
                                      "yLabel": y_label or title.lower(),
                                      "height": 220, "zoomToFit": True})
