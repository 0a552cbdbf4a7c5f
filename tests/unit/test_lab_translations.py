"""Each lab's Ukrainian translation: main.uk.py is the same program as main.py (ASTs equal
once string constants, f-string text and comments are set aside), lesson.uk.md and the
lab.json "uk" block are there, the printed lines are Ukrainian, and the build puts the
translation into the lab document, the index and the home page."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from buildlib import config
from buildlib.site import labs

LAB_DIRS = sorted(p for p in config.LABS_SRC.iterdir() if p.is_dir() and p.name[0] not in "._")
CYRILLIC = re.compile(r"[а-щьюяєіїґ]", re.IGNORECASE)
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")
API_WORDS = {"csv", "json", "keras", "numpy", "tfjs", "true", "false", "none"}


class _Blank(ast.NodeTransformer):
    """The test's own blanking (independent of the build's): text constants become "",
    f-strings keep their replacement fields and format specs."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value="") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        node.values = [self.visit(v) for v in node.values if isinstance(v, ast.FormattedValue)]
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node.value = self.visit(node.value)
        return node


def _shape(source: str) -> str:
    return ast.dump(_Blank().visit(ast.parse(source)), annotate_fields=True,
                    include_attributes=False)


def _same(original: str, translated: str) -> bool:
    return _shape(original) == _shape(translated)


@pytest.mark.parametrize("folder", LAB_DIRS, ids=lambda p: p.name)
def test_every_lab_has_its_ukrainian_files_and_block(folder: Path):
    for name in ("main.uk.py", "lesson.uk.md"):
        path = folder / name
        assert path.is_file(), f"{path} is missing"
        assert CYRILLIC.search(path.read_text(encoding="utf-8")), f"{path} is not Ukrainian"
    meta = json.loads((folder / "lab.json").read_text(encoding="utf-8"))
    block = meta.get("uk")
    assert isinstance(block, dict), f"{folder / 'lab.json'} has no \"uk\" block"
    for key in ("title", "summary"):
        assert CYRILLIC.search(block.get(key, "")), f"{folder.name}: uk {key}"
    assert set(block.get("params", {})) == set(meta.get("params", {})), folder.name
    for name, hint in block.get("params", {}).items():
        assert CYRILLIC.search(hint), f"{folder.name}: uk hint for {name!r}"


@pytest.mark.parametrize("folder", LAB_DIRS, ids=lambda p: p.name)
def test_each_pair_is_the_same_program(folder: Path):
    original = (folder / "main.py").read_text(encoding="utf-8")
    translated = (folder / "main.uk.py").read_text(encoding="utf-8")
    assert _same(original, translated), folder.name
    assert labs.same_program(original, translated, "main.uk.py") is None
    assert original != translated


def _literal_text(call: ast.Call) -> str:
    parts = []
    for node in ast.walk(call):
        if isinstance(node, ast.FormattedValue):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts.append(node.value)
    return " ".join(parts)


def _prints(source: str) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name) and n.func.id == "print"]


@pytest.mark.parametrize("folder", LAB_DIRS, ids=lambda p: p.name)
def test_the_labs_printed_lines_are_ukrainian(folder: Path):
    """A print() whose English text has words prints Ukrainian words in main.uk.py."""
    english = _prints((folder / "main.py").read_text(encoding="utf-8"))
    ukrainian = _prints((folder / "main.uk.py").read_text(encoding="utf-8"))
    assert len(english) == len(ukrainian)
    for en, uk in zip(english, ukrainian, strict=True):
        words = [w for w in ENGLISH_WORD.findall(_literal_text(en)) if w not in API_WORDS]
        if words:
            assert CYRILLIC.search(_literal_text(uk)), (
                f"{folder.name}/main.uk.py, line {uk.lineno}: print() still English")


# a small sample pair and the changes a translation must not make
SAMPLE = '''\
# Fit a line.
import numpy as np

xs = np.array([1.0, 2.0, 3.0])
ys = 2 * xs - 1
model = fit(xs, ys, epochs=5, loss="meanSquaredError")
print(f"slope {model.slope:.3f}, loss {model.loss:.4f}")
print("done")
'''
SAMPLE_UK = '''\
# Підібрати пряму.
import numpy as np

xs = np.array([1.0, 2.0, 3.0])
ys = 2 * xs - 1  # правило
model = fit(xs, ys, epochs=5, loss="meanSquaredError")
print(f"нахил {model.slope:.3f}, втрати {model.loss:.4f}")
print("готово")
'''
BAD = {
    "one operator": ("ys = 2 * xs - 1  # правило", "ys = 2 * xs + 1  # правило"),
    "one name": ("fit(xs, ys,", "fit(ys, ys,"),
    "one number": ("epochs=5", "epochs=6"),
    "one keyword": ("epochs=5", "epoch=5"),
    "a number's format": ("{model.slope:.3f}", "{model.slope:.2f}"),
    "a field left out": (", втрати {model.loss:.4f}", ""),
    "an extra line": ('print("готово")', 'print("готово")\nprint("ще")'),
    "a line left out": ('print("готово")\n', ""),
}


