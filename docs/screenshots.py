"""Screenshots of every lab at a desktop and a phone size, before and after a run.

    .venv/bin/python docs/screenshots.py            # all labs, into docs/screens/
    .venv/bin/python docs/screenshots.py mnist iris # some labs

Labs that wait for the learner (convert, mobilenet, toxicity, rpsls) are run with the
parameters that answer for them, or shown at their first question; long trainings run
short (the parameters below). Also rewrites docs/lab-one-neuron.png, the README's picture.
Needs dist/ (python3 build.py build) and Debian's chromium.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from buildlib.server import serve_in_thread  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, lab_url  # noqa: E402

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
# what "after a run" means for each lab: URL parameters, and when the picture is taken
RUNS: dict[str, dict[str, object]] = {
    "one-neuron": {},
    "iris": {},
    "breast-cancer": {},
    "mnist": {"epochs": 2, "samples": 4000},
    "fashion-mnist": {"epochs": 1, "samples": 4000},
    "convert": {"model": "models/keras/emotion_model.hdf5", "quantize": "float16"},
    "mobilenet": {"image": "chelsea"},
    "toxicity": {"text": "you are lovely\nyou are an idiot"},
    "your-csv": {"csv": "data/iris.csv", "label": "species", "epochs": 20},
    "rpsls": {},
}
WAITING = ("['done', 'error'].includes(document.body.dataset.state)"
           " || (document.body.dataset.state === 'running' && !!document.querySelector('.ask'))")


def main(labs: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    os.environ["PYTFJS_QUIET_SERVER"] = "1"
    out = ROOT / "docs" / "screens"
    out.mkdir(exist_ok=True)
    server, url = serve_in_thread(ROOT / "dist")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lab in labs:
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(lab_url(url, lab, backend="wasm"))
                page.wait_for_function("document.body.dataset.state !== 'loading'",
                                       timeout=180_000)
                page.screenshot(path=str(out / f"{lab}-{size}-before.png"))
                page.goto(lab_url(url, lab, run=1, backend="wasm", **RUNS[lab]))
                page.wait_for_function(WAITING, timeout=600_000)
                page.wait_for_timeout(1500)  # the last chart draws
                page.screenshot(path=str(out / f"{lab}-{size}-after.png"))
                if lab == "one-neuron" and size == "desktop":
                    page.screenshot(path=str(ROOT / "docs" / "lab-one-neuron.png"))
                page.close()
                print(f"{lab} {size}", flush=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:] or list(RUNS))
