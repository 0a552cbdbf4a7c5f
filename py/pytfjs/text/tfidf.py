"""TF-IDF features exactly as scikit-learn's ``TfidfVectorizer.transform`` makes them.

The build exports a fitted vectorizer to JSON (``buildlib/toxicity_export.py``, which
checks this module against scikit-learn); here it runs with the standard library and
numpy only, on CPython and in Pyodide. Per text:

1. ``text.lower()`` when ``lowercase``;
2. tokens = ``re.findall(token_pattern, text)``, stop words removed;
3. count each token that is in the vocabulary (others are ignored);
4. multiply each count by its term's idf;
5. divide by the row's L2 norm (an all-zero row stays zero).

Only the settings that were checked against scikit-learn are accepted: word unigrams, no
accent stripping, no ``binary``/``sublinear_tf``, ``norm="l2"``. Anything else is refused
when the JSON is read, never silently approximated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FORMAT = "pytfjs-tfidf"
VERSION = 1
# setting -> the only value this module reproduces
FIXED = {"analyzer": "word", "ngram_range": [1, 1], "strip_accents": None, "binary": False,
         "use_idf": True, "sublinear_tf": False, "norm": "l2"}


class TfidfError(ValueError):
    """A vectorizer file this module cannot reproduce exactly."""


@dataclass(frozen=True)
class TfidfVectorizer:
    """A fitted TF-IDF vectorizer: ``terms[i]`` is column ``i``, ``idf[i]`` its weight."""

    terms: tuple[str, ...]
    idf: np.ndarray
    token_pattern: str
    lowercase: bool = True
    stop_words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if len(self.terms) != len(self.idf):
            raise TfidfError(f"{len(self.terms)} terms but {len(self.idf)} idf values")
        if len(set(self.terms)) != len(self.terms):
            raise TfidfError("the vocabulary lists a term twice")
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise TfidfError(f"token pattern {self.token_pattern!r} has more than one group")
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.terms)})

    @property
    def size(self) -> int:
        """Number of features (columns)."""
        return len(self.terms)

    # ------------------------------------------------------------------ JSON

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TfidfVectorizer:
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise TfidfError(f"not a {FORMAT} v{VERSION} file (format={doc.get('format')!r}, "
                             f"version={doc.get('version')!r})")
        for key, wanted in FIXED.items():
            if doc.get(key) != wanted:
                raise TfidfError(f"{key}={doc.get(key)!r} is not supported (only {wanted!r})")
        return cls(terms=tuple(doc["terms"]), idf=np.asarray(doc["idf"], np.float64),
                   token_pattern=doc["token_pattern"], lowercase=bool(doc["lowercase"]),
                   stop_words=frozenset(doc.get("stop_words") or ()))

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **extra, **FIXED,
                "lowercase": self.lowercase, "token_pattern": self.token_pattern,
                "stop_words": sorted(self.stop_words), "terms": list(self.terms),
                "idf": [float(v) for v in self.idf]}

    # ------------------------------------------------------------------ features

    def tokens(self, text: str) -> list[str]:
        """The words of ``text`` as the vectorizer sees them (stop words removed)."""
        if self.lowercase:
            text = text.lower()
        return [t for t in self._pattern.findall(text) if t not in self.stop_words]

    def sparse_row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, float64 values) of the non-zero features of one text."""
        counts = Counter(i for i in map(self._index.get, self.tokens(text)) if i is not None)
        columns = np.fromiter(sorted(counts), np.int64, len(counts))
        values = np.fromiter((counts[i] for i in columns), np.float64, len(counts))
        values *= self.idf[columns]
        norm = np.sqrt(np.dot(values, values))
        if norm > 0.0:
            values /= norm
        return columns, values

    def transform(self, texts: Iterable[str], dtype: Any = np.float64) -> np.ndarray:
        """A dense ``(len(texts), size)`` matrix of TF-IDF rows."""
        texts = texts if isinstance(texts, Sequence) else list(texts)
        out = np.zeros((len(texts), self.size), dtype)
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {row} is a {type(text).__name__}, not a str")
            columns, values = self.sparse_row(text)
            out[row, columns] = values
        return out
