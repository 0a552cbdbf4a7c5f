"""What a lab shows on its page besides charts: progress, messages, tables, images, pads,
downloads.

Each function is one UI call, a message from the runtime worker to the page
(site/js/protocol.js, UI_CALLS), made through ``_compat.ui()``. Outside a lab page
(CPython, or Pyodide in Node.js) they do nothing (``message`` prints), so library code
calls them unconditionally. Charts are in :mod:`pytfjs.charts`; what the lab waits for
the learner to answer is in :mod:`pytfjs.prompts`.
"""

from __future__ import annotations

import json
from typing import Any

from . import _compat
from .i18n import _


def progress(state: dict[str, Any]) -> None:
    page = _compat.ui()
    if page is not None:
        page.progress(json.dumps(state))


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


def image(title: str, pixels: Any, scale: int = 2, caption: str = "") -> None:
    """Show a uint8 image, scaled up: grayscale [h, w] (e.g. a grid of samples) or RGB
    [h, w, 3] (a photo)."""
    import numpy as np

    array = np.ascontiguousarray(pixels, dtype=np.uint8)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ValueError(_("ui.image shows [h, w] or [h, w, 3] arrays, not {shape}")
                         .format(shape=array.shape))
    page = _compat.ui()
    if page is not None:
        meta = {"width": int(array.shape[1]), "height": int(array.shape[0]), "scale": scale,
                "caption": caption, "channels": 1 if array.ndim == 2 else 3}
        page.image(title, json.dumps(meta), _compat.to_js(array.reshape(-1)))


def model_summary(title: str, model: Any) -> None:
    """A model's layer table (tfjs-vis' modelSummary columns) in the chart area."""
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
