"""Week 3: the MobileNet lab names photos as numpy's reference does, on every backend,
and bad input (not an image, an empty file, a 50-megapixel photo, no camera) leaves
the page working with no tensor left behind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from buildlib.make import models, sprites
from pytfjs.convert import mobilenet_v2 as mn
from pytfjs.convert.torch_state import load_state_dict
from pytfjs.data import images
from testkit import mobilenet_reference as ref
from testkit.harness import (
    LAB_TIMEOUT_MS,
    PageLog,
    camera_args,
    console_text,
    install_guard,
    lab_url,
    launch_browser,
    long_decimals,
    run_in_lab,
    tensor_count,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

SEEN = "What the model sees"


@pytest.fixture(scope="module")
def torch_state() -> dict[str, np.ndarray]:
    pth = models.extract(models.PTH[0], {models.PTH[1]: models.PTH_SHA256})[models.PTH[1]]
    return load_state_dict(pth)


@pytest.fixture(scope="module")
def labels(dist_dir) -> list[str]:
    return json.loads((dist_dir / models.MODEL_DIR / "metadata.json").read_text())["labels"]


def seen_pixels(page) -> np.ndarray:
    """The uint8 RGB square the lab classified, read back from its canvas."""
    data = page.evaluate("""title => {
        const fig = [...document.querySelectorAll('figure.surface')]
            .find(f => f.dataset.title === title);
        const c = fig.querySelector('canvas');
        return {w: c.width, h: c.height,
                px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)};
    }""", SEEN)
    rgba = np.array(data["px"], np.uint8).reshape(data["h"], data["w"], 4)
    return rgba[..., :3]


def reference_top5(state, labels, square: np.ndarray) -> list[tuple[str, float]]:
    x = images.normalize(square, mn.MEAN, mn.STD)
    p = ref.torch_forward(state, x)["probabilities"]
    return [(labels[i], float(p[i])) for i in np.argsort(p)[::-1][:5]]


def assert_top5_equal(browser: list, reference: list) -> None:
    assert [name for name, _ in browser] == [name for name, _ in reference]
    for (name, p), (_, q) in zip(browser, reference, strict=True):
        assert abs(p - q) <= 1e-4, (name, p, q)


@pytest.mark.parametrize("backend,image,expected", [
    ("wasm", "chelsea", "Egyptian cat"),
    ("cpu", "chelsea", "Egyptian cat"),
    ("webgl", "chelsea", "Egyptian cat"),
    ("wasm", "coffee", "espresso"),
])
def test_photos_are_named_as_numpy_s_reference_names_them(page, site_url, dist_dir, torch_state,
                                                          labels, backend, image, expected):
    page.goto(lab_url(site_url, "mobilenet", run=1, backend=backend, image=image))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert long_decimals(page) == []
    assert r["top1"] == expected and r["image"] == f"{image}.png"
    assert r["top1_prob"] == r["top5"][0][1] and r["ms"] > 0
    # the browser decoded and cropped exactly as numpy does on CPython ...
    photo = ref.read_png((dist_dir / f"data/photos/{image}.png").read_bytes())[..., :3]
    square = seen_pixels(page)
    np.testing.assert_array_equal(square, images.center_square(photo, 224))
    # ... and its probabilities are the torch-layout float64 reference's
    assert_top5_equal(r["top5"], reference_top5(torch_state, labels, square))
    page.wait_for_selector("figure.surface[data-title='Top 5'] canvas")  # the bar chart
    assert "Top 5 classes" in page.inner_text("#charts")
    assert tensor_count(page) == 0


def big_png(width: int, height: int) -> bytes:
    """A gray PNG of width x height (a smooth gradient, so it compresses to little)."""
    row = bytes(int(255 * x / (width - 1)) for x in range(width))
    return sprites.png_gray(width, row * height)


def choose(page, option: str) -> None:
    page.click(f"#inputs button[data-choice='{option}']")


def wait_classified(page, count: int) -> dict:
    wait_until(page, "n => (window.pytfjs.results.classified || 0) >= n "
               "|| document.body.dataset.state !== 'running'", count)
    assert page.evaluate("document.body.dataset.state") == "running", console_text(page)
    return page.evaluate("window.pytfjs.results")


def upload(page, path: Path) -> None:
    choose(page, "Your photo")
    page.set_input_files("#inputs input[type=file]", str(path))


def test_files_bad_input_and_no_camera_leave_the_page_usable(page, site_url, dist_dir,
                                                              tmp_path):
    page.goto(lab_url(site_url, "mobilenet", run=1, backend="wasm"))
    page.wait_for_selector("#inputs button[data-choice='Your photo']")
    baseline = tensor_count(page)  # the model's weights
    assert baseline > 0

    cases = {"notes.txt": (b"not a photo at all\n", "notes.txt is not an image this browser "
                                                     "can decode"),
             "empty.png": (b"", "empty.png is empty (0 bytes)"),
             "broken.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "broken.png is not an image")}
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        upload(page, tmp_path / name)
        page.wait_for_selector(f"#inputs .ask-error:has-text('{name}')")
        assert words in page.inner_text("#inputs")
        page.wait_for_selector("#inputs button[data-choice='Your photo']")  # asks again
        assert page.evaluate("document.body.dataset.state") == "running"
        assert tensor_count(page) == baseline

    huge = tmp_path / "huge.png"
    huge.write_bytes(big_png(8660, 5774))  # 50.0 megapixels
    upload(page, huge)
    r = wait_classified(page, 1)
    assert r["image"] == "huge.png"
    caption = page.inner_text("#charts")
    assert "huge.png: 8660x5774 (50.0 megapixels, scaled down to 2048x1365" in caption
    assert tensor_count(page) == baseline

    choose(page, "Sample photo")
    choose(page, "coffee")
    assert wait_classified(page, 2)["top1"] == "espresso"

    # headless Chromium has no camera: a clear message, then the file prompt still works
    choose(page, "Webcam")
    page.wait_for_selector("#inputs .ask-error:has-text('No webcam picture')")
    assert "No webcam picture: no camera was found. Pick a photo file instead." in \
        page.inner_text("#inputs")
    page.set_input_files("#inputs input[type=file]", str(dist_dir / "data/photos/chelsea.png"))
    r = wait_classified(page, 3)
    assert r["top1"] == "Egyptian cat" and r["image"] == "chelsea.png"
    assert tensor_count(page) == baseline

    page.click("#stop")
    assert wait_state(page, "ready", "done", "error") == "ready"
    assert tensor_count(page) == 0
    assert page.locator("#inputs .ask").count() == 0


def drop(page, name: str, data: bytes = b"", size: int = 0) -> None:
    """Drop a file on the drop zone, the way a person drags one in."""
    page.wait_for_selector(".drop-zone")
    page.evaluate("""([name, bytes, size]) => {
        const content = size ? new Uint8Array(size) : new Uint8Array(bytes);
        const data = new DataTransfer();
        data.items.add(new File([content], name));
        document.querySelector('.drop-zone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
    }""", [name, list(data), size])


def test_a_dropped_photo_is_read_and_a_too_big_file_refused_unread(page, site_url, dist_dir):
    page.goto(lab_url(site_url, "mobilenet", run=1, backend="wasm"))
    page.wait_for_selector("#inputs button[data-choice='Your photo']")
    baseline = tensor_count(page)
    choose(page, "Your photo")
    drop(page, "scan.jpg", size=150_000_000)
    page.wait_for_selector("#inputs .ask-error:has-text('scan.jpg')")
    assert "scan.jpg is 150 MB; photos up to 100 MB are read: pick a smaller file." in \
        page.inner_text("#inputs")
    choose(page, "Your photo")
    drop(page, "my coffee.png", (dist_dir / "data/photos/coffee.png").read_bytes())
    r = wait_classified(page, 1)
    assert r["image"] == "my coffee.png" and r["top1"] == "espresso"
    assert tensor_count(page) == baseline


def test_an_unknown_sample_names_the_ones_there_are(page, site_url):
    page.goto(lab_url(site_url, "mobilenet", run=1, backend="cpu", image="dog"))
    assert wait_state(page, "done", "error") == "error"
    text = page.inner_text("#inputs")
    assert ("there is no sample photo 'dog'; choose one of chelsea, coffee, astronaut, "
            "rocket") in text
    assert tensor_count(page) == 0


def test_a_webcam_snapshot_is_classified(browser, site_url):
    """With Chromium's fake camera (a moving test pattern), Take photo gives a picture."""
    camera = launch_browser(browser.browser_type, camera_args())
    log = PageLog()
    try:
        context = camera.new_context(service_workers="block", permissions=["camera"])
        install_guard(context, log)
        page = context.new_page()
        page.set_default_timeout(LAB_TIMEOUT_MS)
        page.goto(lab_url(site_url, "mobilenet", run=1, backend="wasm"))
        page.wait_for_selector("#inputs button[data-choice='Webcam']")
        baseline = tensor_count(page)
        choose(page, "Webcam")
        page.wait_for_selector("#inputs video.camera")
        page.wait_for_selector("#inputs button[data-choice='take-photo']:not([disabled])")
        choose(page, "take-photo")
        r = wait_classified(page, 1)
        assert r["image"] == "webcam snapshot" and len(r["top5"]) == 5
        assert "webcam snapshot: 640x480" in page.inner_text("#charts")
        # the camera is off again once the picture is taken
        assert page.evaluate("document.querySelectorAll('video.camera').length") == 0
        assert tensor_count(page) == baseline
        # Stop while the preview is showing turns the camera off too
        choose(page, "Webcam")
        page.wait_for_selector("#inputs button[data-choice='take-photo']:not([disabled])")
        page.click("#stop")
        assert wait_state(page, "ready", "done", "error") == "ready"
        assert page.evaluate("document.querySelectorAll('video.camera').length") == 0
        assert tensor_count(page) == 0
        context.close()
    finally:
        camera.close()
    assert not log.external, log.external
    log.check_violations()


CUT = """
import json
import pytfjs
from pytfjs import report, tf, ui
from pytfjs.data import images

meta = json.loads(await ui.fetch_bytes("models/mobilenet_v2/metadata.json"))
model = await tf.load_layers_model("models/mobilenet_v2/model.json")
names = meta["layers"]
cut = tf.model(inputs=model.inputs, outputs=[model.get_layer(names["features"]).output,
                                             model.get_layer(names["embedding"]).output])
photo = await images.sample("chelsea")
x = images.normalize(images.center_square(photo.pixels, 224), meta["mean"], meta["std"])
with pytfjs.tidy():
    features, embedding = cut.predict(x[None])
    report(features_shape=list(features.shape), features_sum=float(features.numpy().sum()),
           embedding=embedding.numpy()[0].tolist())
"""


def test_the_network_can_be_cut_at_its_named_layers(page, site_url, dist_dir, torch_state):
    """What a transfer-learning lab needs: the 7x7x1280 features and the 1280 embedding."""
    page.goto(lab_url(site_url, "mobilenet", backend="wasm"))
    assert wait_state(page, "ready") == "ready"
    assert run_in_lab(page, CUT) == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    photo = ref.read_png((dist_dir / "data/photos/chelsea.png").read_bytes())[..., :3]
    x = images.normalize(images.center_square(photo, 224), mn.MEAN, mn.STD)
    expected = ref.torch_forward(torch_state, x)
    assert r["features_shape"] == [1, 7, 7, 1280]
    assert abs(r["features_sum"] - expected["features"].sum()) <= 1e-5 * expected[
        "features"].sum()
    np.testing.assert_allclose(r["embedding"], expected["embedding"], atol=1e-4)
    assert tensor_count(page) == 0
