"""``pytfjs.report(name=value)``: a lab's key figures, for people and for scripts.

Values are normalised to plain JSON (numpy scalars and arrays included), shown in the
page's Results panel (the ``report`` UI call) and readable from JavaScript as
``window.pytfjs.results``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from . import _compat
from .i18n import _

_RESULTS: dict[str, Any] = {}


def to_json_value(value: Any, name: str = "value", what: str = "report") -> Any:
    """A JSON-ready copy of ``value``; non-finite floats become None (also chart data,
    where None is a gap). ``what`` names the caller in the error for anything else."""
    if isinstance(value, np.ndarray):
        return to_json_value(value.tolist(), name, what)
    if isinstance(value, np.generic):
        return to_json_value(value.item(), name, what)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_json_value(v, f"{name}.{k}", what) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, f"{name}[{i}]", what) for i, v in enumerate(value)]
    raise TypeError(_("{what}: {name} is a {type}; {what} takes numbers, "
                    "strings, booleans, lists, dicts or numpy values")
                        .format(what=what, name=name, type=type(value).__name__))


def report(**values: Any) -> dict[str, Any]:
    """Record and show named results, e.g. ``report(prediction=18.98)``."""
    clean = {name: to_json_value(value, name) for name, value in values.items()}
    _RESULTS.update(clean)
    page = _compat.ui()
    if page is not None:
        page.report(json.dumps(clean))
    return clean


def results() -> dict[str, Any]:
    """Everything reported in this run so far."""
    return dict(_RESULTS)


def clear() -> None:
    _RESULTS.clear()
