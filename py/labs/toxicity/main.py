# Toxicity (course week 3): an offensive-language score for each sentence you type.
import json

import numpy as np

from pytfjs import check_stop, param, params, report, tf, ui
from pytfjs.control import InputError
from pytfjs.text import TfidfVectorizer, sentences

# Words -> numbers (TF-IDF) runs here in Python; the classifier's layers run in TF.js.
vectorizer = TfidfVectorizer.from_json(
    json.loads(await ui.fetch_bytes("models/toxicity/vectorizer.json")))
model = await tf.load_layers_model("models/toxicity/model.json")
print(f"{vectorizer.size:,} known words -> {len(model.layers)} dense layers -> one score")


async def scores_of(lines):
    """One score per line, 256 lines at a time (each batch is lines x 15,442 numbers)."""
    scores, pause = [], ui.Pause(0.2)
    for start in range(0, len(lines), 256):
        features = vectorizer.transform(lines[start:start + 256], np.float32)
        with model.predict(features) as predicted:
            scores += predicted.numpy()[:, 0].tolist()
        ui.progress({"fraction": len(scores) / len(lines),
                     "text": f"scored {len(scores):,} of {len(lines):,} sentences"})
        if breather := pause.due():  # long texts: let the page paint and see Stop
            await breather
        check_stop()
    return scores


def verdict(score, threshold):
    # Like the course's model: sure either way above the threshold, else not sure.
    if score > threshold:
        return "offensive"
    return "not offensive" if 1 - score > threshold else "not sure"


async def show(lines, threshold):
    scores = await scores_of(lines)
    rows = [[line if len(line) <= 80 else line[:79] + "…",
             ui.meter(score, f"{score:.3f}", low=1 - threshold, high=threshold),
             verdict(score, threshold)] for line, score in zip(lines[:200], scores)]
    flagged = sum(score > threshold for score in scores)
    shown = f"the first 200 of {len(lines)}" if len(lines) > 200 else f"{len(lines)}"
    ui.table("Offensive-language scores", ["sentence", "score", f"at threshold {threshold}"],
             rows, caption=f"{shown} sentences; {flagged} flagged (score > {threshold})")
    print(f"{len(lines)} sentences scored, {flagged} flagged above {threshold}")
    report(scores=scores, flagged=flagged, threshold=threshold)


threshold = param("threshold", 0.9)
if not 0.5 <= threshold <= 0.99:
    raise InputError(f"threshold={threshold}: choose a value from 0.5 to 0.99")
if "text" in params():  # scripted (?text=...): score once
    await show(sentences(param("text", "")), threshold)
else:  # score, edit, score again... until Stop
    text, problem = "you suck\nHave a nice day!\nThe movie was crap.\nshut up, you moron", ""
    while True:
        answer = await ui.ask_text(
            "Type or paste sentences, one per line, then press Score (or Ctrl+Enter).",
            text, label="Sentences", button="Score", error=problem,
            slider=ui.Slider("Flag above", threshold, 0.5, 0.99, 0.01))
        text, threshold = answer.text, answer.value
        try:
            await show(sentences(text), threshold)
            problem = ""
        except InputError as refused:  # empty or far too long: say why, ask again
            problem = str(refused)
