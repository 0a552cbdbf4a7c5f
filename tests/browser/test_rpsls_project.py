"""Week 4's webcam studio keeps its trained model and moves as one project file (issue 33):
the head survives a reload, "Export project" writes a zip that "Import project" restores
in a fresh browser profile with the very same probabilities, bad zips are refused with the
project untouched, changed samples mark the model out of date, a refused write (Chromium's
quota made tiny) is a message with the kept model intact, and Node.js predicts from the
exported project (the code of the Node-RED node) within 1e-4 of the page.

One Chromium profile per "computer"; the fake webcam and its helpers are testkit/webcam_lab.py's."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from buildlib.make import models
from pytfjs import project as proj
from testkit.harness import ROOT, in_worker, tensor_count
from testkit.pictures import photo_video
from testkit.webcam_lab import (
    camera_page,
    messages,
    photo_files,
    reload,
    remove_classes,
    row,
    start,
    train,
    wait_for,
)

pytestmark = pytest.mark.browser

PHOTO = "chelsea.png"


@pytest.fixture(scope="module")
def rock_video(photos, tmp_path_factory) -> Path:  # noqa: F811
    """The one video this test's webcam plays (tests/browser/conftest.py's ``videos`` makes six)."""
    return photo_video(tmp_path_factory.mktemp("video") / "rock.y4m", photos["rock"],
                       count=15, seed=1)


def classify(page, picture: Path) -> list[float]:
    """Classify a photo file; its probabilities as the lab reported them."""
    page.evaluate("window.pytfjs.results.photo = null")
    page.locator("input[data-action=classify]").set_input_files(picture)
    r = wait_for(page, f"r.photo === {json.dumps(picture.name)}")
    return r["photo_probabilities"]


def status(page) -> tuple[str, str]:
    return (page.get_attribute(".studio-model", "data-state") or "",
            page.inner_text(".studio-model"))


def import_file(page, path: Path) -> None:
    page.locator("input[data-action=import-project]").set_input_files(path)


def refused(page, path: Path, text: str) -> None:
    """Import ``path``: an error naming the file and saying ``text``."""
    import_file(page, path)
    page.wait_for_selector(f".studio-messages li.error:has-text('{path.name}')")
    shown = page.inner_text(".studio-messages li.error >> nth=0")
    assert text in shown and "unchanged" in shown, shown


def rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    """The zip with some members' bytes replaced (the rest as they were)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, change.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_model_kept_exported_imported_refused_and_flagged(browser, site_url, rock_video,
                                                          photos, dist_dir,  # noqa: F811
                                                          tmp_path):
    picture = dist_dir / "data/photos" / PHOTO
    files = photo_files(tmp_path, {k: photos[k] for k in ("paper", "scissors")}, 3)
    profile = tmp_path / "computer-a"
    with camera_page(browser, profile, rock_video) as page:
        r = start(page, site_url, rate=10, epochs=5)
        remove_classes(page, "lizard", "spock")
        assert status(page)[0] == "none"
        baseline = tensor_count(page)
        page.click(".studio-class[data-name='rock'] button[data-action=capture]")
        page.click(".studio-class[data-name='rock'] button[data-action=capture]")
        wait_for(page, "r.class_counts.rock === 2")
        page.click(".studio-class[data-name='rock'] button[data-action=capture]")
        wait_for(page, "r.class_counts.rock === 3")
        for name in ("paper", "scissors"):
            row(page, name).locator("input[data-action=files]").set_input_files(files[name])
            wait_for(page, f"r.class_counts[{json.dumps(name)}] === 3")
        r = train(page)
        assert r["samples"] == 9 and r["epochs"] == 5
        state, text = status(page)
        assert state == "current" and text.startswith("Model trained ") and \
            text.endswith(" UTC on 9 samples of 3 classes"), text
        assert page.inner_text(".studio-storage").startswith("This project takes ")
        before = classify(page, picture)
        assert tensor_count(page) == baseline + 4  # the head's 4 weights
        trained_bytes = page.evaluate("window.pytfjs.results.project_bytes")
        assert trained_bytes > 9 * (1280 * 4 + 48 * 48 * 3)  # samples + the head

        # a reload predicts at once: the same head, the same probabilities (exactly)
        r = reload(page)
        assert r["model_state"] == "current" and r["project_bytes"] == trained_bytes
        assert "is back: it predicts at once." in messages(page)
        assert page.locator(".studio-messages li.done").count() == 0  # no training
        assert tensor_count(page) == baseline  # loaded only when first needed
        assert classify(page, picture) == before
        assert tensor_count(page) == baseline + 4

        with page.expect_download() as download:
            page.click(".studio button[data-action=export-project]")
        assert download.value.suggested_filename == "rpsls-project.zip"
        zipped = Path(download.value.path()).read_bytes()
        project = proj.read(zipped, "rpsls-project.zip")
        assert project.classes == ["rock", "paper", "scissors"]
        assert list(project.labels) == [0] * 3 + [1] * 3 + [2] * 3
        assert project.model is not None and project.model.samples == 9
        assert project.embedding.name == "mobilenet_v2" and project.embedding.cut == "embedding"
        assert project.settings == {"epochs": 5, "lr": 0.001, "batch": 16}

        # refused, each with the project untouched and no tensor left behind
        bad = tmp_path / "bad"
        bad.mkdir()
        doc = json.loads(zipfile.ZipFile(io.BytesIO(zipped)).read("project.json"))
        damaged_member = bytearray(zipfile.ZipFile(io.BytesIO(zipped)).read(proj.EMBEDDINGS))
        damaged_member[100] ^= 0x40
        cases = {
            "truncated.zip": (zipped[: len(zipped) // 2], "is damaged (not a readable zip"),
            "flipped.zip": (rezip(zipped, {proj.EMBEDDINGS: bytes(damaged_member)}),
                            f"is damaged ({proj.EMBEDDINGS} does not match its sha256"),
            "future.zip": (rezip(zipped, {"project.json": json.dumps(
                {**doc, "version": 2}).encode()}), "is a project of format version 2"),
            "other-model.zip": (rezip(zipped, {"project.json": json.dumps(
                {**doc, "embedding_model": {**doc["embedding_model"], "sha256": "0" * 64}}
            ).encode()}), "was made with another embedding model"),
        }
        for name, (data, text) in cases.items():
            (bad / name).write_bytes(data)
            refused(page, bad / name, text)
        r = page.evaluate("window.pytfjs.results")
        assert r["captured"] == 9 and r["model_state"] == "current"
        assert r["import_refused"] == "other-model.zip"
        assert tensor_count(page) == baseline + 4

        # importing over this project asks first; "Keep this project" keeps it
        (tmp_path / "rpsls-project.zip").write_bytes(zipped)
        import_file(page, tmp_path / "rpsls-project.zip")
        page.click(".studio-confirm button[data-action=keep-project]")
        page.wait_for_selector(".studio-messages li:has-text('Kept this project')")
        assert "imported" not in page.evaluate("window.pytfjs.results")

        # new samples: the model is out of date (it still predicts), and stays so after
        # a reload
        row(page, "paper").locator("input[data-action=files]").set_input_files(
            files["paper"][0])
        r = wait_for(page, "r.class_counts.paper === 4")
        assert r["model_state"] == "stale"
        state, text = status(page)
        assert state == "stale" and text.startswith("Out of date: ") and "Train" in text
        assert "suggested" in (page.get_attribute(".studio button[data-action=train]",
                                                  "class") or "")
        r = reload(page)
        assert r["model_state"] == "stale" and r["captured"] == 10
        assert "it is out of date, train to update it" in messages(page)

    # another computer: a fresh profile without a camera imports the project
    with camera_page(browser, tmp_path / "computer-b", deny=True) as page:
        r = start(page, site_url)
        fresh = tensor_count(page)
        import_file(page, tmp_path / "rpsls-project.zip")  # nothing here yet: no question
        r = wait_for(page, "r.imported === 'rpsls-project.zip'")
        assert r["classes"] == ["rock", "paper", "scissors"] and r["captured"] == 9
        assert r["model_state"] == "current"
        assert page.input_value(".studio input[data-setting=epochs]") == "5"
        assert classify(page, picture) == before  # bit for bit
        assert tensor_count(page) == fresh + 4

        # a write the browser refuses: IndexedDB's QuotaExceededError for the new head (this
        # Chromium ignores DevTools' Storage.overrideQuotaForOrigin, so the worker's
        # IDBObjectStore.put throws it, as a full disk makes it do)
        in_worker(page, """() => {
            const put = IDBObjectStore.prototype.put;
            IDBObjectStore.prototype.put = function (value, key) {
                if (key === 'model') {
                    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
                }
                return put.call(this, value, key);
            };
        }""")
        r = train(page, epochs=2)  # another head than the imported one
        assert r["storage_failed"] == "the trained model"
        said = messages(page)
        assert "Could not save the trained model in this browser's storage " \
            "(QuotaExceededError" in said and "What was saved before is still there" in said
        assert classify(page, picture) != before
        assert tensor_count(page) == fresh + 4  # the new head replaced the imported one
        r = reload(page)
        assert r["captured"] == 9 and r["model_state"] == "current"
        assert classify(page, picture) == before

    # Node.js (the Node-RED node's library) with the project (the zip, and unzipped) and
    # the site's MobileNetV2
    with zipfile.ZipFile(tmp_path / "rpsls-project.zip") as archive:
        archive.extractall(tmp_path / "unzipped")
    answers = []
    for source in (tmp_path / "rpsls-project.zip", tmp_path / "unzipped"):
        proc = subprocess.run(
            [shutil.which("node"), "examples/node/rpsls-classify.js", str(source),
             str(picture), str(dist_dir / models.MODEL_DIR)],
            capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        answers.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    node = answers[0]
    assert answers[1] == node
    labels = ["rock", "paper", "scissors"]
    assert node["class"] == labels[int(np.argmax(before))]
    np.testing.assert_allclose([node["probabilities"][n] for n in labels], before, atol=1e-4)
