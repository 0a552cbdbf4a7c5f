"""Export alt-profanity-check's classifier as a TF.js layers model + a TF-IDF JSON file.

Not imported by the build: ``buildlib/toxicity.py`` runs it in its own cached venv that
has scikit-learn 1.9.1 (needed to unpickle the model), as

    PYTHONPATH=py <venv>/bin/python buildlib/toxicity_export.py \
        MODEL.joblib VECTORIZER.joblib OUT_DIR SOURCE

where SOURCE names the pinned package the pickles come from (``alt-profanity-check 1.9.1``,
from ``inputs.py``); it is written into ``vectorizer.json`` and named in every error.

The model is ``CalibratedClassifierCV(LinearSVC, method="sigmoid")``: k folds, each a linear
decision function f_i = x . w_i + c_i calibrated by p_i = sigmoid(-(a_i f_i + b_i)), and
``predict_proba`` is the mean of the p_i. As three Dense layers, exactly:

    decision    Dense(k)             kernel [w_1 .. w_k], bias [c_1 .. c_k]
    calibration Dense(k, sigmoid)    kernel diag(-a), bias -b
    average     Dense(1)             kernel 1/k, bias 0

Every setting of the vectorizer and the model is checked; anything that
``pytfjs.text.tfidf`` or these three layers would not reproduce stops the export. Before
writing, the written bytes are decoded again and, on check sentences, pytfjs' vectorizer
must match scikit-learn's ``transform`` and the layers its ``predict_proba`` within 1e-6.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.calibration import (  # noqa: E402
    CalibratedClassifierCV,
    _CalibratedClassifier,
    _SigmoidCalibration,
)
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from pytfjs.convert.writer import decode_weights, layers_model_files, write_files  # noqa: E402
from pytfjs.text.tfidf import TfidfVectorizer  # noqa: E402

TOLERANCE = 1e-6
SOURCE = "the pickled classifier"  # replaced by the package named on the command line
CHECK_SENTENCES = [
    "", "   ", "Have a nice day!", "You are an idiot and I hate you.", "shut up, you moron",
    "What a lovely photo :)", "THIS IS SO STUPID!!!", "Thanks for your help, much appreciated.",
    "go to hell", "I disagree with your argument, but I respect it.", "naïve café über",
    "Ça va? 你好 🙂", "f*** this", "you're a f***ing genius", "the the the and of",
    "kill the process and restart the server", "Damn, that was close.", "12345 67890",
    "a b c d", "You absolute clown.",
]


class ExportError(RuntimeError):
    """The pickled model uses something this export does not reproduce exactly."""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise ExportError(f"{SOURCE}: {what}; the export does not reproduce that "
                          "(extend pytfjs.text.tfidf / toxicity_export.py and its checks)")


def vectorizer_settings(vec: Any) -> TfidfVectorizer:
    """pytfjs' vectorizer with the settings ``vec`` really uses, or ExportError."""
    _require(type(vec) is SkTfidf, f"the vectorizer is a {type(vec).__name__}")
    _require(vec.analyzer == "word", f"analyzer={vec.analyzer!r}")
    _require(vec.tokenizer is None and vec.preprocessor is None, "a custom tokenizer")
    _require(not vec.strip_accents, f"strip_accents={vec.strip_accents!r}")
    _require(tuple(vec.ngram_range) == (1, 1), f"ngram_range={vec.ngram_range!r}")
    _require(vec.binary is False, "binary=True")
    _require(vec.input == "content", f"input={vec.input!r}")
    _require(np.dtype(vec.dtype) == np.float64, f"dtype={vec.dtype!r}")
    _require(isinstance(vec.token_pattern, str) and re.compile(vec.token_pattern).groups <= 1,
             f"token_pattern={vec.token_pattern!r}")
    tfidf = vec._tfidf  # the fitted transformer that transform() really uses
    for key, wanted in (("use_idf", True), ("sublinear_tf", False), ("norm", "l2")):
        _require(getattr(vec, key) == wanted and getattr(tfidf, key) == wanted,
                 f"{key}={getattr(tfidf, key)!r}")
    if vec.stop_words == "english":
        stop_words = frozenset(ENGLISH_STOP_WORDS)
    elif vec.stop_words is None:
        stop_words = frozenset()
    else:
        _require(isinstance(vec.stop_words, (list, tuple, set, frozenset)),
                 f"stop_words={vec.stop_words!r}")
        stop_words = frozenset(vec.stop_words)
    vocabulary = vec.vocabulary_
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    _require(sorted(vocabulary.values()) == list(range(len(terms))), "a vocabulary with gaps")
    idf = np.asarray(vec.idf_, np.float64)
    _require(idf.shape == (len(terms),) and bool(np.isfinite(idf).all()), "bad idf values")
    return TfidfVectorizer(terms=tuple(terms), idf=idf, token_pattern=vec.token_pattern,
                           lowercase=bool(vec.lowercase), stop_words=stop_words)


