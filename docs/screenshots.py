"""Screenshots of every lab at a desktop and a phone size, before and after a run.

    .venv/bin/python -m docs.screenshots            # all labs, into docs/screens/
    .venv/bin/python -m docs.screenshots mnist iris # some labs

Labs that wait for the learner (convert, mobilenet, toxicity, rpsls) are run with the
parameters that answer for them, or shown at their first question; long trainings run
short (the parameters below). Also rewrites docs/lab-one-neuron.png, the README's picture.
Needs dist/ (python3 build.py build) and Debian's chromium.
"""

from __future__ import annotations

import sys

from testkit.harness import ROOT, PageLog, guarded_context, lab_url, site_and_browser, wait_until

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
    out = ROOT / "docs" / "screens"
    out.mkdir(exist_ok=True)
    log = PageLog()
    with site_and_browser() as (_, browser, url):
        for lab in labs:
            for size, (width, height) in SIZES.items():
                context = guarded_context(browser, log, service_workers="block",
                                          viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(lab_url(url, lab, backend="wasm"))
                wait_until(page, "document.body.dataset.state !== 'loading'", timeout=180_000)
                page.screenshot(path=str(out / f"{lab}-{size}-before.png"))
                page.goto(lab_url(url, lab, run=1, backend="wasm", **RUNS[lab]))
                wait_until(page, WAITING, timeout=600_000)
                page.wait_for_timeout(1500)  # the last chart draws
                page.screenshot(path=str(out / f"{lab}-{size}-after.png"))
                if lab == "one-neuron" and size == "desktop":
                    page.screenshot(path=str(ROOT / "docs" / "lab-one-neuron.png"))
                context.close()
                print(f"{lab} {size}", flush=True)
    if log.external:
        raise SystemExit(f"pages requested other hosts: {log.external}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(RUNS))
