"""Keep data in the browser between visits: IndexedDB tables, from Python.

    store = await Store.open("pytfjs-rpsls", ["samples", "meta"])
    await store.put("samples", 7, {"label": 2, "embedding": vector.tobytes()})
    for key, value in await store.all("samples"): ...

Values are flat dicts of numbers, strings and bytes (bytes are stored as ArrayBuffers).
Every write returns once IndexedDB has committed it. The data stays on this computer,
in this browser's storage for the site, until it is cleared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import _compat
from .control import InputError
from .i18n import _

Key = int | str
Value = int | float | str | bytes | bool | None


class StoreUnavailable(InputError):  # noqa: N818 - reads as the situation it names
    """The browser gives this page no IndexedDB (a private window, storage turned off)."""


def _js_value(value: Value) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _compat.array_buffer(bytes(value))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(_("store values are numbers, strings or bytes, not {type}")
                    .format(type=type(value).__name__))


def _py_value(value: Any) -> Value:
    if isinstance(value, _compat.JsProxy):
        if hasattr(value, "to_bytes"):
            return bytes(value.to_bytes())
        raise TypeError(_("unexpected stored value {value!r}").format(value=value))
    plain: Value = value
    return plain


class Store:
    """An IndexedDB database of this site with a fixed set of tables."""

    def __init__(self, raw: Any, name: str) -> None:
        self._js = raw
        self.name = name

    @classmethod
    async def open(cls, name: str, tables: Sequence[str]) -> Store:
        try:
            raw = await _compat.open_store(name, list(tables))
        except _compat.JsException as exc:
            detail = _compat.error_text(exc)
            raise StoreUnavailable(_("cannot keep data in this browser: {detail}")
                                   .format(detail=detail)) from None
        return cls(raw, name)

    async def put(self, table: str, key: Key, value: dict[str, Value]) -> None:
        record = _compat.new_object()
        for field, item in value.items():
            setattr(record, field, _js_value(item))
        await self._js.put(table, key, record)

    async def get(self, table: str, key: Key) -> dict[str, Value] | None:
        raw = await self._js.get(table, key)
        return None if raw is None else self._record(raw)

    async def delete(self, table: str, keys: Iterable[Key]) -> None:
        keys = list(keys)
        if keys:
            await self._js.delete(table, _compat.to_js_value(keys))

    async def clear(self, table: str) -> None:
        await self._js.clear(table)

    async def replace(self, table: str, items: Sequence[tuple[Key, dict[str, Value]]]) -> None:
        """Empty ``table`` and put ``items`` in one transaction: if the browser refuses any
        of it (quota), the table keeps what it had."""
        keys, values = [], []
        for key, value in items:
            record = _compat.new_object()
            for field, item in value.items():
                setattr(record, field, _js_value(item))
            keys.append(key)
            values.append(record)
        await self._js.replace(table, _compat.to_js_value(keys), _compat.to_js_value(values))

    async def all(self, table: str) -> list[tuple[Key, dict[str, Value]]]:
        """Every (key, value) of ``table``, in key order."""
        found = await self._js.all(table)
        keys = found.keys.to_py()
        return [(key, self._record(found.values[i])) for i, key in enumerate(keys)]

    @staticmethod
    def _record(raw: Any) -> dict[str, Value]:
        return {str(k): _py_value(getattr(raw, k)) for k in _compat.js_keys(raw)}

    def close(self) -> None:
        self._js.close()
