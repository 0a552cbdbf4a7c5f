"""The webcam lab (rpsls) as its browser tests drive it: a Chromium whose fake webcam plays a
video (``camera_page``), and the learner's moves: start the lab, hold to capture, train,
predict, read the messages. Shared by tests/browser/test_rpsls.py, test_rpsls_project.py,
test_page_view.py and test_hostile_inputs.py; the photo and video fixtures are in
tests/browser/conftest.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from testkit.harness import (
    LAB_TIMEOUT_MS,
    PageLog,
    camera_args,
    console_text,
    guarded_profile,
    lab_url,
    one_wasm_thread,
    wait_state,
    wait_until,
)
from testkit.pictures import moving_frames, png_rgb

# the class each sample photo (dist/data/photos) plays in the tests
PHOTOS = {"rock": "chelsea", "paper": "coffee", "scissors": "astronaut"}
EMBEDDING_BYTES = 1280 * 4  # one sample's MobileNetV2 embedding, float32


@contextmanager
def camera_page(browser, profile: Path, video: Path | None = None, deny: bool = False
                ) -> Iterator[object]:
    """A page in a Chromium whose webcam plays ``video`` (or that refuses the camera)."""
    log = PageLog()
    context = guarded_profile(browser.browser_type, profile, log, camera_args(video, deny),
                              viewport={"width": 1280, "height": 900},
                              service_workers="block", accept_downloads=True)
    try:
        one_wasm_thread(context)  # as the page fixture does (testkit.harness)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(LAB_TIMEOUT_MS)
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
        yield page
    finally:
        context.close()
    assert not log.external, f"the page requested non-loopback URLs: {log.external}"
    assert not log.page_errors, log.page_errors
    log.check_violations()


def start(page, site_url: str, **params) -> dict:
    """Open the lab and run it; returns the results once the webcam answered."""
    page.goto(lab_url(site_url, "rpsls", run=1, **{"backend": "wasm", **params}))
    return started(page)


def started(page) -> dict:
    assert wait_state(page, "running", "error", "done") == "running", console_text(page)
    return wait_for(page, "r.camera !== undefined")


def reload(page) -> dict:
    page.reload()
    return started(page)


def wait_for(page, condition: str, timeout: float = LAB_TIMEOUT_MS) -> dict:
    """Wait until ``condition`` (JS, ``r`` = the lab's results) holds while the lab runs."""
    wait_until(page, f"document.body.dataset.state !== 'running' || "
               f"(function (r) {{ return {condition}; }})(window.pytfjs.results)",
               timeout=timeout)
    assert page.evaluate("document.body.dataset.state") == "running", console_text(page)
    return page.evaluate("window.pytfjs.results")


def row(page, name: str):
    return page.locator(f".studio-class[data-name='{name}']")


def messages(page) -> str:
    return page.inner_text(".studio-messages")


def confirm(locator) -> None:
    """Buttons that cannot be undone need a second click."""
    locator.click()
    locator.click()


def remove_classes(page, *names: str) -> None:
    for name in names:
        confirm(row(page, name).locator("button[data-action=remove-class]"))
        page.wait_for_selector(f".studio-class[data-name='{name}']", state="detached")


def hold(page, name: str, at_least: int, keyboard: bool = False) -> dict:
    """Keep "Hold to capture" pressed (pointer, or the Space key) until class ``name`` has
    ``at_least`` samples."""
    button = row(page, name).locator("button[data-action=hold]")
    if keyboard:
        button.focus()
        page.keyboard.down("Space")
    else:
        button.dispatch_event("pointerdown")
    page.wait_for_selector(f".studio-class[data-name='{name}'] "
                           "button[data-action=hold][aria-pressed=true]")
    wait_for(page, f"(r.class_counts || {{}})[{json.dumps(name)}] >= {at_least}",
             timeout=900_000)
    if keyboard:
        page.keyboard.up("Space")
    else:
        button.dispatch_event("pointerup")
    page.wait_for_selector(f".studio-class[data-name='{name}'] "
                           "button[data-action=hold][aria-pressed=false]")
    return settle(page)


def settle(page) -> dict:
    """The results once no capture is in flight any more (the count stops changing)."""
    last = -1
    while True:
        page.wait_for_timeout(600)
        results = page.evaluate("window.pytfjs.results")
        if results["captured"] == last:
            return results
        last = results["captured"]


def train(page, epochs: int | None = None) -> dict:
    """Press Train and wait for "Training done" (or a problem)."""
    if epochs is not None:
        page.fill(".studio input[data-setting=epochs]", str(epochs))
    before = page.locator(".studio-messages li.done").count()
    page.click(".studio button[data-action=train]")
    wait_until(page, "n => document.querySelectorAll('.studio-messages li.done').length > n"
               " || document.body.dataset.state !== 'running'", before)
    return page.evaluate("window.pytfjs.results")


def record_messages(page) -> None:
    """Log each new studio message with what the progress bar said at that moment."""
    page.evaluate("""() => {
        window.messageLog = [];
        new MutationObserver(() => {
            const li = document.querySelector('.studio-messages li');
            window.messageLog.push([li.textContent, document.getElementById('train-text')
                .textContent, window.pytfjs.results.val_accuracy ?? null]);
        }).observe(document.querySelector('.studio-messages'), {childList: true});
    }""")


def predict_frames(page, count: int) -> dict:
    page.click(".studio button[data-action=predict]")
    results = wait_for(page, f"(r.predictions || 0) >= {count}")
    assert page.inner_text(".studio-fps").endswith(" frames per second")
    assert page.inner_text(".studio-top").split(" (")[0] == results["top_class"] or \
        results["predictions"] < page.evaluate("window.pytfjs.results.predictions")
    page.click(".studio button[data-action=predict]")
    page.wait_for_selector(".studio button[data-action=predict][aria-pressed=false]")
    return results


def set_hidden(page, hidden: bool) -> None:
    """Make the page see itself hidden or visible (headless Chromium has no other tabs
    or windows that could hide it): document.visibilityState + visibilitychange."""
    page.evaluate("""hidden => {
        if (hidden) Object.defineProperty(document, 'visibilityState',
                                          {configurable: true, get: () => 'hidden'});
        else delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
    }""", hidden)


def photo_files(folder: Path, photos: dict[str, np.ndarray], per_class: int) -> dict:
    """PNG crops of each class's photo (what a learner without a webcam would pick)."""
    files = {}
    for name, photo in photos.items():
        frames = moving_frames(photo, per_class, 320, 240, seed=7)
        files[name] = [folder / f"{name}-{i}.png" for i in range(per_class)]
        for path, frame in zip(files[name], frames, strict=True):
            path.write_bytes(png_rgb(frame))
    return files
