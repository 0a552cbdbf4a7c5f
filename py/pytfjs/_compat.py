"""The browser boundary: the only module that imports ``js`` and ``pyodide``.

Everything else in pytfjs imports names from here, so the pure-Python logic (argument
conversion, dtype planning, training logs, reports, tracebacks) imports and is tested
on plain CPython, where the browser-only functions raise :class:`BrowserRequired`.
This follows micropip's ``_compat`` split: it exports verbs (fetch bytes, decode an
image or a sprite sheet, open the store, set the backend, yield to the event loop, the
page's UI calls, the text of a JS error), never ``js`` itself;
tests/unit/test_browser_boundary.py fails if any other module (lab scripts included)
names ``js`` or ``pyodide``. Lab code runs in the runtime worker (site/worker.js): what
it offers Python is ``pytfjsHost``, read here only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .i18n import _

IN_BROWSER = sys.platform == "emscripten"

# For the type checker: mypy takes ``sys.platform`` as the host's (linux), so it reads
# only the CPython branch below; the stand-ins there give the browser's names their
# types (JS values are ``Any``: a JsProxy's attributes are whatever the JS object has).


class BrowserRequired(RuntimeError):  # noqa: N818 - reads better at the call site
    """Raised on CPython when code needs TensorFlow.js or the page."""


if sys.platform == "emscripten":  # IN_BROWSER, spelled so mypy knows the branch
    import js
    from pyodide.ffi import (
        JsException,
        JsPromise,
        JsProxy,
        can_run_sync,
        create_proxy,
        run_sync,
        to_js,
    )
else:  # pragma: no cover - exercised implicitly by every CPython test
    js: Any = None

    class JsProxy:  # noqa: D101 - stand-in type so isinstance() checks work on CPython
        pass

    class JsPromise(JsProxy):  # noqa: D101
        pass

    class JsException(Exception):  # noqa: D101, N818 (mirrors Pyodide's name)
        pass

    def _unavailable(*_args: Any, **_kwargs: Any) -> Any:
        raise BrowserRequired(_("this needs the browser: run it in a pytfjs lab page (Pyodide)"))

    create_proxy: Callable[..., Any] = _unavailable
    to_js: Callable[..., Any] = _unavailable
    run_sync: Callable[..., Any] = _unavailable

    def can_run_sync() -> bool:  # noqa: D103
        return False


def require_browser(what: str) -> None:
    if not IN_BROWSER:
        raise BrowserRequired(_("{what} needs TensorFlow.js: run it in a pytfjs lab page (Pyodide)")
                              .format(what=what))


def tf_module() -> Any:
    """The raw TF.js module (``globalThis.tf``)."""
    require_browser(_("TensorFlow.js"))
    return js.tf


CHARTS_ON_PAGE = (  # the English text; charts_on_page() says it in the learner's language
                  "tfjs-vis is not part of pytfjs: charts are drawn by the page (uPlot), "
                  "not by Python's thread: use pytfjs.ui.render (the tfjs-vis kinds and "
                  "data: linechart, scatterplot, barchart, histogram, heatmap, "
                  "confusionMatrix) / linechart / table")


def charts_on_page() -> str:
    """:data:`CHARTS_ON_PAGE` in the learner's language."""
    return _("tfjs-vis is not part of pytfjs: charts are drawn by the page (uPlot), not by "
             "Python's thread: use pytfjs.ui.render (the tfjs-vis kinds and data: linechart, "
             "scatterplot, barchart, histogram, heatmap, confusionMatrix) / linechart / table")


def tfvis_module() -> Any:
    """tfjs-vis is not shipped (its vega needs eval); lab code draws through ui."""
    raise BrowserRequired(charts_on_page())


def _host() -> Any:
    """What the runtime worker (site/worker.js) offers Python, or None outside a lab page
    (typed ``Any``: a JS object, whose methods mypy cannot know)."""
    return getattr(js, "pytfjsHost", None) if IN_BROWSER else None


def ui() -> Any | None:
    """The lab page's UI calls (``pytfjsHost.ui``: each one a message to the page, see
    site/js/shared/protocol.js), or None outside a lab page."""
    host = _host()
    return None if host is None else host.ui


def yield_now() -> Any | None:
    """A promise that resolves on the worker's next zero-delay task (messages such as Stop
    and the drawing pad get through meanwhile), or None outside a lab page."""
    host = _host()
    return None if host is None else host.yieldNow()


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


def error_text(exc: BaseException) -> str:
    """The message of a JS error raised into Python: its first line, without "Error: "."""
    return str(exc).split("\n")[0].removeprefix("Error: ")


def new_object() -> Any:
    """An empty JS object (``{}``), to set attributes on."""
    return js.Object.new()


def now() -> Any:
    """A JS ``Date`` for the current time."""
    return js.Date.new()


def to_json(value: Any) -> str:
    """``JSON.stringify`` of a JS value."""
    return str(js.JSON.stringify(value))


def from_json(text: str) -> Any:
    """``JSON.parse``: a JS value in which ``null`` stays null (``to_js`` makes None undefined)."""
    return js.JSON.parse(text)


def tensor_values(raw: Any) -> Any:
    """The typed array of a TF.js tensor's values, read synchronously (``tensor.numpy()``).

    WebGPU has no synchronous read-back: TF.js' webgpu ``dataSync`` copies through
    canvases, and returned all zeros on Chromium's SwiftShader adapter. There the read
    waits for the asynchronous ``data()`` with Pyodide's ``run_sync`` (JSPI stack
    switching), which works wherever lab code runs; elsewhere ``dataSync`` is exact.
    """
    require_browser(_("reading a tensor"))
    if js.tf.getBackend() == "webgpu" and can_run_sync():
        return run_sync(raw.data())
    return raw.dataSync()


async def fetch_bytes(url: str) -> tuple[int, bytes | None]:
    """GET ``url`` (a path on this site): ``(status, body)``, body None unless 2xx."""
    require_browser(_("fetching site files"))
    response = await js.fetch(url)
    if not response.ok:
        return int(response.status), None
    return int(response.status), bytes((await response.arrayBuffer()).to_bytes())


async def page_set_backend(name: str) -> bool:
    """Switch backend through the page runtime (wasm gets every core); False without one.

    Raises ValueError with the runtime's message when the backend cannot start.
    """
    host = _host()
    if host is None:
        return False
    try:
        await host.setBackend(name)
    except JsException as exc:
        raise ValueError(error_text(exc)) from None
    return True


async def load_vis() -> Any:
    """tfjs-vis is not shipped: charts are drawn by the page (see :data:`CHARTS_ON_PAGE`)."""
    raise BrowserRequired(charts_on_page())


async def decode_image(data: bytes, max_side: int) -> Any:
    """Encoded image bytes decoded by the browser, at most ``max_side`` px on a side:
    ``{width, height, originalWidth, originalHeight, pixels}`` (RGBA). JsException if
    the browser cannot decode them."""
    require_browser(_("decoding images"))
    return await _host().decodeImage(to_js(memoryview(data)), max_side)


async def decode_sprite(url: str, width: int, rows: int, chunk_rows: int) -> Any:
    """The gray pixels of a sprite sheet PNG on this site (a Uint8Array of width * rows)."""
    require_browser(_("decoding sprites"))
    return await _host().decodeSprite(url, width, rows, chunk_rows)


async def open_store(name: str, tables: list[str]) -> Any:
    """The IndexedDB wrapper (js/worker/store.js, in the worker) for database ``name``."""
    require_browser(_("IndexedDB"))
    return await _host().openStore(name, to_js_value(tables))
