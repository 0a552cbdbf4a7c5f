"""The lab page's panels, seen from Python: progress bar, charts, results.

All calls go through ``_compat.ui()``; outside a lab page (CPython, or Pyodide in
Node.js) they do nothing, so library code can call them unconditionally.
"""

from __future__ import annotations

import json
from typing import Any

from . import _compat


def progress(state: dict[str, Any]) -> None:
    page = _compat.ui()
    if page is not None:
        page.progress(json.dumps(state))


def surface(title: str) -> Any | None:
    """The page element for the chart titled ``title`` (created on first use)."""
    page = _compat.ui()
    return None if page is None else page.surface(title)


def render(kind: str, title: str, data: Any, options: dict[str, Any] | None = None) -> None:
    """Draw a tfjs-vis chart (``tfvis.render[kind]``) into the chart surface ``title``.

    The page loads tfjs-vis on first use and draws asynchronously; data goes as JSON.
    """
    page = _compat.ui()
    if page is not None:
        page.render(kind, title, json.dumps(data), json.dumps(options or {}))


def linechart(title: str, data: dict[str, Any], x_label: str = "epoch",
              y_label: str = "") -> None:
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
        self._page = _compat.ui()

    def due(self) -> Any | None:
        if self._page is None or not self._throttle.ready():
            return None
        return self._page.yieldNow()


def send_report(values: dict[str, Any]) -> None:
    page = _compat.ui()
    if page is not None:
        page.report(json.dumps(values))
