"""pytfjs.text.SentencePieceTokenizer and pytfjs.text.use on CPython.

tests/fixtures/use_refs.json holds the piece ids of the course's own JavaScript tokenizer
(@tensorflow-models/universal-sentence-encoder 1.3.3, run in Node.js by
tests/fixtures/make_use_refs.js) on sentences with punctuation, case, NFKC forms,
non-Latin scripts, emoji (unknown pieces merged), spaces and tabs, and the empty string.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pytfjs.control import InputError
from pytfjs.text import SentencePieceTokenizer, use

REFS = json.loads((Path(__file__).parents[1] / "fixtures" / "use_refs.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def tokenizer(dist_dir: Path) -> SentencePieceTokenizer:
    vocab = json.loads((dist_dir / "models" / "use-lite" / "vocab.json").read_text("utf-8"))
    return SentencePieceTokenizer(vocab)


def test_ids_equal_the_javascript_tokenizer(tokenizer) -> None:
    got = [tokenizer.encode(s) for s in REFS["sentences"]]
    differ = [s for s, g, w in zip(REFS["sentences"], got, REFS["ids"], strict=True) if g != w]
    assert differ == [] and len(got) >= 25


def test_the_fixture_exercises_the_quirks(tokenizer) -> None:
    ids = dict(zip(REFS["sentences"], REFS["ids"], strict=True))
    assert ids[""] == []
    emoji = ids["I ❤️ this place 🙂🙂"]
    pairs = zip(emoji, emoji[1:], strict=False)
    assert emoji.count(0) >= 1 and all(not (a == b == 0) for a, b in pairs)
    # NFKC: full-width letters read as ASCII ones
    assert tokenizer.encode("ＡＢＣ") == tokenizer.encode("ABC")
    assert len({len(v) for v in ids.values()}) > 5


def test_sparse_inputs_are_the_courses() -> None:
    indices, values = use.sparse_inputs([[5, 6, 7], [8]])
    assert indices.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0]] and values.tolist() == [5, 6,
                                                                                        7, 8]
    assert indices.dtype == values.dtype == np.int32


def test_similarity_and_nearest() -> None:
    e = np.array([[1.0, 0.0], [2.0, 0.1], [0.0, 3.0]])
    s = use.similarity(e)
    assert np.allclose(np.diag(s), 1) and s[0, 1] > 0.99 and abs(s[0, 2]) < 1e-12
    assert use.nearest(s) == [1, 0, 1]


def test_bad_sentences_get_clear_messages() -> None:
    for bad, message in ((["only one"], "at least two sentences"),
                         ("a string", "a list of sentences"),
                         (["a", " "], "Sentence 2 is empty"),
                         (["a"] * 201, "201 sentences: this lab compares up to 200")):
        with pytest.raises(InputError, match=message):
            use.check_sentences(bad)
    with pytest.raises(ValueError, match="piece, score"):
        SentencePieceTokenizer([])
