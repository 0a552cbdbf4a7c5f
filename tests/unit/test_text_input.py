"""Sentences typed by the learner (pytfjs.text.sentences) and the table's meter cells."""

from __future__ import annotations

import pytest

from pytfjs import ui
from pytfjs.control import InputError
from pytfjs.text import sentences


def test_one_sentence_per_non_blank_line() -> None:
    assert sentences("  you suck \r\n\n\t\nHave a nice day!\n") == ["you suck",
                                                                  "Have a nice day!"]


@pytest.mark.parametrize("text", ["", "\n", " \t\r\n  \n"])
def test_no_sentence_is_refused_with_what_to_do(text: str) -> None:
    with pytest.raises(InputError, match="type or paste at least one sentence, one per line"):
        sentences(text)


def test_too_much_text_is_refused_before_splitting() -> None:
    with pytest.raises(InputError, match="has 1,000,001 characters; this page scores up to "
                                         "1,000,000 at once"):
        sentences("a\n" * 500_000 + "a")
    assert len(sentences("ab\n" * 300_000)) == 300_000


def test_meter_cells() -> None:
    assert ui.meter(0.25, "0.250", low=0.1, high=0.9) == {"meter": 0.25, "text": "0.250",
                                                          "low": 0.1, "high": 0.9}
    assert ui.meter(1) == {"meter": 1.0, "text": ""}
