# Similar sentences (course week 3): the Universal Sentence Encoder, and which sentences
# mean the same.
from pytfjs import param, params, report, ui
from pytfjs.control import InputError
from pytfjs.text import sentences, use

model = await use.load()  # as in the course: use.load(), then model.embed(sentences)
print(f"{len(model.tokenizer.vocabulary):,} word pieces -> 512 numbers per sentence")


async def compare(lines):
    embeddings = await model.embed(lines)
    similar = use.similarity(embeddings)  # cosine: 1 = same direction, 0 = unrelated
    closest = use.nearest(similar)
    short = [line if len(line) <= 40 else line[:39] + "…" for line in lines]
    rows = [[short[i], *(ui.meter(max(0.0, s), f"{s:.2f}") for s in similar[i])]
            for i in range(len(lines))]
    ui.table("Similarity of every pair", ["sentence", *short], rows,
             caption=f"{len(lines)} sentences, {embeddings.shape[1]} numbers each; "
                     "cosine similarity of their embeddings")
    for i, j in enumerate(closest):
        print(f"{lines[i]!r} is closest to {lines[j]!r} ({similar[i, j]:.2f})")
    report(sentences=len(lines), dimensions=int(embeddings.shape[1]), closest=closest,
           similarity=[[round(float(s), 4) for s in row] for row in similar])


if "text" in params():  # scripted (?text=...): compare these sentences once
    await compare(sentences(param("text", "")))
else:  # the course's examples first, then yours... until Stop
    text = ("I like my phone\nYour cellphone looks great.\nHow old are you?\n"
            "what is your age?\nWill it snow tomorrow?\nGlobal warming is real")
    await compare(text.splitlines())
    problem = ""
    while True:
        answer = await ui.ask_text(
            "Type or paste sentences, one per line, then press Compare (or Ctrl+Enter).",
            text, label="Sentences", button="Compare", error=problem)
        text = answer.text
        try:
            await compare(sentences(text))
            problem = ""
        except InputError as refused:  # too few, empty or far too many: say why, ask again
            problem = str(refused)
