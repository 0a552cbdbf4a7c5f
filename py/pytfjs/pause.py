"""Letting the page breathe during long Python work: a zero-delay yield, now and then.

Lab code runs in the runtime worker; while Python computes, the worker handles no
message (Stop, the drawing pad). Training and long lab loops await :meth:`Pause.due`
so those messages get through. Its own module because it is neither output nor input:
it only hands the event loop a turn.
"""

from __future__ import annotations

from typing import Any

from . import _compat
from .trainlog import Throttle


class Pause:
    """Lets the page breathe (clicks, painting) during long work, at most every ``interval``.

    ``due()`` returns a JS promise that resolves on the next zero-delay task when a pause
    is due, else None. Outside a lab page there is nothing to let breathe: always None.
    """

    def __init__(self, interval: float) -> None:
        self._throttle = Throttle(interval)
        self._page = _compat.ui() is not None

    def due(self) -> Any | None:
        if not self._page or not self._throttle.ready():
            return None
        return _compat.yield_now()
