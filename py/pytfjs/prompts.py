"""What a lab waits for the learner to give: a file, a choice, text, a webcam picture.

Each prompt is a UI call the page answers (site/js/protocol.js, UI_CALLS), awaited
through :func:`await_answer`, so Stop cancels the wait. Outside a lab page a prompt
with a default returns it; one without raises :class:`~pytfjs.BrowserRequired`.
The studio (:mod:`pytfjs.studio`) awaits its events the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import _compat
from .control import Stopped
from .i18n import _
from .site_files import fetch_bytes, site_path


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


async def await_answer(promise: Any) -> Any:
    """The page's answer to a prompt (a JS promise); Stop while waiting raises
    :class:`~pytfjs.control.Stopped` instead of the page's cancellation error."""
    try:
        return await promise
    except _compat.JsException as exc:
        if "pytfjs:stopped" in str(exc):
            raise Stopped(_("Stopped by you while the lab was waiting for input.")) from None
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
        raise _compat.BrowserRequired(_("ask_file needs a lab page"))
    offered = [[str(label), site_path(path)] for label, path in samples or []]
    answer = await await_answer(page.askFile(message, accept, _compat.to_js_value(offered)))
    sample = getattr(answer, "sample", None)
    if sample is not None:
        return await ask_file(message, accept, url=str(sample))
    return InputFile(str(answer.name), int(answer.size), answer)


async def choose(message: str, options: list[str], default: str | None = None) -> str:
    """Wait for the learner to pick one of ``options`` (buttons, or a list when many)."""
    page = _compat.ui()
    if page is None:
        if default is None:
            raise _compat.BrowserRequired(_("choose needs a lab page (or a default)"))
        return default
    return str(await await_answer(page.askChoice(message, _compat.to_js_value(list(options)),
                                               default)))


async def choose_many(message: str, options: list[str], checked: list[str] | None = None
                      ) -> list[str]:
    """Wait for the learner to tick one or more of ``options`` (all ticked at first)."""
    page = _compat.ui()
    checked = list(options) if checked is None else list(checked)
    if page is None:
        return checked
    picked = await await_answer(page.askMany(message, _compat.to_js_value(list(options)),
                                           _compat.to_js_value(checked)))
    return [str(v) for v in picked]


async def ask_camera(message: str, max_side: int = 2048) -> Any:
    """Wait for a webcam picture: a live preview and a "Take photo" button in the page.

    Resolves to ``{width, height, originalWidth, originalHeight, pixels}`` (RGBA bytes);
    raises the browser's error (no camera, permission refused) as a JsException.
    """
    page = _compat.ui()
    if page is None:
        raise _compat.BrowserRequired(_("ask_camera needs a lab page"))
    return await await_answer(page.askCamera(message, max_side))


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
        raise _compat.BrowserRequired(_("ask_text needs a lab page"))
    spec = {"label": label, "default": default, "button": button, "error": error,
            "slider": None if slider is None else vars(slider)}
    answer = json.loads(str(await await_answer(page.askText(message, json.dumps(spec)))))
    value = answer.get("value")
    return TextAnswer(str(answer["text"]), None if value is None else float(value))
