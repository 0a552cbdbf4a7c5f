"""Keras's ``Tokenizer`` + ``pad_sequences`` in pure Python, for word-index models in TF.js.

A Keras text model (such as the Toxicity lab's LSTM) reads word numbers, not text; the
numbers come from the ``Tokenizer`` it was trained with. This module reproduces, for a
fitted tokenizer exported as JSON, what keras_preprocessing 1.1 does:

- ``text_to_word_sequence``: ``lower()``, every character of ``filters`` replaced by
  ``split``, split on ``split`` (only that character: other whitespace stays in a word),
  empty pieces dropped;
- ``texts_to_sequences``: each word's index; a word the tokenizer never saw, or whose index
  is ``num_words`` or more, is dropped (or becomes ``oov_token``'s index when it has one);
- ``pad_sequences(maxlen, padding, truncating)``: zeros in front (``pre``) or behind, and
  a longer sequence cut at the front (``pre``) or the end.

``tokenizer_from_pickle`` reads a pickled Tokenizer (as Keras users save them) with a
restricted unpickler: the only globals it resolves are ``OrderedDict``, ``defaultdict``
and ``int``; the Keras and tox_block classes become empty stand-ins that only receive
their state, and anything else is refused before it could run.
"""

from __future__ import annotations

import io
import pickle
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..control import InputError
from ..i18n import _

FORMAT = "pytfjs-keras-tokenizer"
VERSION = 1
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


class TokenizerError(InputError):
    """A tokenizer file or pickle this module does not reproduce, or bad input."""


@dataclass(frozen=True)
class KerasTokenizer:
    """A fitted Keras Tokenizer: ``words[i]`` has index ``i + 1`` (Keras counts from 1)."""

    words: tuple[str, ...]
    num_words: int | None = None
    filters: str = KERAS_FILTERS
    lower: bool = True
    split: str = " "
    oov_token: str | None = None
    maxlen: int = 100
    padding: str = "pre"
    truncating: str = "pre"
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    _table: dict[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.split) != 1:
            raise TokenizerError(_("split={split!r}: only a single character is supported")
                                 .format(split=self.split))
        if self.padding not in ("pre", "post") or self.truncating not in ("pre", "post"):
            raise TokenizerError(_("padding={padding!r}, truncating={truncating!r}: "
                                 "each must be 'pre' or 'post'")
                                     .format(padding=self.padding, truncating=self.truncating))
        if not (isinstance(self.maxlen, int) and self.maxlen > 0):
            raise TokenizerError(_("maxlen={maxlen!r}: a positive whole number is needed")
                                 .format(maxlen=self.maxlen))
        index = {word: i for i, word in enumerate(self.words, start=1)}
        if len(index) != len(self.words):
            raise TokenizerError(_("the word list names a word twice"))
        object.__setattr__(self, "index", index)
        # str.translate table: each filter character -> the split character
        object.__setattr__(self, "_table", str.maketrans(dict.fromkeys(self.filters,
                                                                       self.split)))

    @property
    def oov_index(self) -> int | None:
        return None if self.oov_token is None else self.index.get(self.oov_token)

    def words_of(self, text: str) -> list[str]:
        """keras ``text_to_word_sequence(text, filters, lower, split)``."""
        if self.lower:
            text = text.lower()
        return [w for w in text.translate(self._table).split(self.split) if w]

    def sequence(self, text: str) -> list[int]:
        """keras ``texts_to_sequences([text])[0]``."""
        out: list[int] = []
        oov = self.oov_index
        for word in self.words_of(text):
            i = self.index.get(word)
            if i is not None and (not self.num_words or i < self.num_words):
                out.append(i)
            elif oov is not None:
                out.append(oov)
        return out

    def pad(self, sequences: Sequence[Sequence[int]]) -> NDArray[Any]:
        """keras ``pad_sequences(sequences, maxlen, padding=..., truncating=...)``, int32."""
        out = np.zeros((len(sequences), self.maxlen), np.int32)
        for row, seq in enumerate(sequences):
            if not len(seq):
                continue
            kept = seq[-self.maxlen:] if self.truncating == "pre" else seq[:self.maxlen]
            if self.padding == "pre":
                out[row, self.maxlen - len(kept):] = kept
            else:
                out[row, :len(kept)] = kept
        return out

    def encode(self, texts: Iterable[str]) -> NDArray[Any]:
        """[n, maxlen] int32 word indices of ``texts``, as the model was trained on."""
        texts = list(texts)
        if not texts:
            raise TokenizerError(_("There is no sentence to encode: give at least one."))
        for text in texts:
            if not isinstance(text, str):
                raise TokenizerError(_("Sentences must be text; got {type} "
                                     "{text!r:.40}").format(type=type(text).__name__, text=text))
        return self.pad([self.sequence(text) for text in texts])

    def to_json(self, source: str) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "source": source,
                "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "oov_token": self.oov_token, "maxlen": self.maxlen,
                "padding": self.padding, "truncating": self.truncating,
                "words": list(self.words)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> KerasTokenizer:
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise TokenizerError(_("not a {FORMAT} v{VERSION} file (format="
                                 "{get!r}, version={get2!r})")
                                     .format(FORMAT=FORMAT, VERSION=VERSION,
                                             get=doc.get('format'), get2=doc.get('version')))
        words = doc.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise TokenizerError(_("'words' must be a list of non-empty strings"))
        keys = ("num_words", "filters", "lower", "split", "oov_token", "maxlen", "padding",
                "truncating")
        return cls(words=tuple(words), **{k: doc[k] for k in keys if k in doc})


