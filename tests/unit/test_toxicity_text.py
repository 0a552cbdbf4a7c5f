"""pytfjs.text.KerasTokenizer and pytfjs.text.toxicity on CPython.

The tokenizer must give exactly Keras's numbers: tests/fixtures/toxicity_refs.json holds
keras_preprocessing 1.1.2's ``texts_to_sequences`` + ``pad_sequences(maxlen=100)`` of
tox_block's own tokenizer on sentences with punctuation, case, unicode, unknown words,
words beyond ``num_words`` and texts longer than 100 words (made by
tests/fixtures/make_toxicity_refs.py). The pickle reader must run nothing from a pickle.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from pytfjs.control import InputError
from pytfjs.text import KerasTokenizer, TokenizerError, toxicity
from pytfjs.text.keras_tokenizer import tokenizer_from_pickle
from testkit import toxicity_reference as reference

REFS = reference.refs()
TEXTS = REFS["sentences"] + REFS["tokenizer_only"]


@pytest.fixture(scope="module")
def shipped(dist_dir: Path) -> KerasTokenizer:
    """The tokenizer the lab loads (dist/models/toxicity/tokenizer.json)."""
    doc = json.loads((dist_dir / "models" / "toxicity" / "tokenizer.json").read_text("utf-8"))
    return KerasTokenizer.from_json(doc)


def pickle_bytes() -> bytes:
    from buildlib.fetch import inputs
    from buildlib.make import toxicity as build_toxicity

    return build_toxicity.sources()[inputs.TOX_BLOCK_TOKENIZER.path].read_bytes()


def test_sequences_equal_keras(shipped) -> None:
    expected = np.array(REFS["sequences"], np.int32)
    got = shipped.encode(TEXTS)
    assert got.dtype == np.int32 and got.shape == expected.shape == (len(TEXTS), 100)
    differ = [TEXTS[i] for i in np.flatnonzero((got != expected).any(axis=1))]
    assert differ == []


def test_the_fixture_exercises_what_keras_does(shipped) -> None:
    """Unknown words dropped, words beyond num_words dropped, long texts cut at the front,
    padding in front: each happens in the fixture, so the comparison above can fail."""
    seqs = np.array(REFS["sequences"])
    counts = [len(shipped.words_of(t)) for t in TEXTS]
    kept = (seqs != 0).sum(axis=1)
    # unknown words dropped
    assert any(0 < k < min(c, 100) for k, c in zip(kept, counts, strict=True))
    assert (kept == 100).sum() >= 2 and max(counts) > 100  # cut to 100
    assert all(row[-1] != 0 for row, k in zip(seqs, kept, strict=True) if k)  # zeros go in front
    long_text = next(i for i, t in enumerate(TEXTS) if t.startswith("w0 w1"))
    assert seqs[long_text][-2:].tolist() == [shipped.index["the"], shipped.index["end"]]
    assert seqs.max() < 20000 and (seqs == 0).all(axis=1).sum() >= 5


def test_keras_splitting_rules() -> None:
    tok = KerasTokenizer(words=("hello", "world", "a\rb", "don't"), num_words=4)
    assert tok.words_of("Hello, WORLD!\tx\ny") == ["hello", "world", "x", "y"]
    assert tok.words_of("a\rb  c\u00a0d") == ["a\rb", "c\u00a0d"]  # only ' ' splits
    assert tok.sequence("hello world a\rb don't") == [1, 2, 3]  # index 4 >= num_words
    with_oov = KerasTokenizer(words=("<oov>", "hi"), oov_token="<oov>")
    assert with_oov.sequence("hi there") == [2, 1]
    post = KerasTokenizer(words=("a",), maxlen=3, padding="post", truncating="post")
    assert post.pad([[1], [1, 1, 1, 1, 1], []]).tolist() == [[1, 0, 0], [1, 1, 1], [0, 0, 0]]


def test_the_pickle_reads_to_the_shipped_tokenizer(shipped) -> None:
    tok = tokenizer_from_pickle(pickle_bytes(), "encoder_0.1.2.pkl")
    assert tok == shipped
    assert (tok.num_words, tok.maxlen, len(tok.words), tok.oov_token) == (20000, 100, 19999,
                                                                           None)


class _Boom:
    def __reduce__(self):
        import os

        return (os.system, ("touch /tmp/pytfjs-pickle-ran",))


def test_the_unpickler_runs_nothing_from_a_pickle(tmp_path) -> None:
    marker = Path("/tmp/pytfjs-pickle-ran")
    marker.unlink(missing_ok=True)
    with pytest.raises(TokenizerError, match=r"names (posix|os)\.system.*refused"):
        tokenizer_from_pickle(pickle.dumps(_Boom()), "hostile.pkl")
    assert not marker.exists()
    with pytest.raises(TokenizerError, match="not a readable pickle"):
        tokenizer_from_pickle(b"\x80\x04not a pickle", "junk.pkl")
    with pytest.raises(TokenizerError, match="holds a dict, not a Keras Tokenizer"):
        tokenizer_from_pickle(pickle.dumps({"word_index": {}}), "dict.pkl")


def test_bad_tokenizer_files_are_refused() -> None:
    doc = KerasTokenizer(words=("a", "b")).to_json(source="test")
    assert KerasTokenizer.from_json(json.loads(json.dumps(doc))).words == ("a", "b")
    for bad, message in (({**doc, "version": 2}, "not a pytfjs-keras-tokenizer v1 file"),
                         ({**doc, "words": ["a", "a"]}, "twice"),
                         ({**doc, "words": "ab"}, "list of non-empty strings"),
                         ({**doc, "maxlen": 0}, "maxlen=0"),
                         ({**doc, "padding": "middle"}, "padding='middle'")):
        with pytest.raises(TokenizerError, match=message):
            KerasTokenizer.from_json(bad)


def test_bad_sentences_get_clear_messages(shipped) -> None:
    for bad, message in (([], "no sentence to classify"),
                         ("you suck", "a list of sentences"),
                         (["fine", 3], "Sentence 2 is a int, not text"),
                         (["fine", "   "], "Sentence 2 is empty"),
                         (["a"] * 5_001, "5,001 sentences: this lab classifies up to 5,000")):
        with pytest.raises(InputError, match=message):
            toxicity.check_sentences(bad)
    with pytest.raises(TokenizerError, match="no sentence to encode"):
        shipped.encode([])


def test_threshold_and_match_follow_the_course() -> None:
    assert toxicity.check_threshold("0.9") == 0.9
    for bad in (1.5, 0.2, "abc", None):
        with pytest.raises(InputError, match=f"threshold={bad}: choose a value from 0.5"):
            toxicity.check_threshold(bad)
    # match: p > 1 - p when max(p, 1 - p) is above the threshold (strictly), else None
    cases = [(0.95, 0.9, True), (0.05, 0.9, False), (0.5, 0.5, None), (0.9, 0.9, None),
             (0.7, 0.9, None), (0.7, 0.6, True), (0.3, 0.6, False), (0.25, 0.9, None)]
    assert [toxicity.match(p, t) for p, t, _ in cases] == [m for _, _, m in cases]


def test_batches_are_sized_to_about_half_a_second() -> None:
    assert toxicity.next_batch(8, 0.8) == 5  # slow (cpu): smaller
    assert toxicity.next_batch(8, 0.05) == 16  # fast: at most double
    assert toxicity.next_batch(200, 0.01) == toxicity.BATCH_MAX
    assert toxicity.next_batch(1, 30.0) == 1


def test_classify_answers_in_the_courses_shape(shipped) -> None:
    model_labels = tuple(toxicity.COURSE_NAMES[label] for label in reference.LABELS)
    classifier = toxicity.Classifier(None, shipped, model_labels, threshold=0.9)
    assert classifier.course_order() == [label for label in toxicity.COURSE_LABELS
                                         if label != "sexual_explicit"]
    probabilities = np.array([[0.95, 0.1, 0.5, 0.02, 0.91, 0.3]], np.float32)
    answer = classifier.results(probabilities)
    assert [a["label"] for a in answer] == classifier.course_order()
    by_label = {a["label"]: a["results"][0] for a in answer}
    assert by_label["toxicity"]["match"] is True and by_label["insult"]["match"] is True
    assert by_label["threat"]["match"] is False and by_label["obscene"]["match"] is None
    assert by_label["identity_attack"]["probabilities"] == pytest.approx([0.7, 0.3])
    with pytest.raises(InputError, match="unknown labels"):
        toxicity.course_labels({"labels": ["toxic", "sexual"]})
