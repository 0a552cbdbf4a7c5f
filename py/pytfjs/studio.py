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
- ``Action("export")``;
- ``Action("model", head=...)``: a trained head to predict with instead of the lab's own
  (dispose the old one): the head kept from the last visit (loaded into TF.js just before
  the first prediction or export needs it, so a visit that only trains loads none) or the
  one of an imported project (``head=None`` if it has none).

The studio keeps the trained head beside the samples (:meth:`Studio.trained` saves it)
and says when the samples changed since it was trained; "Export project" and "Import
project" move samples, head and settings as one zip (:mod:`pytfjs.project`), which the
studio writes and reads itself.

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
from .i18n import _, ngettext, number
from .output import download
from .project import (
    EmbeddingModel,
    Project,
    ProjectError,
    TrainedModel,
    kept_model_record,
    same_embeddings,
    samples_digest,
)
from .project import read as read_project
from .project import write as write_project
from .prompts import InputFile, await_answer
from .reporting import report
from .studio_storage import SampleStorage
from .transfer import EMBEDDING_SIZE, THUMB_SIZE, Samples

SHOWN_THUMBS = 6
MAX_PROJECT_BYTES = 256 * 1024 * 1024


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
                message = (_("{name} must be a whole number, not {text!r}.") if kind is int
                           else _("{name} must be a number, not {text!r}."))
                raise InputError(message.format(name=name, text=str(text))) from None
            if not (low <= value <= high):
                raise InputError(_("{name} must be between {low:g} and {high:g}, not {value:g}.")
                                 .format(name=name, low=low, high=high, value=value))
            return value

        return cls(epochs=number(epochs, int, _("Epochs"), 1, 1000),
                   lr=number(lr, float, _("Learning rate"), 1e-6, 1.0),
                   batch=number(batch, int, _("Batch size"), 1, 4096))


@dataclass
class Action:
    """Something the lab acts on: ``kind`` is "train", "predict", "export" or "model"."""

    kind: str
    square: NDArray[Any] | None = None  # predict: uint8 [size, size, 3]
    source: str = ""  # predict: "webcam" or the photo's file name
    settings: TrainSettings | None = None  # train
    head: Any = None  # model: a TF.js LayersModel (or None)


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


def _rgba(event: Any) -> NDArray[Any]:
    """RGBA uint8 [h, w, 4] of a frame the page sent (RGBA bytes): the alpha is dropped
    after the frame is cut to its square (``images.rgb_square``)."""
    width, height = int(event.width), int(event.height)
    rgba = np.empty((height, width, 4), np.uint8)
    event.pixels.assign_to(rgba.reshape(-1))
    return rgba


