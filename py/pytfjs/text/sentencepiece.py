"""The Universal Sentence Encoder lite's tokenizer in pure Python.

USE lite reads word pieces: its vocabulary (8,000 pieces, each with a log-probability)
comes with the model, and ``@tensorflow-models/universal-sentence-encoder``'s
``Tokenizer.encode`` picks, for a sentence, the pieces with the best total score (a
Viterbi pass over a lattice of vocabulary matches). This is that algorithm, written so it
gives the same ids, including JavaScript's quirks:

- the text is NFKC-normalised, ASCII spaces become ``▁`` and one ``▁`` goes in front;
- it works on UTF-16 code units (the compiled ES5 loop over a string), so an emoji is two
  symbols, each unknown;
- a start position with no match gets the unknown piece (id 0, score 0); ties go to the
  match seen last (``score >= best``), start positions in ascending order;
- consecutive unknown pieces are merged into one; a null score is 0 (``null + x``).

The first ``reserved`` (6) vocabulary entries (``<unk>``-like markers) are never matched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from ..i18n import _

SEPARATOR = "\u2581"
RESERVED = 6


def utf16_units(text: str) -> list[str]:
    """``text`` as JavaScript sees it: one str per UTF-16 code unit (lone surrogates)."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i:i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(data), 2)]


class SentencePieceTokenizer:
    """``Tokenizer`` of tfjs-models' universal-sentence-encoder, on a ``[[piece, score]]``
    vocabulary (``vocab.json``)."""

    def __init__(self, vocabulary: Sequence[Sequence[Any]], reserved: int = RESERVED) -> None:
        if not vocabulary or any(len(entry) != 2 or not isinstance(entry[0], str)
                                 for entry in vocabulary):
            raise ValueError(_("the vocabulary must be a non-empty list of [piece, score]"))
        # a null score (":" and a few more) counts as 0, as JavaScript's null + x does
        self.vocabulary = [(str(piece), float(score or 0.0)) for piece, score in vocabulary]
        self.lengths = [len(utf16_units(piece)) for piece, _ in self.vocabulary]
        self.trie: dict[str | None, Any] = {}
        for index in range(reserved, len(self.vocabulary)):
            piece, score = self.vocabulary[index]
            node = self.trie
            for symbol in utf16_units(piece):
                node = node.setdefault(symbol, {})
            node[None] = (score, index)  # None: "a piece ends here" (later ones replace)

    def _matches(self, symbols: list[str], start: int) -> list[tuple[int, float, int]]:
        """(length, score, index) of every piece that starts ``symbols[start:]``."""
        out = []
        node = self.trie.get(symbols[start])
        length = 1
        while node is not None:
            if None in node:
                out.append((length, *node[None]))
            if start + length >= len(symbols):
                break
            node = node.get(symbols[start + length])
            length += 1
        return out or [(1, 0.0, 0)]

    def encode(self, text: str) -> list[int]:
        """The piece ids of ``text``."""
        normalized = unicodedata.normalize("NFKC", text)
        if normalized:
            normalized = SEPARATOR + normalized.replace(" ", SEPARATOR)
        symbols = utf16_units(normalized)
        n = len(symbols)
        ends: list[dict[int, list[tuple[int, float, int]]]] = [{} for _ in range(n + 1)]
        for start in range(n):
            for match in self._matches(symbols, start):
                ends[start + match[0]].setdefault(start, []).append(match)
        best = [0.0] * (n + 1)
        words = [0] * (n + 1)
        for end in range(n + 1):
            for start in sorted(ends[end]):
                for length, score, index in ends[end][start]:
                    total = score + best[end - length]
                    if best[end] == 0 or total >= best[end]:
                        best[end] = total
                        words[end] = index
        backward = []
        at = n
        while at > 0:
            backward.append(words[at])
            at -= self.lengths[words[at]]
        merged = []
        previous_unknown = False
        for index in backward:
            if not (previous_unknown and index == 0):
                merged.append(index)
            previous_unknown = index == 0
        return merged[::-1]
