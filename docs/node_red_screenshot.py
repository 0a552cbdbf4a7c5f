"""Regenerate docs/node-red-flow.png (docs/node-red.md's picture of the example flow).

    .venv/bin/python -m docs.node_red_screenshot      # after `python3 build.py build`

Installs node-red-contrib-pytfjs offline into a temporary Node-RED user directory, deploys
the package's example flow with exports made like the labs make them (tests/
exported_models.py), classifies a picture and a CSV row through it, and photographs the
Node-RED editor in headless Debian Chromium. Node-RED is stopped by its PID.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from buildlib.make import models
from pytfjs.export import zip_files
from testkit.exported_models import csv_export, rpsls_export
from testkit.harness import LOOPBACK, ROOT, launch_browser
from testkit.node_red import NodeRed, example_flow, install_user_dir


def main() -> None:
    from urllib.parse import urlparse

    from playwright.sync_api import sync_playwright

    dist = ROOT / "dist"
    with tempfile.TemporaryDirectory(prefix="pytfjs-node-red-shot-") as tmp:
        root = Path(tmp)
        rpsls = rpsls_export(dist / models.MODEL_DIR, root / "rpsls-model")
        zipped = root / "rpsls-model.zip"
        zipped.write_bytes(zip_files({p.name: p.read_bytes() for p in rpsls.folder.iterdir()}))
        fruit = csv_export(root / "fruit-model")
        picture = dist / "data/photos/coffee.png"
        install_user_dir(root / "user", root / "pack")
        with NodeRed(root / "user") as red:
            red.deploy(example_flow(zipped, fruit.folder, picture))
            for _ in range(3):  # the first prediction warms TF.js up; the badge shows the last
                red.post_bytes("/rpsls", picture.read_bytes(), "image/png")
            with sync_playwright() as pw:
                browser = launch_browser(pw)
                page = browser.new_page(viewport={"width": 1440, "height": 520})
                # the editor asks only Node-RED (loopback); anything else is refused
                page.route("**/*", lambda route: route.continue_()
                           if urlparse(route.request.url).hostname in LOOPBACK
                           else route.abort())
                page.goto(red.url + "/")
                page.wait_for_selector(".red-ui-flow-node-group", timeout=60_000)
                page.click("#red-ui-tab-debug-link-button")
                page.mouse.move(700, 480)  # no tooltip in the picture
                for count, inject in enumerate(("inject-picture", "inject-row"), 1):
                    red.request("POST", f"/inject/{inject}", b"", "application/json")
                    page.wait_for_function(
                        f"document.querySelectorAll('.red-ui-debug-msg').length >= {count}",
                        timeout=60_000)
                page.wait_for_timeout(1500)  # status badges and debug messages settle
                page.screenshot(path=str(ROOT / "docs" / "node-red-flow.png"))
                browser.close()


if __name__ == "__main__":
    main()
