"""Week 2: the MNIST lab trains on wasm, evaluates, and its pad reads drawn digits."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from buildlib.make import sprites
from pytfjs.data.sprites import SpriteSet
from testkit.harness import (
    console_text,
    lab_url,
    long_decimals,
    share_at_least,
    tensor_count,
    wait_state,
)

pytestmark = pytest.mark.browser


def built_mnist(dist_dir) -> SpriteSet:
    pixels, labels, meta = sprites.read_sprites(dist_dir / "data/mnist")
    images = np.frombuffer(pixels, np.uint8).reshape(-1, 28, 28)
    return SpriteSet(images, np.frombuffer(labels, np.uint8), sprites.MNIST_CLASSES,
                     meta["test_count"])


def strokes(image: np.ndarray, scale: int = 10) -> list[tuple[int, int, int]]:
    """The digit as horizontal pen strokes: (row, first column, last column) of ink runs."""
    out = []
    for row in range(28):
        ink = np.flatnonzero(image[row] > 100)
        if not len(ink):
            continue
        starts = [ink[0]] + [b for a, b in zip(ink, ink[1:], strict=False) if b != a + 1]
        ends = [a for a, b in zip(ink, ink[1:], strict=False) if b != a + 1] + [ink[-1]]
        out += [(int(row * scale + scale // 2), int(s * scale + scale // 2),
                 int(e * scale + scale // 2))
                for s, e in zip(starts, ends, strict=True)]
    return out


def draw(page, image: np.ndarray) -> str:
    """Draw with the mouse (real pointer events) and return the pad's top class."""
    box = page.locator("canvas.pad").bounding_box()
    for y, x0, x1 in strokes(image):
        page.mouse.move(box["x"] + x0, box["y"] + y)
        page.mouse.down()
        page.mouse.move(box["x"] + x1, box["y"] + y, steps=max(1, (x1 - x0) // 10))
        page.mouse.up()
    return page.get_attribute("canvas.pad", "data-top")


def draw_with_keys(page, image: np.ndarray) -> str:
    """Draw with the keyboard only (arrow keys, Shift+arrow, Space); return the top class."""
    page.focus("canvas.pad")

    def move(key: str, steps: int) -> None:
        for _ in range(steps // 4):
            page.keyboard.press(f"Shift+{key}")
        for _ in range(steps % 4):
            page.keyboard.press(key)

    for row, first, last in strokes(image, scale=1):  # ink runs on the 28x28 grid
        col, at_row = (int(v) for v in page.get_attribute("canvas.pad", "data-pen").split(",")[:2])
        move("ArrowRight" if first > col else "ArrowLeft", abs(first - col))
        move("ArrowDown" if row > at_row else "ArrowUp", abs(row - at_row))
        assert page.get_attribute("canvas.pad", "data-pen") == f"{first},{row}"
        page.keyboard.press("Space")  # pen down
        move("ArrowRight", last - first)
        page.keyboard.press("Space")  # pen up: the pad predicts
        assert page.get_attribute("canvas.pad", "data-pen") == f"{last},{row}"
    return page.get_attribute("canvas.pad", "data-top")


def test_mnist_learns_and_the_pad_reads_drawn_digits(page, site_url, dist_dir):
    # 4,445 digits: 4,001 for training (125 steps of 32 an epoch, as before the full
    # MNIST) and 444 for validation
    page.goto(lab_url(site_url, "mnist", run=1, backend="wasm", epochs=5, samples=4445,
                      batch=32))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert long_decimals(page) == []
    assert share_at_least(results["val_accuracy"], results["val_count"], 95)
    assert share_at_least(results["test_accuracy"], results["test_count"], 95)
    charts = page.inner_text("#charts")
    for title in ("Sample digits", "Model", "Batch loss", "Batch accuracy", "Loss",
                  "Accuracy", "Confusion matrix (held-out digits)", "Accuracy per digit"):
        assert title in charts, title

    data = built_mnist(dist_dir)
    _, test = data.split(limit=4445)
    assert results["test_count"] == 10_000  # the official test digits, whatever `samples`
    assert results["first_test_ids"] == test[:10].tolist() == list(range(60_000, 60_010))
    after_training = tensor_count(page)
    drawn = []
    for index in test[:10]:
        page.click("text=Clear")
        drawn.append(draw(page, data.images[index]))
    right = sum(top == data.classes[data.labels[i]] for top, i in zip(drawn, test, strict=False))
    assert right >= 8, f"{right} of 10 drawn digits recognised"
    predictions = int(page.get_attribute("canvas.pad", "data-predictions"))
    assert predictions >= 100
    # the same strokes from the keyboard alone (the pen walks the grid the model sees)
    # make drawings the model reads as it read the mouse's. Not always the very same
    # class: the two pens draw the strokes a little differently, and the model (trained
    # without a seed) once read one keyboard 7 as a 9 where the mouse's was a 7
    by_keys = []
    for index in test[:5]:
        page.click("text=Clear")
        by_keys.append(draw_with_keys(page, data.images[index]))
    labels = [data.classes[data.labels[i]] for i in test[:5]]
    right_keys = sum(top == label for top, label in zip(by_keys, labels, strict=True))
    right_mouse = sum(top == label for top, label in zip(drawn[:5], labels, strict=True))
    assert right_keys >= 4 and right_keys >= right_mouse - 1, (by_keys, drawn[:5], labels)
    assert page.is_visible(".pad-pen")
    assert tensor_count(page) == after_training
    # the next run releases the pad and the model it kept
    page.evaluate("window.pytfjs.setCode('print(1)')")
    assert page.evaluate("window.pytfjs.run()") == "done"
    assert tensor_count(page) == 0
    assert page.locator("canvas.pad").count() == 0


def test_training_holds_one_batch_at_a_time(page, site_url):
    page.goto(lab_url(site_url, "mnist", run=1, backend="wasm", epochs=1, samples=2000))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    r = page.evaluate("window.pytfjs.results")
    assert r["batch_bytes"] == 512 * 28 * 28 * 4
    assert 0 < r["peak_tensor_bytes"] < 3 * r["batch_bytes"] + r["model_bytes"]


def test_a_seed_fixes_the_run_on_cpu(page, site_url):
    """Same seed, same backend: the same final weights and scores; another seed: others."""
    def run(seed: int) -> dict:
        # 270 training digits, 5 steps: a seed decides the weights from the first step
        # (3 runs of 700 digits took 10 s each, of 300 6 s, idle)
        page.goto(lab_url(site_url, "mnist", run=1, backend="cpu", epochs=1, samples=300,
                          batch=64, tests=100, seed=seed))
        assert wait_state(page, "done", "error") == "done", console_text(page)
        return page.evaluate("window.pytfjs.results")

    first, again, other = run(0), run(0), run(1)
    keys = ["seed", "weights_sha256", "val_accuracy", "test_accuracy"]
    assert {k: first[k] for k in keys} == {k: again[k] for k in keys}
    assert (first["seed"], other["seed"]) == (0, 1)
    assert other["weights_sha256"] != first["weights_sha256"]
    assert "seed" in page.inner_text("#results")


def test_fashion_mnist_trains_and_saves(page, site_url, dist_dir):
    assert (dist_dir / "data/fashion-mnist/meta.json").is_file()  # in every build
    downloads = []
    page.on("download", lambda d: downloads.append(d.suggested_filename))
    page.goto(lab_url(site_url, "fashion-mnist", run=1, backend="wasm", epochs=2,
                      samples=3000, batch=64))
    assert wait_state(page, "done", "error") == "done", console_text(page)
    results = page.evaluate("window.pytfjs.results")
    assert share_at_least(results["test_accuracy"], results["test_count"], 70)
    assert "Confusion matrix (test images)" in page.inner_text("#charts")
    assert "Ankle boot" in page.inner_text("#charts")
    assert downloads == []  # nothing downloads without a click
    with page.expect_download() as download:
        page.click("button.download")
    assert download.value.suggested_filename == "fashion-mnist-model.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["model.json", "weights.bin"]
    assert tensor_count(page) == 0
