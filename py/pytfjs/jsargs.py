"""Pythonic arguments for TF.js calls: snake_case keywords, lists, dicts, numpy arrays.

TF.js functions take a trailing options object (``tf.layers.dense({units: 1})``); in
Python that is keyword arguments (``tf.layers.dense(units=1, input_shape=[1])``).
Pyodide passes a Python list to JS as a proxy, which TF.js does not understand, so
arguments are converted deeply here. This module is pure Python: the leaf handlers
(JS objects, numpy arrays, callables) are supplied by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .i18n import _

Leaf = Callable[[Any], Any]


def camel(name: str) -> str:
    """``input_shape`` -> ``inputShape``; names without underscores are unchanged."""
    if "_" not in name.strip("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def prepare(value: Any, *, is_js: Callable[[Any], bool], on_js: Leaf,
            on_array: Leaf, on_callable: Leaf) -> Any:
    """Return plain data (dict/list/scalars/JS leaves) ready for one deep ``to_js``.

    - JS objects (and pytfjs wrappers, via ``is_js``/``on_js``) pass through,
    - numpy arrays become tensors through ``on_array`` (the caller owns and frees them),
    - numpy scalars become Python numbers, tuples become lists,
    - Python callables become JS functions through ``on_callable``.
    Dict keys are kept as they are: only top-level keyword names are camel-cased.
    """

    def walk(v: Any) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if is_js(v):
            return on_js(v)
        if isinstance(v, np.ndarray):
            return on_array(v)
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            return {str(k): walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        if callable(v):
            return on_callable(v)
        raise TypeError(
            _("cannot pass a {type} to TensorFlow.js; use numbers, strings, "
            "lists, dicts, numpy arrays, tensors or functions").format(type=type(v).__name__)
        )

    return walk(value)


def options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments as a TF.js options object (camelCase keys)."""
    return {camel(k): v for k, v in kwargs.items()}
