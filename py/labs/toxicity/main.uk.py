# Токсичність (тиждень 3 курсу): чи речення ображає, погрожує, лається...? Вердикт для кожної мітки.
from pytfjs import param, params, report, ui
from pytfjs.control import InputError
from pytfjs.text import sentences, toxicity

# Як у курсі: завантажити модель із порогом, потім класифікувати речення.
threshold = param("threshold", 0.9)
model = await toxicity.load(threshold)
print(f"мітки: {', '.join(model.course_order())}; немає в цій моделі: "
      f"{', '.join(toxicity.MISSING)}")

pause = ui.Pause(0.2)


async def progress(done, total):
    ui.progress({"fraction": done / total, "text": f"класифіковано речень: {done:,} з {total:,}"})
    if breather := pause.due():  # довгі тексти: дати сторінці намалюватися й побачити «Зупинити»
        await breather


def cell(result):
    p = result["probabilities"][1]
    verdict = {True: "true", False: "false", None: "null"}[result["match"]]
    return ui.meter(p, f"{p:.3f} {verdict}", low=1 - threshold, high=threshold)


async def classify(lines):
    predictions = await model.classify(lines, progress)
    # predictions: по елементу на мітку, у кожному по результату на речення (як у курсі)
    for prediction in predictions:
        for line, result in zip(lines[:20], prediction["results"]):  # тут перші 20
            if result["match"]:
                print(f"{prediction['label']} знайдено в {line[:60]!r} з ймовірністю "
                      f"{result['probabilities'][1]:.3f}")
    headers = ["речення", *(p["label"] for p in predictions), *toxicity.MISSING]
    rows = [[line if len(line) <= 80 else line[:79] + "…",
             *(cell(p["results"][i]) for p in predictions),
             *("немає в цій моделі" for _ in toxicity.MISSING)]
            for i, line in enumerate(lines[:200])]
    shown = f"перші 200 з {len(lines)}" if len(lines) > 200 else f"{len(lines)}"
    ui.table("Токсичність за мітками", headers, rows,
             caption=f"Речення: {shown}; ймовірність і збіг із порогом {threshold} "
                     "(null: ні «так», ні «ні» не перевищує поріг)")
    report(labels=[p["label"] for p in predictions], missing=list(toxicity.MISSING),
           threshold=threshold,
           scores=[{p["label"]: p["results"][i]["probabilities"][1] for p in predictions}
                   for i in range(len(lines))],
           matches=[{p["label"]: p["results"][i]["match"] for p in predictions}
                    for i in range(len(lines))])


if "text" in params():  # зі скрипта (?text=...): класифікувати ці речення один раз
    await classify(sentences(param("text", "")))
else:  # спершу приклад із курсу, потім ваші... доки не натиснете «Зупинити»
    await classify(["you suck"])
    text, problem = "you suck\nI will kill you\nHave a nice day!", ""
    while True:
        answer = await ui.ask_text(
            "Введіть або вставте речення, по одному в рядку, і натисніть «Класифікувати» "
            "(або Ctrl+Enter).",
            text, label="Речення", button="Класифікувати", error=problem,
            slider=ui.Slider("Поріг", threshold, 0.5, 0.99, 0.01))
        text, threshold = answer.text, answer.value
        model.threshold = threshold
        try:
            await classify(sentences(text))
            problem = ""
        except InputError as refused:  # порожньо чи надто довго: пояснити й спитати знову
            problem = str(refused)
