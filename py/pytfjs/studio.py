"""A webcam studio for transfer-learning labs: classes, samples, training, live predictions.

    studio = await Studio.open("rpsls", ["rock", "paper", "scissors"], embed)
    async for action in studio.actions():     # Train, a frame to predict, Export
        ...

The page shows the webcam (mirrored, like a mirror), one row per class (its name, sample
count and newest thumbnails, Capture / Hold to capture / Add photos buttons), the
training settings, and the live prediction. Everything you capture is turned into an
embedding at once by the lab's ``embed(square)`` function (uint8 [size, size, 3] ->
float32 vector) and kept as numpy in :class:`pytfjs.transfer.Samples` and in IndexedDB
(embedding + thumbnail, :mod:`pytfjs.studio_storage`), so it survives a reload. The
studio handles the bookkeeping (rename, add, remove, delete, clear, saving), one method
per kind of page event (the table ``EVENTS``); the lab gets only what it acts on:

- ``Action("train", settings=TrainSettings(epochs, lr, batch))`` when Train is pressed
  and every class has samples (call :meth:`Studio.trained` when training is done);
- ``Action("predict", square=..., source="webcam" | file name)``: a webcam frame while
  predicting (none while the tab is hidden), or a photo to classify; answer with
  :meth:`Studio.show_prediction`;
- ``Action("export")``.

The page side is ``site/js/page/studio.js`` (webcam, canvas, buttons); this module decides.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import _compat
from .control import InputError
from .prompts import InputFile, await_answer
from .reporting import report
from .studio_storage import SampleStorage
from .transfer import THUMB_SIZE, Samples

SHOWN_THUMBS = 6


@dataclass
class TrainSettings:
    """Learning rate, epochs and batch size for training the classifier head."""

    epochs: int = 20
    lr: float = 0.001
    batch: int = 16

    @classmethod
    def parse(cls, epochs: Any, lr: Any, batch: Any) -> TrainSettings:
        """From the page's text fields; InputError naming the field when one is wrong."""
        def number(text: Any, kind: type, name: str, low: float, high: float) -> Any:
            try:
                value = kind(str(text).strip())
            except ValueError:
                raise InputError(f"{name} must be {'a whole number' if kind is int else 'a number'}"
                                 f", not {str(text)!r}.") from None
            if not (low <= value <= high):
                raise InputError(f"{name} must be between {low:g} and {high:g}, not {value:g}.")
            return value

        return cls(epochs=number(epochs, int, "Epochs", 1, 1000),
                   lr=number(lr, float, "Learning rate", 1e-6, 1.0),
                   batch=number(batch, int, "Batch size", 1, 4096))


@dataclass
class Action:
    """Something the lab acts on: ``kind`` is "train", "predict" or "export"."""

    kind: str
    square: NDArray[Any] | None = None  # predict: uint8 [size, size, 3]
    source: str = ""  # predict: "webcam" or the photo's file name
    settings: TrainSettings | None = None  # train


class FrameRate:
    """Frames per second over the last ``window`` frames; a gap (hidden tab) restarts it.

    A gap is a pause far longer than the frames so far take: more than ``gap`` seconds and
    five times their mean interval. A slow computer whose every frame takes over a second
    still gets its (low) rate instead of 0.
    """

    def __init__(self, window: int = 10, gap: float = 1.0,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self._times: deque[float] = deque(maxlen=window)
        self._gap, self._clock = gap, clock

    def tick(self) -> float:
        now = self._clock()
        if len(self._times) >= 2:
            mean = (self._times[-1] - self._times[0]) / (len(self._times) - 1)
            if now - self._times[-1] > max(self._gap, 5 * mean):
                self._times.clear()
        self._times.append(now)
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])

    def reset(self) -> None:
        self._times.clear()


def _pixels(event: Any) -> NDArray[Any]:
    """RGB uint8 [h, w, 3] of a frame the page sent (RGBA bytes)."""
    width, height = int(event.width), int(event.height)
    rgba = np.empty((height, width, 4), np.uint8)
    event.pixels.assign_to(rgba.reshape(-1))
    return np.ascontiguousarray(rgba[..., :3])


