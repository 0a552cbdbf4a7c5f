"""The lab page's panels, seen from Python: progress bar, charts, results.

All calls go through ``_compat.ui()``: each is a message from the runtime worker to the
page (site/js/shared/protocol.js, UI_CALLS). Outside a lab page (CPython, or Pyodide in Node.js)
they do nothing, so library code can call them unconditionally.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from dataclasses import dataclass
from typing import Any

from . import _compat
from .control import Stopped


def progress(state: dict[str, Any]) -> None:
    page = _compat.ui()
    if page is not None:
        page.progress(json.dumps(state))


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
    """Draw a chart into the chart surface ``title``: ``kind`` is a ``tfvis.render`` name.

    The page draws line charts (points at their own x, a gap for a null y) and confusion
    matrices (a shaded table) itself, cheaply enough to redraw live; other kinds load
    tfjs-vis on first use. Data goes as JSON, with ``describe()``'s text alternative (the
    chart's accessible name and caption).
    """
    page = _compat.ui()
    if page is None:
        return
    options = dict(options or {})
    from .reporting import to_json_value  # reporting imports ui

    data = to_json_value(data, "data", f"chart {title!r}")  # numpy to plain, NaN to null
    page.render(kind, title, json.dumps(data, allow_nan=False), json.dumps(options),
                describe(kind, data, options))


def linechart(title: str, data: dict[str, Any], x_label: str = "epoch",
              y_label: str = "") -> None:
    """A line per series of ``{x, y}`` points, drawn at their own x."""
    render("linechart", title, data, {"xLabel": x_label, "yLabel": y_label or title.lower(),
                                      "height": 220, "zoomToFit": True})


class Pause:
    """Lets the page breathe (clicks, painting) during long work, at most every ``interval``.

    ``due()`` returns a JS promise that resolves on the next zero-delay task when a pause
    is due, else None. Outside a lab page there is nothing to let breathe: always None.
    """

    def __init__(self, interval: float) -> None:
        from .trainlog import Throttle

        self._throttle = Throttle(interval)
        self._page = _compat.ui() is not None

    def due(self) -> Any | None:
        if not self._page or not self._throttle.ready():
            return None
        return _compat.yield_now()


def send_report(values: dict[str, Any]) -> None:
    page = _compat.ui()
    if page is not None:
        page.report(json.dumps(values))


# ------------------------------------------------------------------ asking the learner


@dataclass
class InputFile:
    """A file the learner picked or dropped, or one fetched from this site."""

    name: str
    size: int
    _source: Any

    async def read(self) -> bytes:
        """All bytes of the file (check ``size`` first for files that may be huge)."""
        if isinstance(self._source, bytes):
            return self._source
        buffer = await self._source.arrayBuffer()
        return bytes(buffer.to_bytes())


def site_path(url: str) -> str:
    """``url`` if it names a file on this site; ValueError for anything on another host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        raise ValueError(f"{url!r} is not on this site: give a path like data/iris.csv "
                         "(pytfjs never fetches from other hosts)")
    return url


async def fetch_bytes(url: str) -> bytes:
    """Bytes of a file on this site (relative URL)."""
    status, body = await _compat.fetch_bytes(site_path(url))
    if body is None:
        raise FileNotFoundError(f"{url}: the site answered {status}; "
                                "is the file in this build?")
    return body


async def _await_ask(promise: Any) -> Any:
    try:
        return await promise
    except _compat.JsException as exc:
        if "pytfjs:stopped" in str(exc):
            raise Stopped("Stopped by you while the lab was waiting for input.") from None
        raise


async def ask_file(message: str, accept: str = "", url: str | None = None,
                   samples: list[tuple[str, str]] | None = None) -> InputFile:
    """Wait for the learner to drop or pick a file; with ``url``, fetch that site file.

    ``samples`` are ``(label, path)`` pairs of files on this site, offered as buttons
    beside the drop zone (a learner without a file of their own can still go on).
    """
    if url:
        data = await fetch_bytes(url)
        return InputFile(url.rsplit("/", 1)[-1] or url, len(data), data)
    page = _compat.ui()
    if page is None:
        raise _compat.BrowserRequired("ask_file needs a lab page")
    offered = [[str(label), site_path(path)] for label, path in samples or []]
    answer = await _await_ask(page.askFile(message, accept, _compat.to_js_value(offered)))
    sample = getattr(answer, "sample", None)
    if sample is not None:
        return await ask_file(message, accept, url=str(sample))
    return InputFile(str(answer.name), int(answer.size), answer)


async def choose(message: str, options: list[str], default: str | None = None) -> str:
    """Wait for the learner to pick one of ``options`` (buttons, or a list when many)."""
    page = _compat.ui()
    if page is None:
        if default is None:
            raise _compat.BrowserRequired("choose needs a lab page (or a default)")
        return default
    return str(await _await_ask(page.askChoice(message, _compat.to_js_value(list(options)),
                                               default)))


async def choose_many(message: str, options: list[str], checked: list[str] | None = None
                      ) -> list[str]:
    """Wait for the learner to tick one or more of ``options`` (all ticked at first)."""
    page = _compat.ui()
    checked = list(options) if checked is None else list(checked)
    if page is None:
        return checked
    picked = await _await_ask(page.askMany(message, _compat.to_js_value(list(options)),
                                           _compat.to_js_value(checked)))
    return [str(v) for v in picked]


