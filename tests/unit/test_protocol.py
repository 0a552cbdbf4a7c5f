"""The page <-> worker protocol is declared once (site/js/shared/protocol.js) and kept to.

Every message a side handles is in the table for its direction, every call Python makes
on the page is a UI_CALLS entry (or one the worker builds itself), and the page answers
each UI call; the studio handle Python drives has only the declared methods.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "site" / "js"


def table(name: str) -> set[str]:
    """The keys of ``export const <name> = { key: {...}, ... }`` in protocol.js."""
    text = (JS / "shared" / "protocol.js").read_text()
    body = text.split(f"export const {name} = {{", 1)[1].split("\n};", 1)[0]
    return set(re.findall(r"^  (\w+): \{", body, re.MULTILINE))


def block(text: str, start: str) -> str:
    """The body of the top-level object literal ``start`` opens (lab.js is a module: its
    declarations sit at column 0, their keys at column 2)."""
    return text.split(f"\n{start}", 1)[1].split("\n};", 1)[0]


def test_the_tables_are_not_empty():
    assert {"run", "stop", "pad", "boot"} <= table("TO_WORKER")
    assert {"out", "ui", "fatal", "memory"} <= table("TO_PAGE")
    assert {"askFile", "progress", "render", "studioNext"} <= table("UI_CALLS")


def test_each_side_handles_only_declared_messages():
    worker = (ROOT / "site" / "worker.js").read_text()
    handled = set(re.findall(r'link\.handle\("(\w+)"', worker))
    assert handled and handled <= table("TO_WORKER")
    assert table("TO_WORKER") - handled == {"reply"}  # replies settle requests in Link
    lab = (JS / "page" / "lab.js").read_text()
    page_handlers = set(re.findall(r"^  (\w+): ", block(lab, "const handlers = {"),
                                   re.MULTILINE))
    assert page_handlers == table("TO_PAGE") - {"reply"}


def test_python_calls_only_declared_ui_calls_and_the_page_answers_each():
    worker = (ROOT / "site" / "worker.js").read_text()
    built_in_worker = set(re.findall(r"^ui\.(\w+) = ", worker, re.MULTILINE))
    assert built_in_worker == {"drawingPad", "modelSummary", "studio"}
    calls = table("UI_CALLS")
    # every module of pytfjs that calls the page (output, charts, prompts, reporting, studio)
    python = "".join(p.read_text() for p in (ROOT / "py" / "pytfjs").rglob("*.py"))
    used = set(re.findall(r"\bpage\.(\w+)\(", python))
    assert used and used <= calls | built_in_worker, used - calls - built_in_worker
    lab = (JS / "page" / "lab.js").read_text()
    answered = block(lab, "const ui = {")
    for call in calls:
        assert re.search(rf"^  {call}[,(:]", answered, re.MULTILINE), call


def test_the_studio_handle_has_only_declared_methods():
    text = (JS / "shared" / "protocol.js").read_text()
    declared = set(re.findall(r'"(\w+)"', text.split("STUDIO_METHODS = [", 1)[1].split("]")[0]))
    studio_py = (ROOT / "py" / "pytfjs" / "studio.py").read_text()
    used = set(re.findall(r"self\._js\.(\w+)", studio_py))
    assert used and used <= declared | {"next", "stopTraining"}, used - declared


def test_the_page_answers_exactly_the_declared_ui_calls():
    """A new UI call is one UI_CALLS entry and one entry in lab.js's ``ui``: nothing the
    page answers is undeclared, and lab.js checks the same as it loads."""
    lab = (JS / "page" / "lab.js").read_text()
    answered = set(re.findall(r"^  (\w+)\b", block(lab, "const ui = {"), re.MULTILINE))
    assert answered == table("UI_CALLS"), answered ^ table("UI_CALLS")
    assert "Object.keys(UI_CALLS).filter" in lab and "Object.keys(ui).filter" in lab
