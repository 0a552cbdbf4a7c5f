"""Text typed or pasted by the learner, one sentence per line."""

from __future__ import annotations

import unicodedata

from .. import limits
from ..control import InputError
from ..i18n import _

MAX_CHARS = limits.TEXT_MAX_CHARS
# control, format (zero-width, direction marks), unassigned, private use, surrogate,
# separators and lone combining marks: nothing a reader would see as a word
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me", "Mc"}


def visible(text: str) -> bool:
    """True if ``text`` has at least one character a person would see."""
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in text)


def sentences(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """The lines of ``text`` that have a visible character, stripped; InputError for none
    (only spaces, control or zero-width characters) or too much text."""
    if len(text) > max_chars:
        raise InputError(_("The text has {n:,} characters; this page scores up to "
                         "{max_chars:,} at once. Split it into smaller parts.")
                             .format(n=len(text), max_chars=max_chars))
    lines = [line.strip() for line in text.splitlines()]
    if any(lines) and not any(visible(line) for line in lines):
        raise InputError(_("The text has no visible characters (only spaces, control or "
                         "zero-width characters): there is no sentence to score. Type or "
                         "paste at least one sentence, one per line."))
    lines = [line for line in lines if line and visible(line)]
    if not lines:
        raise InputError(_("There is no sentence to score: type or paste at least one "
                         "sentence, one per line."))
    return lines
