"""Stand-ins for driving ``pytfjs.studio`` on CPython: a coroutine stepped by hand, the
page's studio handle that records each call, and a page event. The unit tests of the
studio and of its project files share them."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any


def step(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never waits (stepped by hand, not asyncio.run: see
    test_images.test_decoding_needs_the_browser); fails if it waits."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine waited")


class FakePage:
    """The studio handle the page gives Python, recording each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self.calls.append((name, args))

    def said(self) -> list[Any]:
        """What the studio said (its ``say`` calls), in order."""
        return [args[0] for name, args in self.calls if name == "say"]


class Event:
    """A page event: its ``kind`` and fields, as attributes."""

    def __init__(self, kind: str, **fields: Any) -> None:
        self.kind = kind
        self.__dict__.update(fields)
