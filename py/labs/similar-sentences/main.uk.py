# Схожі речення (тиждень 3 курсу): Universal Sentence Encoder і те, які речення означають
# одне й те саме.
from pytfjs import param, params, report, ui
from pytfjs.control import InputError
from pytfjs.text import sentences, use

model = await use.load()  # як у курсі: use.load(), потім model.embed(sentences)
print(f"частин слів: {len(model.tokenizer.vocabulary):,} -> 512 чисел на речення")


async def compare(lines):
    embeddings = await model.embed(lines)
    similar = use.similarity(embeddings)  # косинус: 1 = той самий напрям, 0 = не пов'язані
    closest = use.nearest(similar)
    short = [line if len(line) <= 40 else line[:39] + "…" for line in lines]
    rows = [[short[i], *(ui.meter(max(0.0, s), f"{s:.2f}") for s in similar[i])]
            for i in range(len(lines))]
    ui.table("Схожість кожної пари", ["речення", *short], rows,
             caption=f"речень: {len(lines)}, по {embeddings.shape[1]} чисел; "
                     "косинусна схожість їхніх векторів ознак (ембедингів)")
    for i, j in enumerate(closest):
        print(f"{lines[i]!r} найближче до {lines[j]!r} ({similar[i, j]:.2f})")
    report(sentences=len(lines), dimensions=int(embeddings.shape[1]), closest=closest,
           similarity=[[round(float(s), 4) for s in row] for row in similar])


if "text" in params():  # зі скрипта (?text=...): порівняти ці речення один раз
    await compare(sentences(param("text", "")))
else:  # спершу приклади з курсу, потім ваші... доки не натиснете «Зупинити»
    text = ("I like my phone\nYour cellphone looks great.\nHow old are you?\n"
            "what is your age?\nWill it snow tomorrow?\nGlobal warming is real")
    await compare(text.splitlines())
    problem = ""
    while True:
        answer = await ui.ask_text(
            "Введіть або вставте речення, по одному в рядку, і натисніть «Порівняти» "
            "(або Ctrl+Enter).",
            text, label="Речення", button="Порівняти", error=problem)
        text = answer.text
        try:
            await compare(sentences(text))
            problem = ""
        except InputError as refused:  # замало, порожньо чи надто багато: пояснити й спитати знову
            problem = str(refused)
