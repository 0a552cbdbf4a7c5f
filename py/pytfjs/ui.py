"""``from pytfjs import ui``: the lab page as lab scripts see it, in one namespace.

Lab scripts (py/labs/*/main.py), teachers' labs and the course's examples write
``ui.table(...)``, ``await ui.choose(...)``, ``await ui.fetch_bytes(...)``: this module
gathers those names and holds no code of its own. Each lives in the module of its job:

- :mod:`pytfjs.output`: progress, messages, tables and meter cells, images, the model
  summary, the drawing pad, downloads;
- :mod:`pytfjs.charts`: charts and their text alternatives;
- :mod:`pytfjs.prompts`: what the lab waits for (files, choices, text, the webcam);
- :mod:`pytfjs.site_files`: files of this site;
- :mod:`pytfjs.pause`: letting the page breathe during long work.

Modules inside pytfjs import those, never this one, so it can gather them all without
an import cycle (tests/unit/test_import_cycles.py).
"""

from __future__ import annotations

from .charts import describe, linechart, render
from .output import (
    download,
    drawing_pad,
    image,
    message,
    meter,
    model_summary,
    offer_download,
    progress,
    table,
)
from .pause import Pause
from .prompts import (
    InputFile,
    Slider,
    TextAnswer,
    ask_camera,
    ask_file,
    ask_text,
    choose,
    choose_many,
)
from .site_files import fetch_bytes, site_path

__all__ = [
    "InputFile", "Pause", "Slider", "TextAnswer", "ask_camera", "ask_file", "ask_text",
    "choose", "choose_many", "describe", "download", "drawing_pad", "fetch_bytes", "image",
    "linechart", "message", "meter", "model_summary", "offer_download", "progress", "render",
    "site_path", "table",
]
