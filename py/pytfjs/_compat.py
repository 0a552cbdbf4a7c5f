"""The browser boundary: the only module that imports ``js`` and ``pyodide``.

Everything else in pytfjs imports names from here, so the pure-Python logic (argument
conversion, dtype planning, training logs, reports, tracebacks) imports and is tested
on plain CPython, where the browser-only functions raise :class:`BrowserRequired`.
This follows micropip's ``_compat`` split.
"""

from __future__ import annotations

import sys
from typing import Any

IN_BROWSER = sys.platform == "emscripten"


class BrowserRequired(RuntimeError):  # noqa: N818 - reads better at the call site
    """Raised on CPython when code needs TensorFlow.js or the page."""


if IN_BROWSER:
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import (  # type: ignore[import-not-found]
        JsException,
        JsPromise,
        JsProxy,
        create_proxy,
        to_js,
    )
else:  # pragma: no cover - exercised implicitly by every CPython test
    js = None

    class JsProxy:  # noqa: D101 - stand-in type so isinstance() checks work on CPython
        pass

    class JsPromise(JsProxy):  # noqa: D101
        pass

    class JsException(Exception):  # noqa: D101, N818 (mirrors Pyodide's name)
        pass

    def _unavailable(*_args: Any, **_kwargs: Any) -> Any:
        raise BrowserRequired("this needs the browser: run it in a pytfjs lab page (Pyodide)")

    create_proxy = to_js = _unavailable


def require_browser(what: str) -> None:
    if not IN_BROWSER:
        raise BrowserRequired(f"{what} needs TensorFlow.js: run it in a pytfjs lab page (Pyodide)")


def tf_module() -> Any:
    """The raw TF.js module (``globalThis.tf``)."""
    require_browser("TensorFlow.js")
    return js.tf


def tfvis_module() -> Any:
    """tfjs-vis, which the page loads on demand (``await pytfjs.load_tfvis()``)."""
    require_browser("tfjs-vis")
    module = getattr(js, "tfvis", None)
    if module is None:
        raise BrowserRequired("tfjs-vis is loaded on demand: `await pytfjs.load_tfvis()` first")
    return module


def ui() -> Any | None:
    """The lab page's UI hooks (``globalThis.pytfjsUI``), or None outside a lab page."""
    if not IN_BROWSER:
        return None
    return getattr(js, "pytfjsUI", None)


def to_js_value(value: Any) -> Any:
    """Deep-convert plain Python data (dict/list/str/number/JsProxy leaves) to JS values."""
    return to_js(value, dict_converter=js.Object.fromEntries, create_pyproxies=False)


def array_buffer(data: bytes) -> Any:
    """A new JS ArrayBuffer holding a copy of ``data``."""
    array = js.Uint8Array.new(len(data))
    array.assign(data)
    return array.buffer


def js_keys(obj: Any) -> list[str]:
    return list(js.Object.keys(obj))