def calibrated_linear(model: Any, n_features: int) -> dict[str, np.ndarray]:
    """float64 ``w`` [n, k], ``c`` [k], ``a`` [k], ``b`` [k] of the k calibrated folds."""
    _require(type(model) is CalibratedClassifierCV, f"the model is a {type(model).__name__}")
    _require(model.method == "sigmoid", f"method={model.method!r}")
    _require(list(model.classes_) == [0, 1], f"classes {list(model.classes_)}")
    w, c, a, b = [], [], [], []
    for fold in model.calibrated_classifiers_:
        _require(type(fold) is _CalibratedClassifier and fold.method == "sigmoid",
                 "a fold that is not sigmoid-calibrated")
        _require(list(fold.classes) == [0, 1], "a fold with other classes")
        est = fold.estimator
        _require(type(est) is LinearSVC, f"a fold's estimator is a {type(est).__name__}")
        _require(list(est.classes_) == [0, 1] and est.coef_.shape == (1, n_features)
                 and est.intercept_.shape == (1,), "a fold that is not one linear function "
                 f"of the {n_features} TF-IDF features")
        _require(len(fold.calibrators) == 1 and type(fold.calibrators[0]) is _SigmoidCalibration,
                 "a fold with another calibrator")
        w.append(est.coef_[0])
        c.append(est.intercept_[0])
        a.append(fold.calibrators[0].a_)
        b.append(fold.calibrators[0].b_)
    _require(len(w) > 0, "no calibrated classifiers")
    return {"w": np.stack(w, axis=1).astype(np.float64), "c": np.array(c, np.float64),
            "a": np.array(a, np.float64), "b": np.array(b, np.float64)}


def layer_weights(p: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    k = len(p["c"])
    return [("decision/kernel", p["w"]), ("decision/bias", p["c"]),
            ("calibration/kernel", np.diag(-p["a"])), ("calibration/bias", -p["b"]),
            ("average/kernel", np.full((k, 1), 1.0 / k)), ("average/bias", np.zeros(1))]


def topology(n_features: int, k: int) -> dict[str, Any]:
    def dense(name: str, units: int, activation: str, first: bool = False) -> dict[str, Any]:
        config = {"name": name, "trainable": False, "dtype": "float32", "units": units,
                  "activation": activation, "use_bias": True,
                  "kernel_initializer": {"class_name": "Zeros", "config": {}},
                  "bias_initializer": {"class_name": "Zeros", "config": {}}}
        if first:
            config["batch_input_shape"] = [None, n_features]
        return {"class_name": "Dense", "config": config}

    layers = [dense("decision", k, "linear", first=True), dense("calibration", k, "sigmoid"),
              dense("average", 1, "linear")]
    return {"keras_version": "2.15.0", "backend": "tensor_flow.js",
            "model_config": {"class_name": "Sequential",
                             "config": {"name": "offensive_language", "layers": layers}}}


def forward(x: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """The three Dense layers in numpy, in the dtype of ``x`` (float32 = what TF.js does)."""
    dt = x.dtype
    h = x @ weights["decision/kernel"].astype(dt) + weights["decision/bias"].astype(dt)
    z = h @ weights["calibration/kernel"].astype(dt) + weights["calibration/bias"].astype(dt)
    p = (1 / (1 + np.exp(-z))).astype(dt)
    return (p @ weights["average/kernel"].astype(dt) + weights["average/bias"].astype(dt))[:, 0]


def check_sentences(terms: tuple[str, ...], count: int = 300) -> list[str]:
    """Fixed sentences plus seeded mixes of vocabulary words, case and punctuation."""
    rng = random.Random(1)  # noqa: S311 - reproducible check sentences
    words = list(terms) + ["the", "and", "you", "are", "NOT", "Über", "x"]
    out = list(CHECK_SENTENCES)
    for _ in range(count):
        picked = [rng.choice(words) for _ in range(rng.randint(1, 25))]
        picked = [w.upper() if rng.random() < 0.1 else w for w in picked]
        out.append(rng.choice([" ", ", ", "! ", " - "]).join(picked))
    return out


def main(argv: list[str]) -> int:
    global SOURCE
    model_path, vectorizer_path, out_dir = (Path(p) for p in argv[:3])
    SOURCE = argv[3]
    vec = joblib.load(vectorizer_path)
    model = joblib.load(model_path)
    ours = vectorizer_settings(vec)
    params = calibrated_linear(model, ours.size)
    k = len(params["c"])
    files = layers_model_files(topology(ours.size, k), layer_weights(params),
                               generated_by=f"scikit-learn v{sklearn.__version__}")
    vectorizer_doc = ours.to_json(source=f"{SOURCE}: data/vectorizer.joblib "
                                         f"(scikit-learn {sklearn.__version__} TfidfVectorizer)")
    files["vectorizer.json"] = json.dumps(vectorizer_doc).encode()

    # Check what is about to be written, decoded back from its bytes, against scikit-learn.
    written = decode_weights(json.loads(files["model.json"])["weightsManifest"], files)
    reread = TfidfVectorizer.from_json(json.loads(files["vectorizer.json"]))
    texts = check_sentences(ours.terms)
    x_sk = vec.transform(texts).toarray()
    x = reread.transform(texts)
    expected = model.predict_proba(vec.transform(texts))[:, 1]
    errors = {
        "tfidf": float(np.abs(x - x_sk).max()),
        "float64_layers": float(np.abs(forward(x, written) - expected).max()),
        "float32_layers": float(np.abs(forward(x.astype(np.float32), written) - expected).max()),
    }
    for name, error in errors.items():
        if not error <= TOLERANCE:
            raise ExportError(f"{name} differs from scikit-learn by {error:.3g} "
                              f"(> {TOLERANCE}) on the check sentences; nothing was written")
    write_files(out_dir, files)
    print(json.dumps({"features": ours.size, "folds": k, "check_sentences": len(texts),
                      "max_abs_error": errors, "files": sorted(files)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
