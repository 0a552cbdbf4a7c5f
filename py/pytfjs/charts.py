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
from .reporting import to_json_value

KINDS = ("linechart", "scatterplot", "barchart", "histogram", "heatmap", "confusionMatrix")


def _number(value: float) -> str:
    return f"{value:.4g}"


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _series(data: dict[str, Any]) -> list[tuple[str, list[dict[str, float]]]]:
    """tfjs-vis point data ({values: points or [points, ...], series}) as (name, points)."""
    values = data.get("values") or []
    if values and isinstance(values[0], dict):
        values = [values]
    names = list(data.get("series") or [])
    names += [f"series {i + 1}" for i in range(len(names), len(values))]
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
                parts.append(f"{name}: {_count(len(ys), 'point')} over {x_label} "
                             f"{_number(points[0]['x'])} to {_number(points[-1]['x'])}, "
                             f"first {_number(ys[0])}, last "
                             f"{_number(ys[-1])}, lowest {_number(min(ys))}, highest "
                             f"{_number(max(ys))}")
            return "; ".join(parts) or "no data yet"
        if kind == "scatterplot":
            parts = []
            for name, points in _series(data):
                if not points:
                    continue
                xs, ys = [p["x"] for p in points], [p["y"] for p in points]
                parts.append(f"{name}: {len(points)} points, "
                             f"{options.get('xLabel') or 'x'} {_number(min(xs))} to "
                             f"{_number(max(xs))}, {options.get('yLabel') or 'y'} "
                             f"{_number(min(ys))} to {_number(max(ys))}")
            return "; ".join(parts) or "no data yet"
        if kind == "confusionMatrix":
            matrix = data["values"]
            labels = list(data.get("tickLabels") or range(len(matrix)))
            total = sum(sum(row) for row in matrix)
            right = sum(matrix[i][i] for i in range(len(matrix)))
            text = (f"rows are true classes, columns predicted ({len(matrix)} classes): "
                    f"{right} of {total} on the diagonal (correct)")
            wrong = [(matrix[i][j], labels[i], labels[j]) for i in range(len(matrix))
                     for j in range(len(matrix)) if i != j and matrix[i][j]]
            if wrong:
                count, true, predicted = max(wrong, key=lambda w: w[0])
                text += f"; most often confused: {true} taken for {predicted} ({count} times)"
            return text
        if kind == "barchart":
            bars = data if isinstance(data, list) else data.get("values", [])
            shown = ", ".join(f"{b['index']} {_number(b['value'])}" for b in bars[:12])
            return f"{len(bars)} bars: {shown}" + (", ..." if len(bars) > 12 else "")
        if kind == "histogram":
            values = data if isinstance(data, list) else data.get("values", [])
            values = [v["value"] if isinstance(v, dict) else v for v in values]
            if values:
                return (f"{len(values)} values from {_number(min(values))} to "
                        f"{_number(max(values))}, mean {_number(sum(values) / len(values))}")
        if kind == "heatmap":
            rows = data["values"]
            flat = [v for row in rows for v in row]
            return (f"{len(rows)} by {len(rows[0]) if rows else 0} values from "
                    f"{_number(min(flat))} to {_number(max(flat))}")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        pass
    return f"{kind} chart"


def render(kind: str, title: str, data: Any, options: dict[str, Any] | None = None) -> None:
    """Draw a chart into the chart surface ``title``: ``kind`` is one of :data:`KINDS`.

    The page draws every kind with uPlot (line charts: points at their own x, a gap for a
    null y; cheap enough to redraw live) except confusion matrices (a shaded table). Data
    goes as JSON, with ``describe()``'s text alternative (the chart's accessible name and
    caption).
    """
    if kind not in KINDS:
        raise ValueError(f"there is no {kind!r} chart: draw one of {', '.join(KINDS)}")
    page = _compat.ui()
    if page is None:
        return
    options = dict(options or {})
    data = to_json_value(data, "data", f"chart {title!r}")  # numpy to plain, NaN to null
    page.render(kind, title, json.dumps(data, allow_nan=False), json.dumps(options),
                describe(kind, data, options))


def linechart(title: str, data: dict[str, Any], x_label: str = "epoch",
              y_label: str = "") -> None:
    """A line per series of ``{x, y}`` points, drawn at their own x."""
    render("linechart", title, data, {"xLabel": x_label, "yLabel": y_label or title.lower(),
                                      "height": 220, "zoomToFit": True})
