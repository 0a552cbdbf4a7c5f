"""The page as a learner meets it: what a run shows comes into view, messages say what happened.

Checked at a desktop size and a phone size: the MNIST drawing pad, the converter's output and
the rpsls webcam area are in the viewport when they appear (the side pane or the page
scrolls to them); Stop with nothing training does not talk about batches; an error raised
inside TF.js points at the lab's own line, marks it in the editor and hides the minified
tf.es2017.min.js frames; "Try next" hints are links that put the setting in the page address.
"""

from __future__ import annotations

import pytest

from testkit.harness import console_text, lab_url, open_lab, run_in_lab, wait_state, wait_until
from testkit.webcam_lab import camera_page

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# Records, for each watched selector, whether an element matching it was on screen (an
# IntersectionObserver: it accounts for the side pane's scrolling too) within the first
# second after it appeared. Installed before the page's own scripts run.
WATCH = """selectors => {
    window.__seenInView = {};
    const watch = (el, selector) => {
        if (el.__watched) return;
        el.__watched = true;
        const born = performance.now();
        const io = new IntersectionObserver((entries) => {
            for (const e of entries) {
                if (e.isIntersecting && performance.now() - born < 1000) {
                    window.__seenInView[selector] = true;
                }
            }
        });
        io.observe(el);
    };
    new MutationObserver(() => {
        for (const selector of selectors) {
            for (const el of document.querySelectorAll(selector)) watch(el, selector);
        }
    }).observe(document, {childList: true, subtree: true});
}"""


def watch(page, *selectors: str) -> None:
    page.add_init_script(f"({WATCH})({list(selectors)!r})")


def appears_in_view(page, selector: str) -> None:
    """``selector`` appeared, and was in view within a second of appearing."""
    wait_until(page, "s => !!document.querySelector(s)", selector)
    page.wait_for_timeout(1200)
    assert page.evaluate("s => !!window.__seenInView[s]", selector), selector


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_mnist_pad_comes_into_view(page, site_url, size):
    page.set_viewport_size(SIZES[size])
    watch(page, "canvas.pad")
    page.goto(lab_url(site_url, "mnist", run=1, backend="wasm", epochs=1, samples=1200))
    appears_in_view(page, "canvas.pad")
    assert wait_state(page, "done", "error") == "done", console_text(page)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_converter_output_comes_into_view(page, site_url, size):
    page.set_viewport_size(SIZES[size])
    watch(page, "figure.surface", "button.download")
    page.goto(lab_url(site_url, "convert", run=1, backend="cpu",
                      model="models/keras/emotion_model.hdf5", quantize="float16"))
    appears_in_view(page, "figure.surface")  # the converted model's layers
    appears_in_view(page, "button.download")  # the zip
    assert wait_state(page, "done", "error") == "done", console_text(page)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_rpsls_webcam_comes_into_view(browser, site_url, tmp_path, size):
    with camera_page(browser, tmp_path / "profile") as page:
        page.set_viewport_size(SIZES[size])
        watch(page, ".studio video.camera")
        page.goto(lab_url(site_url, "rpsls", run=1, backend="wasm"))
        appears_in_view(page, ".studio video.camera")


def test_stop_with_nothing_training_says_so(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    page.evaluate("code => window.pytfjs.setCode(code)",
                  "import asyncio\nwhile True:\n    await asyncio.sleep(0.05)\n")
    page.click("#run")
    assert wait_state(page, "running") == "running"
    page.click("#stop")
    assert wait_state(page, "ready", "error", "done") == "ready"
    text = console_text(page)
    assert "current batch" not in text and "ends at its next pause" in text
    stopped = page.locator("#console span", has_text="Stopped by you")
    assert stopped.count() == 1 and stopped.get_attribute("class") != "err"


def test_a_tfjs_error_points_at_the_lab_line_and_hides_tfjs_frames(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    code = ("from pytfjs import tf\n\nx = tf.tensor([1, 2, 3])\n"
            "y = tf.reshape(x, [2, 2])  # 3 values do not fill 2x2\n")
    assert run_in_lab(page, code) == "error"
    text = console_text(page)
    assert 'File "one-neuron.py", line 4, in <module>' in text
    traceback = text.split("Traceback")[1]
    assert "tf.es2017.min.js" not in text and 'js", line' not in traceback
    assert "inside pytfjs and TensorFlow.js hidden" in traceback
    assert traceback.rstrip().endswith(
        "TensorFlow.js: Size(3) must match the product of shape 2,2"), traceback
    assert "line 4" in page.inner_text("#status")
    marked = page.locator(".CodeMirror-code > div:has(.error-line) .CodeMirror-linenumber")
    assert marked.inner_text() == "4"
    page.click(".CodeMirror-code")
    page.keyboard.type("#")  # an edit clears the mark
    assert page.locator(".error-line").count() == 0


def test_try_next_hints_are_links_into_the_page_address(page, site_url):
    assert open_lab(page, site_url, "mnist", backend="cpu") == "ready"
    page.click("#lesson summary")
    link = page.get_by_role("link", name="?epochs=2", exact=True)
    assert link.get_attribute("href") == "lab.html?epochs=2&lab=mnist"
    assert "page address" in link.get_attribute("title")
