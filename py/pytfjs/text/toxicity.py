"""The Toxicity lab's classifier, shaped like the course's ``@tensorflow-models/toxicity``.

The course calls ``toxicity.load(threshold)`` then ``model.classify(sentences)`` and gets,
per label, ``{"label", "results": [{"probabilities": [p_not, p], "match"}, ...]}`` with
``match`` true or false when the larger of the two probabilities is above the threshold,
and null (None) when neither is. This module gives the same for tox_block's model
(``dist/models/toxicity/``, made by the build from PyPI ``tox-block``): words become
numbers in Python (``KerasTokenizer``), the LSTM runs in TF.js.

tox_block's model has six of the course's seven labels, under Jigsaw's names; they are
reported under the course's names (``COURSE_NAMES``). ``sexual_explicit`` is not in it
(``MISSING``). Probabilities are the model's raw sigmoid outputs (tox_block's own
``make_predictions`` also rescales them per label by default; the course does not).

Everything but ``load`` (and ``classify``/``probabilities``, which run the model) works on
CPython, so the unit tests check it there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..control import InputError
from ..i18n import _
from .keras_tokenizer import KerasTokenizer

# The course model's labels, in its order (tfjs-models toxicity).
COURSE_LABELS = ("identity_attack", "insult", "obscene", "severe_toxicity", "sexual_explicit",
                 "threat", "toxicity")
# Jigsaw's label names (tox_block's) -> the course's names for the same labels.
COURSE_NAMES = {"toxic": "toxicity", "severe_toxic": "severe_toxicity", "obscene": "obscene",
                "threat": "threat", "insult": "insult", "identity_hate": "identity_attack"}
MISSING = ("sexual_explicit",)
MODEL_DIR = "models/toxicity"
# Sentences per model call: the first batch is small, then each batch is sized to take
# about BATCH_SECONDS, so Stop is seen within ~1 s on any backend (an LSTM of 100 steps
# costs ~80 ms a sentence on the cpu backend, ~25 ms on wasm, bench_toxicity.py).
BATCH = 8
BATCH_MAX = 256
BATCH_SECONDS = 0.5
# 5,000 sentences take ~2.5 min on wasm, ~6 min on cpu: more is better split up.
MAX_SENTENCES = 5_000
THRESHOLD_RANGE = (0.5, 0.99)


def check_threshold(threshold: float) -> float:
    """The threshold as a float, or InputError saying which values work."""
    low, high = THRESHOLD_RANGE
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not low <= value <= high:
        raise InputError(_("threshold={threshold}: choose a value from {low} to {high}")
                         .format(threshold=threshold, low=low, high=high))
    return value


def match(probability: float, threshold: float) -> bool | None:
    """The course's rule: true or false when max(p, 1 - p) is above the threshold, else None."""
    p = float(probability)
    if max(p, 1.0 - p) > threshold:
        return p > 1.0 - p
    return None


def next_batch(size: int, seconds: float) -> int:
    """The next batch size: about ``BATCH_SECONDS`` of work at the pace just measured."""
    wanted = size * BATCH_SECONDS / max(seconds, 1e-3)
    return int(min(BATCH_MAX, max(1, min(wanted, 2 * size))))


def check_sentences(sentences: Sequence[str]) -> list[str]:
    """A list of sentences with text, or InputError saying what is wrong."""
    if isinstance(sentences, str):
        raise InputError(_("Give a list of sentences, e.g. ['you suck'], not one string."))
    sentences = list(sentences)
    if not sentences:
        raise InputError(_("There is no sentence to classify: give at least one."))
    if len(sentences) > MAX_SENTENCES:
        raise InputError(_("{n:,} sentences: this lab classifies up to "
                         "{MAX_SENTENCES:,} at once (each takes 20-80 ms). Split the text.")
                             .format(n=len(sentences), MAX_SENTENCES=MAX_SENTENCES))
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise InputError(_("Sentence {value} is a {type}, not text.")
                             .format(value=i + 1, type=type(sentence).__name__))
        if not sentence.strip():
            raise InputError(_("Sentence {value} is empty: type some words, or leave it out.")
                             .format(value=i + 1))
    return sentences


@dataclass
class Classifier:
    """tox_block's LSTM (a TF.js model) with its tokenizer and labels (course names)."""

    model: Any
    tokenizer: KerasTokenizer
    labels: tuple[str, ...]  # course names, in the model's output order
    threshold: float = 0.9

    def course_order(self) -> list[str]:
        """This model's labels in the course's order (``sexual_explicit`` is not one)."""
        return [label for label in COURSE_LABELS if label in self.labels]

    async def probabilities(self, sentences: Sequence[str], progress: Any = None
                            ) -> NDArray[Any]:
        """float32 [n, labels]: each label's probability per sentence, a batch at a time
        (``BATCH`` first, then sized by ``next_batch``).

        ``progress(done, total)`` is awaited after each batch (a progress bar, Stop).
        """
        from .. import check_stop

        sentences = check_sentences(sentences)
        out = np.zeros((len(sentences), len(self.labels)), np.float32)
        start, size = 0, BATCH
        while start < len(sentences):
            began = time.perf_counter()
            ids = self.tokenizer.encode(sentences[start:start + size])
            with self.model.predict(ids) as predicted:
                out[start:start + len(ids)] = predicted.numpy()
            start += len(ids)
            size = next_batch(len(ids), time.perf_counter() - began)
            if progress is not None:
                await progress(start, len(sentences))
            check_stop()
        return out

    def results(self, probabilities: NDArray[Any]) -> list[dict[str, Any]]:
        """The course's ``classify`` answer from ``probabilities`` [n, labels]."""
        column = {label: i for i, label in enumerate(self.labels)}
        return [{"label": label,
                 "results": [{"probabilities": [1.0 - float(p), float(p)],
                              "match": match(p, self.threshold)}
                             for p in probabilities[:, column[label]]]}
                for label in self.course_order()]

    async def classify(self, sentences: Sequence[str], progress: Any = None
                       ) -> list[dict[str, Any]]:
        """Like the course's ``model.classify(sentences)``: one entry per label."""
        return self.results(await self.probabilities(sentences, progress))


def course_labels(metadata: dict[str, Any]) -> tuple[str, ...]:
    """The course names of the model's outputs, from the build's ``metadata.json``."""
    labels = metadata.get("labels")
    if not isinstance(labels, list) or any(label not in COURSE_NAMES for label in labels):
        raise InputError(_("{MODEL_DIR}/metadata.json: unknown labels {labels!r}")
                         .format(MODEL_DIR=MODEL_DIR, labels=labels))
    return tuple(COURSE_NAMES[label] for label in labels)


async def load(threshold: float = 0.9, folder: str = MODEL_DIR) -> Classifier:
    """Like the course's ``toxicity.load(threshold)``: the model and tokenizer of this site."""
    from .. import tf
    from ..site_files import fetch_bytes

    threshold = check_threshold(threshold)
    tokenizer = KerasTokenizer.from_json(json.loads(await fetch_bytes(
        f"{folder}/tokenizer.json")))
    labels = course_labels(json.loads(await fetch_bytes(f"{folder}/metadata.json")))
    model = await tf.load_layers_model(f"{folder}/model.json")
    return Classifier(model, tokenizer, labels, threshold)
