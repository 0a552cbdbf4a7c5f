"""The studio's decisions that need no browser: training settings, frames per second."""

from __future__ import annotations

import pytest

from pytfjs.control import InputError
from pytfjs.studio import FrameRate, TrainSettings


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
