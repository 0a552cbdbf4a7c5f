"""Where the studio keeps its samples between visits: two IndexedDB tables.

``samples`` holds one record per sample (its class id, float32 embedding and uint8
thumbnail, as bytes) keyed by the sample's id; ``meta`` holds the classes (names, ids,
order) as JSON under ``classes``, and the trained head under ``model`` (its TF.js
``model.json`` and ``weights.bin`` as bytes, and what it was trained on as JSON).
Its own class, apart from :class:`pytfjs.studio.Studio`, so the studio's
event handlers say what changed and this says how it is kept. Without IndexedDB (a
private window) nothing is kept and every method does nothing; a write the browser
refuses is passed to ``on_failure`` (the studio says it) and the samples stay in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _compat
from .control import InputError
from .i18n import _
from .store import Key, Store, StoreUnavailable, Value
from .transfer import THUMB_SIZE, Samples

SAMPLES, META = "samples", "meta"


def _ignore(_exc: BaseException, _what: str = "samples") -> None:
    pass


def _bytes(value: Value) -> bytes:
    """A stored bytes field; TypeError (an unusable record) for anything else."""
    if not isinstance(value, bytes):
        raise TypeError(_("expected bytes, not {type}").format(type=type(value).__name__))
    return value


def _length(value: Value) -> int:
    """``len`` of a stored field (a thumbnail of the wrong size is left out, not refused)."""
    if not isinstance(value, (bytes, str)):
        raise TypeError(_("{type} has no length").format(type=type(value).__name__))
    return len(value)


def _whole(value: Value) -> int:
    """A stored number field; TypeError or ValueError (an unusable record) if it is none."""
    if value is None:
        raise TypeError(_("expected a number, not None"))
    return int(value)


class SampleStorage:
    """The studio's samples in IndexedDB database ``pytfjs-<name>``, or nowhere."""

    def __init__(self, store: Store | None) -> None:
        self._store = store
        self.on_failure: Callable[[BaseException, str], None] = _ignore

    @classmethod
    async def open(cls, name: str) -> tuple[SampleStorage, str]:
        """The storage of studio ``name`` and, when the browser gives no IndexedDB, why."""
        try:
            return cls(await Store.open(f"pytfjs-{name}", [SAMPLES, META])), ""
        except StoreUnavailable as exc:
            return cls(None), str(exc)

    async def load(self, default_names: Sequence[str]) -> tuple[Samples, list[Any]]:
        """The samples kept from earlier visits and the keys of unusable ones (to drop)."""
        if self._store is None:
            return Samples(default_names), []
        meta = await self._store.get(META, "classes")
        samples = Samples.from_meta(json.loads(str(meta["json"])), default_names) if meta \
            else Samples(default_names)
        dropped = []
        for key, value in await self._store.all(SAMPLES):
            try:
                embedding = np.frombuffer(_bytes(value["embedding"]), np.float32)
                thumb_bytes = value.get("thumb") or b""
                thumb = np.frombuffer(_bytes(thumb_bytes), np.uint8).reshape(
                    THUMB_SIZE, THUMB_SIZE, 3) \
                    if _length(thumb_bytes) == THUMB_SIZE * THUMB_SIZE * 3 else None
                samples.add(_whole(value["label"]), embedding, thumb, sample_id=int(key))
            except (InputError, KeyError, TypeError, ValueError):
                dropped.append(key)
        return samples, dropped

    async def drop(self, keys: list[Any]) -> None:
        """Delete unusable records found by :meth:`load` (a failure here is raised)."""
        if self._store is not None and keys:
            await self._store.delete(SAMPLES, keys)

    async def save(self, samples: Samples, sample_id: int) -> None:
        """Keep one new sample."""
        if self._store is None:
            return
        thumb = samples.thumbnail(sample_id)
        record: dict[str, Value] = {
            "label": samples.label(sample_id),
            "embedding": samples.embedding(sample_id).tobytes(),
            "thumb": b"" if thumb is None else thumb.tobytes()}
        try:
            await self._store.put(SAMPLES, sample_id, record)
        except _compat.JsException as exc:
            self.on_failure(exc, "samples")

    async def delete(self, ids: list[int]) -> None:
        """Forget these samples."""
        if self._store is not None and ids:
            try:
                await self._store.delete(SAMPLES, ids)
            except _compat.JsException as exc:
                self.on_failure(exc, "samples")

    async def save_classes(self, samples: Samples) -> None:
        """Keep the classes as they are now (names, ids, order)."""
        if self._store is not None:
            try:
                await self._store.put(META, "classes",
                                      {"json": json.dumps(samples.meta_record())})
            except _compat.JsException as exc:
                self.on_failure(exc, "samples")

    async def clear(self) -> None:
        """Forget every sample (the classes stay)."""
        if self._store is not None:
            await self._store.clear(SAMPLES)

    @property
    def kept(self) -> bool:
        """True when there is an IndexedDB to keep things in."""
        return self._store is not None

    async def save_model(self, files: dict[str, bytes], record: dict[str, Any]) -> bool:
        """Keep a trained head (replacing the one kept); False (and ``on_failure`` told)
        if the browser refused: the head kept before stays as it was."""
        if self._store is None:
            return False
        try:
            await self._store.put(META, "model", {
                "json": json.dumps(record), "model": files["model.json"],
                "weights": files["weights.bin"]})
        except _compat.JsException as exc:
            self.on_failure(exc, "the trained model")
            return False
        return True

    async def load_model(self) -> tuple[dict[str, bytes], dict[str, Any]] | None:
        """The kept head's files and record, or None (none kept, or unusable)."""
        if self._store is None:
            return None
        value = await self._store.get(META, "model")
        if not value:
            return None
        try:
            return ({"model.json": _bytes(value["model"]),
                     "weights.bin": _bytes(value["weights"])}, json.loads(str(value["json"])))
        except (KeyError, TypeError, ValueError):
            return None

    async def drop_model(self) -> None:
        if self._store is not None:
            try:
                await self._store.delete(META, ["model"])
            except _compat.JsException as exc:
                self.on_failure(exc, "the trained model")

    async def replace(self, samples: Samples) -> bool:
        """Keep ``samples`` (and their classes) instead of everything kept so far; False
        if a write was refused (``on_failure`` was told): then the samples kept before
        are still there."""
        if self._store is None:
            return False
        items: list[tuple[Key, dict[str, Value]]] = []
        for sample_id in samples.ids():
            thumb = samples.thumbnail(sample_id)
            items.append((sample_id, {
                "label": samples.label(sample_id),
                "embedding": samples.embedding(sample_id).tobytes(),
                "thumb": b"" if thumb is None else thumb.tobytes()}))
        try:  # the samples in one transaction (all or none), then their classes
            await self._store.replace(SAMPLES, items)
            await self._store.put(META, "classes", {"json": json.dumps(samples.meta_record())})
        except _compat.JsException as exc:
            self.on_failure(exc, "samples")
            return False
        return True
