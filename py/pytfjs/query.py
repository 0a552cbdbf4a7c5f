"""The page's query parameters (``lab.html?lab=mnist&epochs=3``), as the run got them.

Apart from the runner, which sets them for each run, so that what reads them (a lab,
``seeding.seed_param``) needs no import of the runner.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from .i18n import _

_PARAMS: dict[str, str] = {}


def set_params(values: Mapping[str, Any]) -> None:
    """This run's parameters (the runner calls it before each run)."""
    _PARAMS.clear()
    _PARAMS.update({str(k): str(v) for k, v in values.items()})


def params() -> dict[str, str]:
    """The page's query parameters (``lab.html?lab=mnist&epochs=3`` -> {"epochs": "3"})."""
    return dict(_PARAMS)


def param(name: str, default: Any) -> Any:
    """A query parameter converted to the type of ``default`` (int, float, bool, str)."""
    if name not in _PARAMS:
        return default
    raw = _PARAMS[name]
    kind = type(default)
    try:
        if kind is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        return kind(raw) if default is not None else raw
    except ValueError:
        print(_("Ignoring ?{name}={raw}: expected {type}; using {default}")
              .format(name=name, raw=raw, type=kind.__name__, default=default),
              file=sys.stderr)
        return default
