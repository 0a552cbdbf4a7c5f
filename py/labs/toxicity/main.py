# Toxicity (course week 3): does a sentence insult, threaten, swear...? One verdict per label.
from pytfjs import param, params, report, ui
from pytfjs.control import InputError
from pytfjs.text import sentences, toxicity

# As in the course: load the model with a threshold, then classify sentences.
threshold = param("threshold", 0.9)
model = await toxicity.load(threshold)
print(f"labels: {', '.join(model.course_order())}; not in this model: "
      f"{', '.join(toxicity.MISSING)}")

pause = ui.Pause(0.2)


async def progress(done, total):
    ui.progress({"fraction": done / total, "text": f"classified {done:,} of {total:,} sentences"})
    if breather := pause.due():  # long texts: let the page paint and see Stop
        await breather


def cell(result):
    p = result["probabilities"][1]
    verdict = {True: "true", False: "false", None: "null"}[result["match"]]
    return ui.meter(p, f"{p:.3f} {verdict}", low=1 - threshold, high=threshold)


async def classify(lines):
    predictions = await model.classify(lines, progress)
    # predictions: one entry per label, each with one result per sentence (as in the course)
    for prediction in predictions:
        for line, result in zip(lines[:20], prediction["results"]):  # the first 20 here
            if result["match"]:
                print(f"{prediction['label']} was found in {line[:60]!r} with probability "
                      f"{result['probabilities'][1]:.3f}")
    headers = ["sentence", *(p["label"] for p in predictions), *toxicity.MISSING]
    rows = [[line if len(line) <= 80 else line[:79] + "…",
             *(cell(p["results"][i]) for p in predictions),
             *("not in this model" for _ in toxicity.MISSING)]
            for i, line in enumerate(lines[:200])]
    shown = f"the first 200 of {len(lines)}" if len(lines) > 200 else f"{len(lines)}"
    ui.table("Toxicity per label", headers, rows,
             caption=f"{shown} sentences; probability and match at threshold {threshold} "
                     "(null: neither yes nor no is above the threshold)")
    report(labels=[p["label"] for p in predictions], missing=list(toxicity.MISSING),
           threshold=threshold,
           scores=[{p["label"]: p["results"][i]["probabilities"][1] for p in predictions}
                   for i in range(len(lines))],
           matches=[{p["label"]: p["results"][i]["match"] for p in predictions}
                    for i in range(len(lines))])


if "text" in params():  # scripted (?text=...): classify these sentences once
    await classify(sentences(param("text", "")))
else:  # the course's example first, then yours... until Stop
    await classify(["you suck"])
    text, problem = "you suck\nI will kill you\nHave a nice day!", ""
    while True:
        answer = await ui.ask_text(
            "Type or paste sentences, one per line, then press Classify (or Ctrl+Enter).",
            text, label="Sentences", button="Classify", error=problem,
            slider=ui.Slider("Threshold", threshold, 0.5, 0.99, 0.01))
        text, threshold = answer.text, answer.value
        model.threshold = threshold
        try:
            await classify(sentences(text))
            problem = ""
        except InputError as refused:  # empty or far too long: say why, ask again
            problem = str(refused)
