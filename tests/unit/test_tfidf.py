"""pytfjs.text.tfidf and the exported offensive-language model, on CPython.

The references are alt-profanity-check's own ``predict_prob`` (scikit-learn 1.9.1), made by
tests/fixtures/make_toxicity_refs.py; the model files come from the build (dist/).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pytfjs.convert.writer import decode_weights
from pytfjs.text import TfidfError, TfidfVectorizer
from pytfjs.text.tfidf import FIXED

REFS = json.loads((Path(__file__).parents[1] / "fixtures" / "toxicity_refs.json")
                  .read_text(encoding="utf-8"))


def small(**kwargs) -> TfidfVectorizer:
    args = {"terms": ("idiot", "nice", "day", "hate"), "idf": np.array([2.0, 1.5, 1.0, 3.0]),
            "token_pattern": r"(?u)\b\w\w+\b", "stop_words": frozenset({"you", "a"})}
    return TfidfVectorizer(**{**args, **kwargs})


def test_tokens_lowercase_drop_short_words_and_stop_words() -> None:
    vec = small()
    assert vec.tokens("You are a NICE idiot, I hate-you!") == ["are", "nice", "idiot", "hate"]
    assert small(lowercase=False).tokens("NICE Day") == ["NICE", "Day"]


def test_rows_are_idf_weighted_counts_with_unit_l2_norm() -> None:
    x = small().transform(["nice nice day, unknown words", "idiot", "", "you a"])
    expected = np.array([2 * 1.5, 1.0])
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(x[0], [0.0, expected[0], expected[1], 0.0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(x[1], [1.0, 0, 0, 0])
    np.testing.assert_array_equal(x[2:], 0.0)  # no known word: an all-zero row, no NaN
    assert small().transform(["nice"], np.float32).dtype == np.float32


def test_json_round_trip_and_refusals() -> None:
    vec = small()
    back = TfidfVectorizer.from_json(json.loads(json.dumps(vec.to_json(source="test"))))
    assert back.terms == vec.terms and back.stop_words == vec.stop_words
    np.testing.assert_array_equal(back.idf, vec.idf)
    doc = vec.to_json()
    for key, bad in (("ngram_range", [1, 2]), ("norm", "l1"), ("sublinear_tf", True),
                     ("strip_accents", "unicode"), ("binary", True), ("analyzer", "char")):
        with pytest.raises(TfidfError, match=key):
            TfidfVectorizer.from_json({**doc, key: bad})
    with pytest.raises(TfidfError, match="not a pytfjs-tfidf v1 file"):
        TfidfVectorizer.from_json({**doc, "version": 2})
    with pytest.raises(TfidfError, match="4 terms but 3 idf"):
        small(idf=np.ones(3))
    with pytest.raises(TfidfError, match="twice"):
        small(terms=("a", "a", "b", "c"))
    with pytest.raises(TfidfError, match="more than one group"):
        small(token_pattern=r"(\w)(\w)")
    with pytest.raises(TypeError, match="text 1 is a bytes"):
        vec.transform(["ok", b"bytes"])
    assert set(FIXED) <= set(doc)


# ---------------------------------------------------------------- the built model


@pytest.fixture(scope="module")
def exported(dist_dir) -> tuple[TfidfVectorizer, dict, dict[str, np.ndarray]]:
    folder = dist_dir / "models" / "toxicity"
    vec = TfidfVectorizer.from_json(json.loads((folder / "vectorizer.json").read_text()))
    doc = json.loads((folder / "model.json").read_text())
    files = {p: (folder / p).read_bytes() for p in doc["weightsManifest"][0]["paths"]}
    return vec, doc, decode_weights(doc["weightsManifest"], files)


def forward(x: np.ndarray, doc: dict, weights: dict[str, np.ndarray]) -> np.ndarray:
    """model.json's Dense layers applied in numpy, as TF.js would (in x's dtype)."""
    act = {"linear": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    for layer in doc["modelTopology"]["model_config"]["config"]["layers"]:
        assert layer["class_name"] == "Dense"
        cfg = layer["config"]
        x = act[cfg["activation"]](x @ weights[f"{cfg['name']}/kernel"].astype(x.dtype)
                                   + weights[f"{cfg['name']}/bias"].astype(x.dtype))
    return x[:, 0]


def test_the_export_has_the_pretrained_shape(exported) -> None:
    vec, doc, weights = exported
    assert vec.size == 15442 and len(vec.stop_words) == 318
    layers = doc["modelTopology"]["model_config"]["config"]["layers"]
    assert [(x["config"]["name"], x["config"]["units"], x["config"]["activation"])
            for x in layers] == [("decision", 5, "linear"), ("calibration", 5, "sigmoid"),
                                 ("average", 1, "linear")]
    assert layers[0]["config"]["batch_input_shape"] == [None, 15442]
    calibration = weights["calibration/kernel"]
    np.testing.assert_array_equal(calibration, np.diag(np.diag(calibration)))
    np.testing.assert_array_equal(weights["average/kernel"], np.float32(0.2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vectorizer_and_layers_reproduce_alt_profanity_check(exported, dtype) -> None:
    vec, doc, weights = exported
    assert len(REFS["sentences"]) >= 50
    scores = forward(vec.transform(REFS["sentences"], dtype), doc, weights)
    errors = np.abs(scores - np.array(REFS["scores"]))
    assert errors.max() <= 1e-4, REFS["sentences"][int(errors.argmax())]
    assert errors.max() <= 1e-6  # in fact: float32 weights cost less than 1e-6