class Studio:
    """The page's studio panel, driven from Python. Make one with :meth:`open`."""

    def __init__(self, page: Any, samples: Samples, embed: Callable[[NDArray[Any]], NDArray[Any]],
                 storage: SampleStorage, size: int = 224) -> None:
        self._js = page
        self.samples = samples
        self.embed = embed
        self.storage = storage
        storage.on_failure = self._storage_failed
        self.size = size
        self._trained_for: list[int] | None = None  # class ids the current model knows
        self._predicting = False
        self._rate = FrameRate()
        self._predicted: dict[str, int] = {}
        self._predictions = 0
        self._tensors: tuple[int, int] | None = None  # min, max tf.memory().numTensors

    # ---------------------------------------------------------------- start

    @classmethod
    async def open(cls, name: str, classes: Sequence[str],
                   embed: Callable[[NDArray[Any]], NDArray[Any]], *, size: int = 224,
                   settings: TrainSettings | None = None, rate: float = 5.0) -> Studio:
        """Show the studio; load the samples kept from earlier visits (IndexedDB ``name``).

        ``classes`` are the class names of a first visit; ``rate`` how many pictures a
        second "Hold to capture" takes at most; ``settings`` the training defaults.
        """
        page = _compat.ui()
        if page is None:
            raise _compat.BrowserRequired("the studio needs a lab page")
        settings = settings or TrainSettings()
        storage, problem = await SampleStorage.open(name)
        samples, dropped = await storage.load(classes)
        config = {"rate": max(0.1, float(rate)), "size": size, "thumb": THUMB_SIZE,
                  "settings": {"epochs": settings.epochs, "lr": settings.lr,
                               "batch": settings.batch}}
        studio = cls(page.studio(json.dumps(config)), samples, embed, storage, size)
        await storage.drop(dropped)
        await storage.save_classes(samples)
        studio._render()
        if problem:
            studio.say(f"{problem}. Samples are kept only until you leave this page.", "error")
        elif len(samples):
            studio.say(f"{len(samples)} samples from your last visit are back (kept in this "
                       "browser). Clear all samples removes them.")
        studio._report()
        return studio

    # ---------------------------------------------------------------- the lab's side

    def stop_requested(self) -> bool:
        """True once "Stop training" was pressed (pass it to ``fit(stop=...)``)."""
        return bool(self._js.stopTraining)

    def trained(self, message: str) -> None:
        """Training is done: predicting and exporting are possible; ``message`` says how well."""
        self._trained_for = [c.id for c in self.samples.classes]
        self.say(message, "done")
        self._mode()

    def say(self, text: str, kind: str = "note") -> None:
        """A message in the studio ("note", "done" or "error"; errors are announced)."""
        self._js.say(text, kind)
        if kind == "error":
            print(f"Problem: {text}")

    def show_prediction(self, probabilities: Sequence[float], source: str = "webcam") -> None:
        """Show a prediction: the top class, a bar per class, frames per second."""
        p = [float(v) for v in probabilities]
        labels = self.samples.names
        if len(p) != len(labels):
            raise ValueError(f"{len(p)} probabilities for {len(labels)} classes")
        top = int(np.argmax(p))
        shown: dict[str, Any] = {"labels": labels, "probabilities": p, "top": top,
                                 "source": source}
        if source == "webcam":
            self._predictions += 1
            self._predicted[labels[top]] = self._predicted.get(labels[top], 0) + 1
            shown["fps"] = fps = self._rate.tick()
            report(predictions=self._predictions, predicted=dict(self._predicted),
                   top_class=labels[top], probabilities=p, fps=round(fps, 2))
        else:
            report(photo=source, photo_top1=labels[top], photo_probabilities=p)
        self._js.prediction(json.dumps(shown))

    # ---------------------------------------------------------------- events

    async def actions(self) -> AsyncIterator[Action]:
        """What the lab acts on, as the learner clicks (ends when the run is stopped)."""
        while True:
            event = await await_answer(self._js.next())
            try:
                action = await self._handle(event)
            except InputError as problem:
                self.say(str(problem), "error")
                continue
            if action is None:
                continue
            if action.kind == "train":
                self._js.stopTraining = False
                self._mode(training=True)
                try:
                    yield action
                finally:
                    self._mode(training=False)
            else:
                yield action

    async def _handle(self, event: Any) -> Action | None:
        """Apply one page event (``EVENTS`` says which method); the action for the lab,
        if any. When there is none, most events end with the studio's figures reported."""
        kind = str(event.kind)
        route = EVENTS.get(kind)
        if route is None:
            raise ValueError(f"unknown studio event {kind!r}")
        action = await route.handle(self, event)
        if action is None and route.report:
            self._report()
        return action

    # ---------------------------------------------------------------- events, one each

    async def _on_camera(self, event: Any) -> None:
        if bool(event.ok):
            report(camera=f"{int(event.width)}x{int(event.height)}")
            return
        reason = str(event.reason)
        report(camera="none")
        self.say(f"No webcam: {reason}. You can still add photos from files for each class, "
                 "and classify a photo file.", "error")

    async def _on_capture(self, event: Any) -> None:
        await self._capture(int(event.classId), _pixels(event))

    async def _on_files(self, event: Any) -> None:
        await self._add_files(int(event.classId), list(event.files))

    async def _on_rename(self, event: Any) -> None:
        try:
            self.samples.rename(int(event.classId), str(event.name))
        except InputError:
            self._render()  # back to the name it had
            raise
        await self.storage.save_classes(self.samples)
        self._render()

    async def _on_add_class(self, event: Any) -> None:
        info = self.samples.add_class()
        await self.storage.save_classes(self.samples)
        self._render()
        self.say(f"Added {info.name!r}: rename it, then capture its samples.")

    async def _on_remove_class(self, event: Any) -> None:
        info = self.samples.find(int(event.classId))
        removed = self.samples.remove_class(info.id)
        await self.storage.delete(removed)
        await self.storage.save_classes(self.samples)
        self._render()
        self.say(f"Removed {info.name!r} and its {len(removed)} samples.")

    async def _on_clear_class(self, event: Any) -> None:
        info = self.samples.find(int(event.classId))
        removed = self.samples.remove_samples_of(info.id)
        await self.storage.delete(removed)
        self._render_class(info.id)
        self.say(f"Deleted the {len(removed)} samples of {info.name!r}.")

    async def _on_delete_sample(self, event: Any) -> None:
        class_id = self.samples.remove(int(event.sampleId))
        await self.storage.delete([int(event.sampleId)])
        self._render_class(class_id)

    async def _on_clear(self, event: Any) -> None:
        count = len(self.samples)
        self.samples.clear()
        await self.storage.clear()
        self._render()
        self.say(f"Cleared all {count} samples (here and in this browser's storage).")

    async def _on_predicting(self, event: Any) -> None:
        self._set_predicting(bool(event.on) and self._ready("predict"))

    async def _on_frame(self, event: Any) -> Action | None:
        if self._predicting and self._ready("predict"):
            from .data import images

            return Action("predict", images.center_square(_pixels(event), self.size), "webcam")
        return None

    async def _on_classify(self, event: Any) -> Action | None:
        from .data import images

        if not self._ready("classify a photo"):
            return None
        file = event.file
        photo = await images.read(InputFile(str(file.name), int(file.size), file))
        return Action("predict", images.center_square(photo.pixels, self.size), photo.name)

    async def _on_train(self, event: Any) -> Action:
        settings = TrainSettings.parse(event.epochs, event.lr, event.batch)
        problem = self.samples.training_problem()
        if problem:
            raise InputError(problem)
        self._set_predicting(False)
        self.say(f"Training on {len(self.samples)} samples ({settings.epochs} epochs)...")
        return Action("train", settings=settings)

    async def _on_export(self, event: Any) -> Action | None:
        return Action("export") if self._ready("export") else None

    # ---------------------------------------------------------------- samples

    async def _capture(self, class_id: int, frame: NDArray[Any]) -> int:
        from . import memory
        from .data import images

        square = images.center_square(frame, self.size)
        sample_id = self.samples.add(class_id, self.embed(square),
                                     images.resize_area(square, THUMB_SIZE, THUMB_SIZE))
        tensors = int(memory()["numTensors"])
        low, high = self._tensors or (tensors, tensors)
        self._tensors = (min(low, tensors), max(high, tensors))
        await self.storage.save(self.samples, sample_id)
        self._render_class(class_id)
        return sample_id

    async def _add_files(self, class_id: int, files: list[Any]) -> None:
        from .data import images

        name = self.samples.find(class_id).name
        added, problems = 0, []
        for file in files:
            try:
                photo = await images.read(InputFile(str(file.name), int(file.size), file))
            except InputError as problem:
                problems.append(str(problem))
                continue
            await self._capture(class_id, photo.pixels)
            added += 1
        if added:
            self.say(f"Added {added} photo{'s' if added != 1 else ''} to {name!r}.")
        if problems:
            raise InputError(" ".join(problems))

    def _ready(self, what: str) -> bool:
        """True if a model trained on the current classes exists; else say why not."""
        current = [c.id for c in self.samples.classes]
        if self._trained_for == current:
            return True
        if self._trained_for is None:
            self.say(f"Train first, then {what}.", "error")
        else:
            self.say(f"The classes changed since the last training: train again to {what}.",
                     "error")
            self._trained_for = None
            self._set_predicting(False)
        return False

    def _set_predicting(self, on: bool) -> None:
        if on and not self._predicting:
            self._rate.reset()
            self._predicted, self._predictions = {}, 0
        self._predicting = on
        self._mode()

    def _storage_failed(self, exc: BaseException) -> None:
        detail = str(exc).split("\n")[0]
        self.say(f"Could not save to this browser's storage ({detail}); your samples are "
                 "kept until you leave this page.", "error")

    # ---------------------------------------------------------------- the page

    def _render(self) -> None:
        counts = self.samples.counts()
        self._js.classes(json.dumps([{"id": c.id, "name": c.name, "count": counts[c.id]}
                                     for c in self.samples.classes]))
        for info in self.samples.classes:
            self._render_class(info.id)
        self._mode()

    def _render_class(self, class_id: int) -> None:
        recent = self.samples.recent(class_id, SHOWN_THUMBS)
        blank = np.zeros((THUMB_SIZE, THUMB_SIZE, 3), np.uint8)
        thumbs = np.stack([t if t is not None else blank for _, t in recent]) if recent \
            else np.zeros((0, THUMB_SIZE, THUMB_SIZE, 3), np.uint8)
        self._js.samples(class_id, self.samples.count(class_id),
                         json.dumps([i for i, _ in recent]),
                         _compat.array_buffer(thumbs.tobytes()))

    def _mode(self, training: bool = False) -> None:
        trained = self._trained_for == [c.id for c in self.samples.classes]
        self._js.mode(json.dumps({"training": training, "trained": trained,
                                  "predicting": self._predicting and trained}))

    def _report(self) -> None:
        counts = self.samples.counts()
        values: dict[str, Any] = {
            "captured": len(self.samples), "embedding_bytes": self.samples.nbytes,
            "thumbnail_bytes": self.samples.thumbnail_bytes,
            "classes": self.samples.names,
            "class_counts": {c.name: counts[c.id] for c in self.samples.classes}}
        if self._tensors is not None:
            values["capture_tensors"] = list(self._tensors)
        report(**values)


class _Route(NamedTuple):
    """How the studio applies one kind of page event."""

    handle: Callable[[Studio, Any], Awaitable[Action | None]]
    report: bool  # report the studio's figures after it when the lab has nothing to do


# page event (site/js/studio.js) -> the method that applies it
EVENTS: dict[str, _Route] = {
    "camera": _Route(Studio._on_camera, report=True),
    "capture": _Route(Studio._on_capture, report=True),
    "files": _Route(Studio._on_files, report=True),
    "rename": _Route(Studio._on_rename, report=True),
    "add-class": _Route(Studio._on_add_class, report=True),
    "remove-class": _Route(Studio._on_remove_class, report=True),
    "clear-class": _Route(Studio._on_clear_class, report=True),
    "delete-sample": _Route(Studio._on_delete_sample, report=True),
    "clear": _Route(Studio._on_clear, report=True),
    "predicting": _Route(Studio._on_predicting, report=False),
    "frame": _Route(Studio._on_frame, report=True),
    "classify": _Route(Studio._on_classify, report=False),
    "train": _Route(Studio._on_train, report=False),
    "export": _Route(Studio._on_export, report=True),
}