async def ask_camera(message: str, max_side: int = 2048) -> Any:
    """Wait for a webcam picture: a live preview and a "Take photo" button in the page.

    Resolves to ``{width, height, originalWidth, originalHeight, pixels}`` (RGBA bytes);
    raises the browser's error (no camera, permission refused) as a JsException.
    """
    page = _compat.ui()
    if page is None:
        raise _compat.BrowserRequired("ask_camera needs a lab page")
    return await _await_ask(page.askCamera(message, max_side))


@dataclass
class Slider:
    """A slider shown with :func:`ask_text` (``<input type=range>``, labelled)."""

    label: str
    value: float
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.01


@dataclass
class TextAnswer:
    """What the learner submitted: the text, and the slider's value (None without one)."""

    text: str
    value: float | None = None


async def ask_text(message: str, default: str = "", label: str = "Text", button: str = "OK",
                   slider: Slider | None = None, error: str = "") -> TextAnswer:
    """Wait for the learner to type or paste text (a labelled text area, Ctrl+Enter submits),
    with an optional slider beside it; ``error`` is shown above it as an alert (e.g. why
    the previous answer was refused)."""
    page = _compat.ui()
    if page is None:
        raise _compat.BrowserRequired("ask_text needs a lab page")
    spec = {"label": label, "default": default, "button": button, "error": error,
            "slider": None if slider is None else vars(slider)}
    answer = json.loads(str(await _await_ask(page.askText(message, json.dumps(spec)))))
    value = answer.get("value")
    return TextAnswer(str(answer["text"]), None if value is None else float(value))


def offer_download(text: str, name: str, data: bytes,
                   mime: str = "application/octet-stream") -> None:
    """A Download button in the page (until the next run); nothing waits for it."""
    page = _compat.ui()
    if page is not None:
        page.offerDownload(text, name, _compat.to_js(memoryview(data)), mime)


def message(text: str, kind: str = "note") -> None:
    """Show a note (or, with kind="error", an alert) in the page's input panel."""
    page = _compat.ui()
    if page is None:
        print(text)
    else:
        page.message(text, kind)


def meter(value: float, text: str = "", low: float | None = None, high: float | None = None
          ) -> dict[str, Any]:
    """A table cell drawn as a bar (``<meter>``, 0..1) followed by ``text``.

    Above ``high`` the browser colours the bar as a warning, below ``low`` as fine.
    """
    cell: dict[str, Any] = {"meter": float(value), "text": text}
    if low is not None:
        cell["low"] = float(low)
    if high is not None:
        cell["high"] = float(high)
    return cell


def table(title: str, headers: list[str], rows: list[list[Any]], caption: str = "") -> None:
    """An HTML table in the chart area (previews, per-class accuracy, ...); a cell made by
    :func:`meter` is drawn as a bar."""
    page = _compat.ui()
    if page is not None:
        page.table(title, json.dumps({"headers": headers, "rows": rows, "caption": caption},
                                     default=str))


def download(name: str, data: bytes, mime: str = "application/octet-stream") -> None:
    """Offer ``data`` as a download called ``name`` (it never leaves the computer)."""
    page = _compat.ui()
    if page is not None:
        page.download(name, _compat.to_js(memoryview(data)), mime)


# ------------------------------------------------------------------ images, models, pads


def image(title: str, pixels: Any, scale: int = 2, caption: str = "") -> None:
    """Show a uint8 image, scaled up: grayscale [h, w] (e.g. a grid of samples) or RGB
    [h, w, 3] (a photo)."""
    import numpy as np

    array = np.ascontiguousarray(pixels, dtype=np.uint8)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(f"ui.image shows [h, w] or [h, w, 3] arrays, not {array.shape}")
    page = _compat.ui()
    if page is not None:
        meta = {"width": int(array.shape[1]), "height": int(array.shape[0]), "scale": scale,
                "caption": caption, "channels": 1 if array.ndim == 2 else 3}
        page.image(title, json.dumps(meta), _compat.to_js(array.reshape(-1)))


def model_summary(title: str, model: Any) -> None:
    """tfjs-vis' layer table of a model in the chart area."""
    page = _compat.ui()
    if page is not None:
        page.modelSummary(title, getattr(model, "js", model))


def drawing_pad(title: str, predict: Any, size: int = 280) -> None:
    """A pad the learner draws on; ``predict(pixels)`` gets a uint8 [size, size] array
    (white ink on black) after each stroke and returns ``[(label, probability), ...]``.

    The pad stays usable after the run ends, until the next run starts (the page then
    destroys the handler's proxy). Keep what ``predict`` uses alive with ``pytfjs.keep``.
    """
    import numpy as np

    page = _compat.ui()
    if page is None:
        return

    def handler(values: Any) -> str:
        pixels = np.empty((size, size), np.uint8)
        values.assign_to(pixels.reshape(-1))
        return json.dumps([[str(label), float(p)] for label, p in predict(pixels)])

    page.drawingPad(title, _compat.create_proxy(handler), size)
