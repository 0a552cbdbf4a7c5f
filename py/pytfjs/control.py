"""Run control shared by the runner and training: the Stop request and its exception."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .i18n import _


class Stopped(Exception):  # noqa: N818 - it is a user action, not an error
    """The learner pressed Stop; the run ends here, cleanly."""


class InputError(ValueError):
    """Bad input from the learner (a file, a choice): shown as a message, not a traceback."""


class StopFlag:
    def __init__(self) -> None:
        self.requested = False
        # fits running now: they stop at their next batch by themselves, and their awaited
        # TF.js work must not be cut off (the runner then frees what it still uses)
        self.training = 0

    @contextlib.contextmanager
    def training_scope(self) -> Iterator[None]:
        """Mark a fit as running (Stop lets it end at its next batch instead of cancelling)."""
        self.training += 1
        try:
            yield
        finally:
            self.training -= 1

    def request(self) -> None:
        self.requested = True

    def clear(self) -> None:
        self.requested = False

    def check(self, where: str = "") -> None:
        """Raise :class:`Stopped` if Stop was pressed (call it in long Python loops)."""
        if self.requested:
            raise Stopped(_("Stopped by you {where}.").format(where=where) if where else
                          _("Stopped by you."))


STOP = StopFlag()
