"""Regenerate docs/lab-one-neuron.png (the README's screenshot) from the built site.

    .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from buildlib.server import serve_in_thread  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main() -> None:
    from playwright.sync_api import sync_playwright

    os.environ["PYTFJS_QUIET_SERVER"] = "1"
    server, url = serve_in_thread(ROOT / "dist")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1080})
        page.goto(url + "lab.html?lab=one-neuron&run=1&backend=wasm")
        page.wait_for_function("['done', 'error'].includes(document.body.dataset.state)",
                               timeout=120_000)
        page.wait_for_timeout(1000)  # let the last chart render
        page.screenshot(path=str(ROOT / "docs" / "lab-one-neuron.png"))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
