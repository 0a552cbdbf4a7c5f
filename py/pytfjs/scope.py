"""Lifetimes: JS proxies of Python callables, temporary tensors, and ``tidy``.

Like Pyodide's ``pyodide/ffi/wrappers.py``, every proxy pytfjs creates is kept in a
registry and destroyed when the work that needed it is over, so nothing leaks across
a fit, a call or a lab run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import _compat


class ProxyRegistry:
    """Owns the JS proxies (and other JS resources) made for one piece of work.

    ``destroy()`` releases them all, newest first. The class-level ``live`` count lets
    tests check that nothing outlives its work.
    """

    live = 0

    def __init__(self, factory: Callable[[Callable[..., Any]], Any] | None = None) -> None:
        self._factory = factory or _compat.create_proxy
        self._proxies: list[Any] = []
        self._tensors: list[Any] = []

    def proxy(self, fn: Callable[..., Any]) -> Any:
        proxy = self._factory(fn)
        self._proxies.append(proxy)
        ProxyRegistry.live += 1
        return proxy

    def own_tensor(self, tensor: Any) -> Any:
        """Dispose ``tensor`` together with the proxies (a temporary argument)."""
        self._tensors.append(tensor)
        return tensor

    def __len__(self) -> int:
        return len(self._proxies)

    def destroy(self) -> None:
        while self._tensors:
            self._tensors.pop().dispose()
        while self._proxies:
            self._proxies.pop().destroy()
            ProxyRegistry.live -= 1

    def __enter__(self) -> ProxyRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()


class OwnedObjects:
    """Models and optimizers made during a lab run, disposed when the run ends.

    ``tf.tidy`` and engine scopes free tensors but not variables, and an optimizer keeps
    its learning-rate scalar with ``tf.keep``; the lab runner releases these through
    each owner's own ``dispose()``.
    """

    def __init__(self) -> None:
        self._items: list[Any] = []

    def add(self, obj: Any) -> None:
        if not any(obj == known for known in self._items):
            self._items.append(obj)

    def __len__(self) -> int:
        return len(self._items)

    def remove(self, obj: Any) -> None:
        self._items = [known for known in self._items if not obj == known]

    def dispose_all(self) -> int:
        count = 0
        while self._items:
            obj = self._items.pop(0)
            try:
                obj.dispose()
                count += 1
            except Exception:  # noqa: BLE001, S112 - already disposed by the lab itself
                continue
        return count


RUN_OWNED = OwnedObjects()
# Objects a lab keeps for after its run (a model behind a drawing pad); released when
# the next run starts. KEPT_VARIABLES: their variables, spared by the run's clean-up.
KEPT = OwnedObjects()
KEPT_VARIABLES: set[str] = set()


def keep(obj: Any) -> Any:
    """Let a model outlive the lab run (e.g. for a drawing pad) until the next run starts."""
    raw = getattr(obj, "js", obj)
    RUN_OWNED.remove(raw)
    KEPT.add(raw)
    for weight in getattr(raw, "weights", None) or []:
        KEPT_VARIABLES.add(str(weight.read().name))
    return obj


def release_kept() -> int:
    KEPT_VARIABLES.clear()
    return KEPT.dispose_all()


class Tidy:
    """Handle returned by :func:`tidy`: ``keep(t)`` lets a tensor outlive the block."""

    def __init__(self) -> None:
        self.kept: list[Any] = []

    def keep(self, tensor: Any) -> Any:
        self.kept.append(getattr(tensor, "js", tensor))
        return tensor


@contextmanager
def tidy() -> Iterator[Tidy]:
    """Dispose every tensor created inside the block, except those passed to ``keep``.

    The Python form of ``tf.tidy``; unlike it, the block may hold any Python code. Do
    not ``await`` inside it: other work running meanwhile would be tracked too.
    Kept tensors belong to the enclosing scope (for a lab, the run), as with tf.tidy.
    """
    engine = _compat.tf_module().engine()
    handle = Tidy()
    engine.startScope("pytfjs.tidy")
    try:
        yield handle
    finally:
        engine.endScope(_compat.to_js_value(handle.kept) if handle.kept else None)