class Studio:
    """The page's studio panel, driven from Python. Make one with :meth:`open`."""

    def __init__(self, page: Any, samples: Samples, embed: Callable[[NDArray[Any]], NDArray[Any]],
                 storage: SampleStorage, size: int = 224, name: str = "studio",
                 embedding: EmbeddingModel | None = None,
                 settings: TrainSettings | None = None) -> None:
        self._js = page
        self.name = name
        self.samples = samples
        self.embed = embed
        self.storage = storage
        storage.on_failure = self._storage_failed
        self.size = size
        self.embedding = embedding or EmbeddingModel("unnamed", "embedding", "",
                                                     samples.embedding_size)
        self.settings = settings or TrainSettings()
        self.model: TrainedModel | None = None  # the head the lab predicts with, as files
        self._stale = False  # the samples changed since the model was trained
        self._pending: tuple[Project, str] | None = None  # an import awaiting "Replace"
        self._unloaded = False  # self.model is kept, but not loaded into TF.js yet
        self._queued: list[Action] = []  # actions for the lab before the next page event
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
                   settings: TrainSettings | None = None, rate: float = 5.0,
                   embedding: EmbeddingModel | None = None) -> Studio:
        """Show the studio; load the samples and the trained head kept from earlier visits
        (IndexedDB ``name``).

        ``classes`` are the class names of a first visit; ``rate`` how many pictures a
        second "Hold to capture" takes at most; ``settings`` the training defaults;
        ``embedding`` the identity of the network ``embed`` runs (projects made with
        another are refused, a head kept for another is dropped).
        """
        page = _compat.ui()
        if page is None:
            raise _compat.BrowserRequired(_("the studio needs a lab page"))
        settings = settings or TrainSettings()
        storage, problem = await SampleStorage.open(name)
        samples, dropped = await storage.load(classes)
        config = {"rate": max(0.1, float(rate)), "size": size, "thumb": THUMB_SIZE,
                  "settings": {"epochs": settings.epochs, "lr": settings.lr,
                               "batch": settings.batch}}
        studio = cls(page.studio(json.dumps(config)), samples, embed, storage, size, name,
                     embedding, settings)
        await storage.drop(dropped)
        await storage.save_classes(samples)
        studio._render()
        if problem:
            studio.say(_("{problem}. Samples are kept only until you leave this page.")
                       .format(problem=problem), "error")
        elif len(samples):
            studio.say(_("{n} samples from your last visit are back (kept in this "
                       "browser). Clear all samples removes them.").format(n=len(samples)))
        await studio._load_kept_model()
        studio._report()
        return studio

    async def _load_kept_model(self) -> None:
        """The head kept by the last training, if it fits these classes and this embedding
        model: queued for the lab as ``Action("model")``; said if it is out of date."""
        kept = await self.storage.load_model()
        if kept is None:
            return
        files, record = kept
        current = [c.id for c in self.samples.classes]
        try:
            model = TrainedModel.from_record(files, record)
            made = record["embedding_model"]
            fits = (record.get("class_ids") == current and same_embeddings(EmbeddingModel(
                str(made["name"]), str(made["cut"]), str(made["sha256"]),
                int(made["embedding_size"])), self.embedding))
        except (KeyError, TypeError, ValueError):
            fits = False
        if not fits:
            await self.storage.drop_model()
            self.say(_("The model kept from your last visit was trained on other classes or "
                     "another embedding model: train again."), "error")
            return
        self._use_model(model, current, None)
        self._unloaded = True
        self._stale = model.samples_sha256 != samples_digest(self.samples)
        self.say(_("The {summary} is back: it predicts at once.").format(summary=model.summary())
                 + (_(" The samples changed since: it is out of date, train to update it.")
                    if self._stale else ""), "note")

    async def _load_head(self, files: dict[str, bytes]) -> Any:
        """A TF.js model from a head's files; None (and said) if TF.js cannot load it."""
        from .export import load_model_files

        try:
            return await load_model_files(files)
        except (_compat.JsException, KeyError, ValueError, FileNotFoundError) as exc:
            detail = str(exc).split("\n")[0]
            self.say(_("The trained model could not be loaded ({detail}): train again.")
                     .format(detail=detail),
                     "error")
            return None

    def _use_model(self, model: TrainedModel | None, class_ids: list[int] | None,
                   head: Any) -> None:
        self.model = model
        self._trained_for = class_ids if model is not None else None
        self._stale = False
        self._unloaded = False
        if head is not None or model is None:
            self._queued.append(Action("model", head=head))
        self._mode()

    async def _loaded(self) -> bool:
        """Load the kept head into TF.js before its first use (queued for the lab)."""
        if not self._unloaded or self.model is None:
            return True
        self._unloaded = False
        head = await self._load_head(self.model.files)
        if head is None:
            self.model, self._trained_for = None, None
            await self.storage.drop_model()
            self._mode()
            return False
        self._queued.append(Action("model", head=head))
        return True

    # ---------------------------------------------------------------- the lab's side

    def stop_requested(self) -> bool:
        """True once "Stop training" was pressed (pass it to ``fit(stop=...)``)."""
        return bool(self._js.stopTraining)

    async def trained(self, message: str, head: Any = None,
                      settings: TrainSettings | None = None) -> None:
        """Training is done: predicting and exporting are possible; ``message`` says how well.

        ``head`` (the trained TF.js model) is kept in this browser with what it was trained
        on, replacing the model kept before, and goes into exported projects.
        """
        from .export import model_files

        self._trained_for = [c.id for c in self.samples.classes]
        self._stale = False
        self._unloaded = False  # the kept head is replaced unloaded
        if settings is not None:
            self.settings = settings
        if head is not None:
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.model = TrainedModel(
                await model_files(head), when, len(self.samples), len(self.samples.classes),
                samples_digest(self.samples), self._settings_record())
            await self.storage.save_model(self.model.files, kept_model_record(
                self.model, self.embedding, self._trained_for))
        self.say(message, "done")
        self._mode()
        self._report()

    def say(self, text: str, kind: str = "note") -> None:
        """A message in the studio ("note", "done" or "error"; errors are announced)."""
        self._js.say(text, kind)
        if kind == "error":
            print(_("Problem: {text}").format(text=text))

    def show_prediction(self, probabilities: Sequence[float], source: str = "webcam") -> None:
        """Show a prediction: the top class, a bar per class, frames per second."""
        p = [float(v) for v in probabilities]
        labels = self.samples.names
        if len(p) != len(labels):
            raise ValueError(_("{n} probabilities for {n2} classes")
                             .format(n=len(p), n2=len(labels)))
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
                action = None
            while self._queued:  # a head to use first
                yield self._queued.pop(0)
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
            raise ValueError(_("unknown studio event {kind!r}").format(kind=kind))
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
        self.say(_("No webcam: {reason}. You can still add photos from files for each class, "
                 "and classify a photo file.").format(reason=reason), "error")

    async def _on_capture(self, event: Any) -> None:
        await self._capture(int(event.classId), _rgba(event))

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
        self.say(_("Added {name!r}: rename it, then capture its samples.").format(name=info.name))

    async def _on_remove_class(self, event: Any) -> None:
        info = self.samples.find(int(event.classId))
        removed = self.samples.remove_class(info.id)
        self._changed()
        await self.storage.delete(removed)
        await self.storage.save_classes(self.samples)
        self._render()
        self.say(_("Removed {name!r} and its {n} samples.").format(name=info.name, n=len(removed)))

    async def _on_clear_class(self, event: Any) -> None:
        info = self.samples.find(int(event.classId))
        removed = self.samples.remove_samples_of(info.id)
        self._changed()
        await self.storage.delete(removed)
        self._render_class(info.id)
        self.say(_("Deleted the {n} samples of {name!r}.").format(n=len(removed), name=info.name))

    async def _on_delete_sample(self, event: Any) -> None:
        class_id = self.samples.remove(int(event.sampleId))
        self._changed()
        await self.storage.delete([int(event.sampleId)])
        self._render_class(class_id)

    async def _on_clear(self, event: Any) -> None:
        count = len(self.samples)
        self.samples.clear()
        self._changed()
        await self.storage.clear()
        self._render()
        self.say(_("Cleared all {count} samples (here and in this browser's storage).")
                 .format(count=count))

    async def _on_predicting(self, event: Any) -> None:
        self._set_predicting(bool(event.on) and self._ready("predict"))

    async def _on_frame(self, event: Any) -> Action | None:
        if self._predicting and self._ready("predict") and await self._loaded():
            from .data import images

            return Action("predict", images.rgb_square(_rgba(event), self.size), "webcam")
        return None

    async def _on_classify(self, event: Any) -> Action | None:
        from .data import images

        if not self._ready("classify a photo") or not await self._loaded():
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
        self.say(_("Training on {n} samples ({epochs} epochs)...")
                 .format(n=len(self.samples), epochs=settings.epochs))
        return Action("train", settings=settings)

    async def _on_export(self, event: Any) -> Action | None:
        return Action("export") if self._ready("export") and await self._loaded() else None

    async def _on_export_project(self, event: Any) -> None:
        current = [c.id for c in self.samples.classes]
        model = self.model if self._trained_for == current else None
        data = write_project(Project.of(self.samples, self.embedding, self._settings_record(),
                                        model))
        file_name = f"{self.name}-project.zip"
        download(file_name, data, "application/zip")
        report(project_export_bytes=len(data))
        self.say(_("Exported {file_name} ({size}): {n} samples")
                 .format(file_name=file_name, size=_size(len(data)), n=len(self.samples))
                 + (_(", the {summary}")
                     .format(summary=model.summary()) if model else _(", no trained model")) + ".")

    async def _on_import_project(self, event: Any) -> None:
        file = event.file
        name, size = str(file.name), int(file.size)
        self._pending = None
        if size > MAX_PROJECT_BYTES:
            raise InputError(_("{name} is {size}: larger than any project this studio "
                             "writes ({size2} at most). Nothing was "
                             "imported.")
                                 .format(name=name, size=_size(size),
                                         size2=_size(MAX_PROJECT_BYTES)))
        data = await InputFile(name, size, file).read()
        try:
            project = read_project(data, name, self.embedding)
        except ProjectError as problem:
            report(import_refused=name)
            raise InputError(str(problem)) from None
        if len(self.samples) or self.model is not None:
            self._pending = (project, name)
            question = (ngettext("Replace this project ({n} sample, a trained model) with "
                                 "{name}: {project}?", "Replace this project ({n} samples, a "
                                 "trained model) with {name}: {project}?", len(self.samples))
                        if self.model else
                        ngettext("Replace this project ({n} sample) with {name}: {project}?",
                                 "Replace this project ({n} samples) with {name}: {project}?",
                                 len(self.samples)))
            self._js.confirmImport(question.format(n=len(self.samples), name=name,
                                                   project=project.describe()))
            return
        await self._import(project, name)

    async def _on_confirm_import(self, event: Any) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if not bool(event.ok):
            self.say(_("Kept this project; {pending} was not imported.").format(pending=pending[1]))
            return
        await self._import(*pending)

    async def _import(self, project: Project, name: str) -> None:
        """Use ``project`` (already checked) instead of the current one."""
        samples = project.to_samples()  # before any tensor is made
        head = None
        if project.model is not None:
            head = await self._load_head(project.model.files)
            if head is None:
                return  # said; nothing changed
        self.samples = samples
        self._set_predicting(False)
        class_ids = [c.id for c in samples.classes]
        self._use_model(project.model, class_ids, head)
        if project.model is not None:
            self._stale = project.model.samples_sha256 != samples_digest(samples)
        if project.settings:
            try:
                self.settings = TrainSettings.parse(
                    project.settings.get("epochs", self.settings.epochs),
                    project.settings.get("lr", self.settings.lr),
                    project.settings.get("batch", self.settings.batch))
                self._js.settings(json.dumps(self._settings_record()))
            except InputError:
                pass  # the fields keep their values
        kept = await self.storage.replace(samples)
        if project.model is not None:
            kept = await self.storage.save_model(project.model.files, kept_model_record(
                project.model, self.embedding, class_ids)) and kept
        else:
            await self.storage.drop_model()
        self._render()
        report(imported=name)
        self.say(_("Imported {name}: {describe}.").format(name=name, describe=project.describe())
                 + ("" if kept or not self.storage.kept else
                    _(" It could not all be kept in this browser: export it before leaving.")),
                 "done")

    # ---------------------------------------------------------------- samples

    async def _capture(self, class_id: int, frame: NDArray[Any]) -> int:
        from . import memory
        from .data import images

        square = images.rgb_square(frame, self.size)
        sample_id = self.samples.add(class_id, self.embed(square),
                                     images.resize_area(square, THUMB_SIZE, THUMB_SIZE))
        self._changed()
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
            self.say(ngettext("Added {n} photo to {name!r}.", "Added {n} photos to {name!r}.",
                              added).format(n=added, name=name))
        if problems:
            raise InputError(" ".join(problems))

    def _ready(self, what: str) -> bool:
        """True if a model trained on the current classes exists; else say why not."""
        current = [c.id for c in self.samples.classes]
        if self._trained_for == current:
            return True
        doing = {"predict": _("predict"), "classify a photo": _("classify a photo"),
                 "export": _("export")}.get(what, what)
        if self._trained_for is None:
            self.say(_("Train first, then {what}.").format(what=doing), "error")
        else:
            self.say(_("The classes changed since the last training: train again to {what}.")
                     .format(what=doing),
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

    def _storage_failed(self, exc: BaseException, what: str = "samples") -> None:
        detail = str(exc).split("\n")[0]
        report(storage_failed=what)
        if what == "samples":
            text = _("Could not save your samples in this browser's storage ({detail}). What "
                     "was saved before is still there; they work until you leave this page: "
                     "free some space, or Export project to keep everything.")
        else:
            text = _("Could not save the trained model in this browser's storage ({detail}). "
                     "What was saved before is still there; it works until you leave this "
                     "page: free some space, or Export project to keep everything.")
        self.say(text.format(detail=detail), "error")

    def _changed(self) -> None:
        """The samples changed: a trained model is now out of date (said once)."""
        if self.model is not None and not self._stale:
            self._stale = True
            self.say(_("The samples changed since the model was trained: it is out of date. "
                     "Train to update it."))
            self._mode()

    def _settings_record(self) -> dict[str, Any]:
        s = self.settings
        return {"epochs": s.epochs, "lr": s.lr, "batch": s.batch}

    def _status(self) -> dict[str, Any]:
        """The trained model and the storage, as the page shows them."""
        model_bytes = self.model.nbytes if self.model is not None else 0
        total = self.samples.nbytes + self.samples.thumbnail_bytes + model_bytes
        if self.model is None or self._trained_for != [c.id for c in self.samples.classes]:
            state, text = "none", _("No trained model yet: capture samples, then Train.")
        elif self._stale:
            state = "stale"
            text = (_("Out of date: {model}, but the samples changed since. Train to update "
                      "it.").format(model=self.model.summary()))
        else:
            state, text = "current", self.model.summary()[0].upper() + self.model.summary()[1:]
        storage = (_("This project takes {total} in this browser (embeddings {embeddings}, "
                     "thumbnails {thumbnails}, model {model}).") if self.storage.kept else
                   _("This project takes {total} in memory only (this browser keeps nothing): "
                     "Export project to keep it (embeddings {embeddings}, thumbnails "
                     "{thumbnails}, model {model}).")).format(
            total=_size(total), embeddings=_size(self.samples.nbytes),
            thumbnails=_size(self.samples.thumbnail_bytes), model=_size(model_bytes))
        return {"model": text, "state": state, "storage": storage, "bytes": total}

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
                                  "predicting": self._predicting and trained,
                                  "status": self._status()}))

    def _report(self) -> None:
        counts = self.samples.counts()
        values: dict[str, Any] = {
            "captured": len(self.samples), "embedding_bytes": self.samples.nbytes,
            "thumbnail_bytes": self.samples.thumbnail_bytes,
            "classes": self.samples.names,
            "class_counts": {c.name: counts[c.id] for c in self.samples.classes}}
        if self._tensors is not None:
            values["capture_tensors"] = list(self._tensors)
        status = self._status()
        values.update(project_bytes=status["bytes"], model_state=status["state"])
        self._js.status(json.dumps(status))
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
    "export-project": _Route(Studio._on_export_project, report=True),
    "import-project": _Route(Studio._on_import_project, report=True),
    "confirm-import": _Route(Studio._on_confirm_import, report=True),
}


async def embedding_model(base_folder: str, cut: str) -> EmbeddingModel:
    """The identity of the base model in ``base_folder`` cut at ``cut``
    (:class:`pytfjs.project.EmbeddingModel`): its folder name, ``cut``, and the sha256 of
    its files, fetched from the browser's cache."""
    from .site_files import fetch_bytes

    files = {"model.json": await fetch_bytes(f"{base_folder}/model.json")}
    for group in json.loads(files["model.json"])["weightsManifest"]:
        for path in group["paths"]:
            files[path] = await fetch_bytes(f"{base_folder}/{path}")
    return EmbeddingModel.of_files(base_folder.rstrip("/").rsplit("/", 1)[-1], cut,
                                   EMBEDDING_SIZE, files)


def _size(n: int) -> str:
    """Bytes for people: 980 bytes, 61 KB, 1.2 MB."""
    if n < 1000:
        return ngettext("{n} byte", "{n} bytes", n).format(n=n)
    if n < 1_000_000:
        return _("{size} KB").format(size=number(n / 1000, 0))
    return _("{size} MB").format(size=number(n / 1_000_000, 1))