def test_the_sample_pair_is_the_same_program():
    assert _same(SAMPLE, SAMPLE_UK)
    assert labs.same_program(SAMPLE, SAMPLE_UK) is None


@pytest.mark.parametrize("change", BAD)
def test_a_pair_that_differs_in_code_is_refused(change: str):
    old, new = BAD[change]
    assert old in SAMPLE_UK
    bad = SAMPLE_UK.replace(old, new)
    assert not _same(SAMPLE, bad)
    message = labs.same_program(SAMPLE, bad, "x/main.uk.py")
    assert message is not None and message.startswith("x/main.uk.py, line ")
    assert "not the same program as main.py" in message


def test_the_message_names_the_line_that_differs():
    bad = SAMPLE_UK.replace("ys = 2 * xs - 1", "ys = 2 * xs + 1")
    message = labs.same_program(SAMPLE, bad, "main.uk.py")
    assert message is not None
    assert message.startswith("main.uk.py, line 5: not the same program as main.py (line 5)")
    assert "`ys = 2 * xs - 1`" in message and "`ys = 2 * xs + 1  # правило`" in message


def test_a_translation_that_is_not_python_is_named():
    message = labs.same_program(SAMPLE, SAMPLE_UK + "print(\n", "main.uk.py")
    assert message is not None and message.startswith("main.uk.py, line 9:")


def _copy_lab(tmp_path: Path, lab_id: str = "one-neuron") -> Path:
    folder = tmp_path / lab_id
    shutil.copytree(config.LABS_SRC / lab_id, folder)
    return folder


def test_the_lab_document_and_index_carry_the_translation(tmp_path: Path):
    found = labs.load_labs(config.LABS_SRC)
    labs.write_labs(found, tmp_path)
    for lab in found:
        document = json.loads((tmp_path / "labs" / f"{lab.id}.json").read_text())
        uk = document["translations"]["uk"]
        assert set(uk) == {"title", "summary", "source", "lesson_html", "params"}
        assert uk["source"] == (config.LABS_SRC / lab.id / "main.uk.py").read_text()
        assert uk["lesson_html"].strip() and uk["lesson_html"] != document["lesson_html"]
        assert set(uk["params"]) == set(document["params"])
        assert document["source"] == (config.LABS_SRC / lab.id / "main.py").read_text()
    index = json.loads((tmp_path / "labs" / "index.json").read_text())
    for entry in index:
        assert set(entry["translations"]["uk"]) == {"title", "summary"}
        assert "source" not in entry and "lesson_html" not in entry


def test_the_home_page_cards_carry_their_ukrainian_text():
    found = labs.load_labs(config.LABS_SRC)
    page = labs.render_index("{{labs}}", found)
    one = next(lab for lab in found if lab.id == "one-neuron")
    uk = one.translations["uk"]
    assert '<li class="lab-card" data-lab="one-neuron">' in page
    assert f'<span class="lab-title" data-uk="{uk["title"]}">One neuron</span>' in page
    assert page.count("data-uk=") == 2 * len(found)
    assert '<h2 data-week="1">Week 1</h2>' in page


@pytest.mark.parametrize(("breaks", "words"), [
    (lambda f: (f / "lesson.uk.md").unlink(), "the uk translation has no lesson.uk.md"),
    (lambda f: (f / "main.uk.py").unlink(), "the uk translation has no main.uk.py"),
    (lambda f: (f / "main.uk.py").write_text(
        (f / "main.uk.py").read_text().replace("epochs=500", "epochs=50")),
     "main.uk.py, line "),
])
def test_a_course_lab_with_a_broken_translation_is_refused(tmp_path: Path, breaks, words):
    folder = _copy_lab(tmp_path)
    breaks(folder)
    with pytest.raises(labs.LabError, match=re.escape(words)):
        labs.load_lab(folder)


def test_a_uk_block_without_the_files_is_refused(tmp_path: Path):
    folder = _copy_lab(tmp_path)
    (folder / "main.uk.py").unlink()
    (folder / "lesson.uk.md").unlink()
    with pytest.raises(labs.LabError, match="has no main.uk.py and no lesson.uk.md"):
        labs.load_lab(folder)
    meta = json.loads((folder / "lab.json").read_text())
    del meta["uk"]
    (folder / "lab.json").write_text(json.dumps(meta))
    assert labs.load_lab(folder).translations == {}  # untranslated: English only


def test_uk_params_must_explain_the_same_parameters(tmp_path: Path):
    folder = _copy_lab(tmp_path)
    meta = json.loads((folder / "lab.json").read_text())
    meta["uk"]["params"] = {"speed": "швидкість"}
    (folder / "lab.json").write_text(json.dumps(meta))
    with pytest.raises(labs.LabError, match="not in 'params': speed; missing: seed"):
        labs.load_lab(folder)
