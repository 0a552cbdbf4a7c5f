"""The studio's decisions that need no browser: training settings, frames per second, which
method applies each page event (with no IndexedDB behind it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytfjs import _compat, studio
from pytfjs.control import InputError
from pytfjs.studio import EVENTS, FrameRate, TrainSettings
from pytfjs.studio_storage import SampleStorage
from testkit.studio_fakes import Event, FakePage, step


def test_training_settings_from_the_page_fields():
    assert TrainSettings.parse("30", "0.0003", " 8 ") == TrainSettings(30, 0.0003, 8)
    with pytest.raises(InputError, match="Epochs must be a whole number, not 'ten'"):
        TrainSettings.parse("ten", "0.001", "16")
    with pytest.raises(InputError, match="Learning rate must be between 1e-06 and 1, not 5"):
        TrainSettings.parse("10", "5", "16")
    with pytest.raises(InputError, match="Batch size must be between 1 and 4096, not 0"):
        TrainSettings.parse("10", "0.001", "0")


def test_frame_rate_counts_recent_frames_and_restarts_after_a_gap():
    now = [0.0]
    rate = FrameRate(window=5, gap=1.0, clock=lambda: now[0])
    assert rate.tick() == 0.0
    for _ in range(4):
        now[0] += 0.1
        value = rate.tick()
    assert value == pytest.approx(10.0)
    now[0] += 5.0  # the tab was hidden
    assert rate.tick() == 0.0
    now[0] += 0.5
    assert rate.tick() == pytest.approx(2.0)


def test_frame_rate_of_a_slow_computer_is_not_zero():
    """Frames 1.5 s apart (a loaded or old computer) are a slow rate, not a gap each time."""
    now = [0.0]
    rate = FrameRate(window=5, gap=1.0, clock=lambda: now[0])
    rate.tick()
    for _ in range(6):
        now[0] += 1.5
        value = rate.tick()
    assert value == pytest.approx(1 / 1.5)







def test_every_event_the_page_sends_has_a_handler():
    site_js = Path(__file__).resolve().parents[2] / "site" / "js"
    js = next(site_js.rglob("studio.js")).read_text()  # wherever the page's scripts sit
    sent = set(re.findall(r'push\(\{ kind: "([\w-]+)"', js))
    assert len(sent) == 17 and sent == set(EVENTS)


def test_the_studio_dispatches_events_and_keeps_no_storage_without_indexeddb(monkeypatch):
    reported = []
    monkeypatch.setattr(_compat, "array_buffer", bytes)
    monkeypatch.setattr(studio, "report", lambda **values: reported.append(values))
    storage = SampleStorage(None)
    samples, dropped = step(storage.load(["rock", "paper"]))
    assert samples.names == ["rock", "paper"] and dropped == []
    page = FakePage()
    box = studio.Studio(page, samples, embed=lambda square: square, storage=storage)
    assert storage.on_failure == box._storage_failed

    assert step(box._handle(Event("add-class"))) is None
    assert len(samples.names) == 3 and reported[-1]["classes"] == samples.names
    said = [args for name, args in page.calls if name == "say"]
    assert said[-1][0].startswith(f"Added {samples.names[2]!r}")
    count = len(reported)
    assert step(box._handle(Event("export"))) is None  # not trained: said, and reported
    assert [args for name, args in page.calls if name == "say"][-1] == (
        "Train first, then export.", "error")
    assert len(reported) == count + 1
    assert step(box._handle(Event("predicting", on=True))) is None  # not reported
    assert len(reported) == count + 1
    assert step(box._handle(Event("classify", file=None))) is None
    assert len(reported) == count + 1
    with pytest.raises(InputError):  # no samples yet
        step(box._handle(Event("train", epochs="5", lr="0.01", batch="4")))
    with pytest.raises(ValueError, match="unknown studio event 'dance'"):
        step(box._handle(Event("dance")))
