"""Text typed or pasted by the learner, one sentence per line."""

from __future__ import annotations

from ..control import InputError

MAX_CHARS = 1_000_000


def sentences(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """The non-blank lines of ``text``, stripped; InputError for none or too much text."""
    if len(text) > max_chars:
        raise InputError(f"The text has {len(text):,} characters; this page scores up to "
                         f"{max_chars:,} at once. Split it into smaller parts.")
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise InputError("There is no sentence to score: type or paste at least one "
                         "sentence, one per line.")
    return lines