# ------------------------------------------------------------------ the pickle

class _Stub:
    """Stands in for a pickled class: receives its state, runs none of its code."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise TokenizerError(_("a pickled object's state is not a dict of attributes"))
        self.__dict__.update(state)


class _KerasTokenizerStub(_Stub):
    pass


class _TokenSequencerStub(_Stub):
    pass


_STUBS = {
    ("keras_preprocessing.text", "Tokenizer"): _KerasTokenizerStub,
    ("keras.preprocessing.text", "Tokenizer"): _KerasTokenizerStub,
    ("tensorflow.keras.preprocessing.text", "Tokenizer"): _KerasTokenizerStub,
    # tox_block's scikit-learn transformer around a Tokenizer (max_sequence_length)
    ("tox_block.data_processing.preprocessors", "TokenSequencer"): _TokenSequencerStub,
}
_ALLOWED = {("collections", "OrderedDict"): OrderedDict,
            ("collections", "defaultdict"): defaultdict, ("builtins", "int"): int}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, source: str) -> None:
        super().__init__(io.BytesIO(data))
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        key = (module, name)
        if key in _STUBS:
            return _STUBS[key]
        if key in _ALLOWED:
            return _ALLOWED[key]
        raise TokenizerError(_("{source}: the pickle names {module}.{name}, which is not "
                             "a Keras tokenizer's part; refused (nothing in it was run)")
                                 .format(source=self.source, module=module, name=name))

    def persistent_load(self, pid: Any) -> Any:
        raise TokenizerError(_("{source}: the pickle holds persistent ids; refused")
                             .format(source=self.source))


def tokenizer_from_pickle(data: bytes, source: str = "the pickle",
                          maxlen: int | None = None) -> KerasTokenizer:
    """A ``KerasTokenizer`` from a pickled keras_preprocessing ``Tokenizer`` (or tox_block's
    ``TokenSequencer`` holding one, whose ``max_sequence_length`` becomes ``maxlen``)."""
    try:
        obj = _RestrictedUnpickler(data, source).load()
    except TokenizerError:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged or hostile file: one clear message
        raise TokenizerError(_("{source} is not a readable pickle: {e}")
                             .format(source=source, e=e)) from e
    if isinstance(obj, _TokenSequencerStub):
        maxlen = maxlen or obj.__dict__.get("max_sequence_length")
        obj = obj.__dict__.get("tokenizer")
    if not isinstance(obj, _KerasTokenizerStub):
        raise TokenizerError(_("{source} holds a {type}, not a Keras Tokenizer")
                             .format(source=source, type=type(obj).__name__))
    state = obj.__dict__
    if state.get("char_level"):
        raise TokenizerError(_("{source}: a character-level tokenizer is not supported")
                             .format(source=source))
    word_index = state.get("word_index")
    if not isinstance(word_index, dict) or not word_index:
        raise TokenizerError(_("{source}: the tokenizer has no word_index").format(source=source))
    num_words = state.get("num_words")
    ranked = sorted(word_index.items(), key=lambda item: item[1])
    if [i for _, i in ranked] != list(range(1, len(ranked) + 1)):
        raise TokenizerError(_("{source}: word_index is not numbered 1, 2, 3, ...")
                             .format(source=source))
    # Only words below num_words ever reach the model; the rest are dropped by Keras too.
    keep = len(ranked) if not num_words else min(len(ranked), num_words - 1)
    oov = state.get("oov_token")
    if oov is not None and word_index.get(oov, keep + 1) > keep:
        raise TokenizerError(_("{source}: the oov token {oov!r} is not among the kept words")
                             .format(source=source, oov=oov))
    return KerasTokenizer(words=tuple(w for w, _ in ranked[:keep]), num_words=num_words,
                          filters=state.get("filters", KERAS_FILTERS),
                          lower=bool(state.get("lower", True)), split=state.get("split", " "),
                          oov_token=oov, maxlen=maxlen or 100)
