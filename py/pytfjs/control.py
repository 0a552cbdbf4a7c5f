"""Run control shared by the runner and training: the Stop request and its exception."""

from __future__ import annotations


class Stopped(Exception):  # noqa: N818 - it is a user action, not an error
    """The learner pressed Stop; the run ends here, cleanly."""


class InputError(ValueError):
    """Bad input from the learner (a file, a choice): shown as a message, not a traceback."""


class StopFlag:
    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True

    def clear(self) -> None:
        self.requested = False

    def check(self, where: str = "") -> None:
        """Raise :class:`Stopped` if Stop was pressed (call it in long Python loops)."""
        if self.requested:
            raise Stopped(f"Stopped by you{(' ' + where) if where else ''}.")


STOP = StopFlag()
