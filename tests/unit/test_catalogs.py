"""The translation catalogs (issue 29), over both domains (pytfjs: what pytfjs prints,
asks and raises; site: the page's text):

- each template (locale/<domain>.pot) is what a fresh Babel extraction gives, and each
  language's .po holds exactly the template's messages;
- no message is untranslated or fuzzy; msgid and msgstr have the same {placeholders};
- a Ukrainian plural message has all three forms, and the catalog's Plural-Forms picks
  them right for 1, 2, 5, 11, 21, 22, 25 both from the compiled .mo (stdlib gettext) and
  from the compiled site.js module (evaluated in Node);
- no learner-facing string literal in py/pytfjs escapes gettext (an AST check, itself
  checked on a bad sample);
- pytfjs speaks Ukrainian when told to (real messages, real plurals), English otherwise.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from buildlib.make import catalogs
from testkit.harness import ROOT

LOCALE = ROOT / "locale"
DOMAINS = ("pytfjs", "site")
UK_PLURAL_FORMS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                   "(n%100<10 || n%100>=20) ? 1 : 2);")
COUNTS = (1, 2, 5, 11, 21, 22, 25)
UK_FORM = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2}  # 1 файл, 2 файли, 5 файлів


def _po_files() -> list[Path]:
    files = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
    assert {p.stem for p in files} >= set(DOMAINS), "the uk catalogs are missing"
    return files


PO_FILES = _po_files()


def _ids(entries: list[catalogs.Entry]) -> set[tuple[str | None, str, str | None]]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in entries}


@pytest.mark.parametrize("domain", DOMAINS)
def test_template_is_a_fresh_extraction(domain):
    pytest.importorskip("babel", reason="Babel is in requirements-test.txt")
    from buildlib.make import i18n_extract

    fresh = i18n_extract.templates()[domain]
    extracted = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id,
                  m.id[1] if isinstance(m.id, tuple) else None) for m in fresh if m.id}
    template = catalogs.read_po(LOCALE / f"{domain}.pot")
    assert _ids(template.messages) == extracted, (
        f"locale/{domain}.pot is out of date: run `python3 build.py i18n`")


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.relative_to(LOCALE).as_posix())
def test_catalog_holds_exactly_the_templates_messages(po):
    template = catalogs.read_po(LOCALE / f"{po.stem}.pot")
    catalog = catalogs.read_po(po)
    missing = _ids(template.messages) - _ids(catalog.messages)
    extra = _ids(catalog.messages) - _ids(template.messages)
    assert not missing and not extra, (
        f"{po.name}: {len(missing)} messages missing, {len(extra)} not in the template: run "
        f"`python3 build.py i18n`; first: {sorted(map(str, missing | extra))[:3]}")


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.relative_to(LOCALE).as_posix())
def test_every_message_is_translated_and_none_is_fuzzy(po):
    catalog = catalogs.read_po(po)
    untranslated = [e.msgid for e in catalog.messages if not e.translated]
    fuzzy = [e.msgid for e in catalog.messages if e.fuzzy]
    assert not untranslated, f"{po}: {len(untranslated)} untranslated: {untranslated[:5]}"
    assert not fuzzy, f"{po}: {len(fuzzy)} fuzzy (check and drop the flag): {fuzzy[:5]}"
    assert not catalog.header_entry or not catalog.header_entry.fuzzy


def placeholders(text: str) -> set[str]:
    """The {fields} of a brace-format string, with conversion and format spec."""
    try:
        return {f"{name}!{conv or ''}:{spec or ''}"
                for _literal, name, spec, conv in string.Formatter().parse(text)
                if name is not None}
    except ValueError as exc:
        raise AssertionError(f"not a valid brace format: {text!r} ({exc})") from None


def placeholder_problems(catalog: catalogs.Catalog) -> list[str]:
    problems = []
    for e in catalog.messages:
        if not e.translated:
            continue
        wanted = placeholders(e.msgid_plural if e.msgid_plural else e.msgid)
        if e.msgid_plural and placeholders(e.msgid) != wanted:
            problems.append(f"{e.msgid!r}: singular and plural differ")
        for form in e.msgstr:
            got = placeholders(form)
            # a plural form may leave out the count ("one file" for n == 1), nothing else
            if got != wanted and not (e.msgid_plural and got < wanted):
                problems.append(f"{e.msgid!r} -> {form!r}: {sorted(got ^ wanted)}")
    return problems


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.relative_to(LOCALE).as_posix())
def test_msgid_and_msgstr_have_the_same_placeholders(po):
    problems = placeholder_problems(catalogs.read_po(po))
    assert not problems, "\n".join(problems[:10])


def test_the_placeholder_check_catches_a_wrong_translation():
    bad = catalogs.read_po('msgid ""\nmsgstr "Language: uk\\n"\n\n'
                           'msgid "{file}, row {row}"\nmsgstr "{файл}, рядок {row}"\n\n'
                           'msgid "{n:,} rows"\nmsgstr "{n} рядків"\n\n'
                           'msgid "{name!r}"\nmsgstr "{name}"\n\n'
                           'msgid "fine {x}"\nmsgstr "добре {x}"\n')
    problems = placeholder_problems(bad)
    assert len(problems) == 3 and not any("fine" in p for p in problems)


@pytest.mark.parametrize("po", sorted(LOCALE.glob("uk/LC_MESSAGES/*.po")),
                         ids=lambda p: p.name)
def test_ukrainian_catalogs_have_three_plural_forms(po):
    catalog = catalogs.read_po(po)
    assert catalog.header.get("Language") == "uk"
    assert catalog.header.get("Plural-Forms", "").replace(" ", "") == UK_PLURAL_FORMS.replace(
        " ", "")
    assert "charset=utf-8" in catalog.header.get("Content-Type", "").lower()
    for e in catalog.messages:
        if e.msgid_plural is not None:
            assert len(e.msgstr) == 3 and all(e.msgstr), f"{e.msgid!r} needs 3 forms"


def _plural_entries(domain: str) -> list[catalogs.Entry]:
    catalog = catalogs.read_po(LOCALE / "uk" / "LC_MESSAGES" / f"{domain}.po")
    return [e for e in catalog.messages if e.msgid_plural is not None and e.translated]


def test_pytfjs_catalog_has_plural_messages_to_check():
    # the plural checks below must have something to check
    assert len(_plural_entries("pytfjs")) >= 10


@pytest.mark.parametrize("domain", DOMAINS)
def test_plurals_from_the_compiled_mo(domain, tmp_path):
    """The built pytfjs.mo read by stdlib gettext (site.po compiled the same way, so the
    page's plural messages are checked by the same rule)."""
    catalogs.write_catalogs(LOCALE, tmp_path)
    if domain == "pytfjs":
        translation = gettext.translation("pytfjs", tmp_path / "locale", languages=["uk"])
    else:
        mo = tmp_path / "site.mo"
        mo.write_bytes(catalogs.mo_bytes(catalogs.read_po(
            LOCALE / "uk" / "LC_MESSAGES" / "site.po")))
        with mo.open("rb") as fh:
            translation = gettext.GNUTranslations(fh)
    assert translation.info()["plural-forms"].replace(" ", "") == UK_PLURAL_FORMS.replace(
        " ", "")
    for e in _plural_entries(domain):
        assert e.msgid_plural is not None
        for n in COUNTS:
            got = (translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                   if e.msgctxt else translation.ngettext(e.msgid, e.msgid_plural, n))
            assert got == e.msgstr[UK_FORM[n]], (e.msgid, n)


def _node_eval(module: Path, script: str) -> object:
    node = shutil.which("node")
    assert node, "Node.js is needed to check the page's catalog"
    code = f"const m = await import({json.dumps(module.as_uri())});\n{script}"
    done = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("domain", DOMAINS)
def test_plurals_from_the_compiled_site_js_in_node(domain, tmp_path):
    """The page's rule in JavaScript: the real site.js, and (so the check always has
    plural messages to pick from) the pytfjs catalog compiled the same way."""
    catalogs.write_catalogs(LOCALE, tmp_path)
    module = tmp_path / "locale" / "uk" / "site.js"
    if domain == "pytfjs":
        module = tmp_path / "pytfjs.js"
        module.write_text(catalogs.site_js(catalogs.read_po(
            LOCALE / "uk" / "LC_MESSAGES" / "pytfjs.po"), "uk"), encoding="utf-8")
    got = _node_eval(module, f"""
const counts = {json.dumps(COUNTS)};
const out = {{lang: m.lang, forms: counts.map(m.plural), messages: {{}}}};
for (const [key, value] of Object.entries(m.messages)) {{
  if (Array.isArray(value)) out.messages[key] = counts.map((n) => value[m.plural(n)]);
}}
console.log(JSON.stringify(out));""")
    assert isinstance(got, dict)
    assert got["lang"] == "uk"
    assert got["forms"] == [UK_FORM[n] for n in COUNTS]
    entries = _plural_entries(domain)
    assert len(got["messages"]) == len(entries)
    for e in entries:
        assert got["messages"][e.key] == [e.msgstr[UK_FORM[n]] for n in COUNTS], e.msgid


# --- no learner-facing string escapes gettext -------------------------------------------

WRAPPERS = {"_": 1, "ngettext": 2, "pgettext": 2}  # how many leading arguments are text
# pytfjs's own output and prompt helpers, and which of their arguments are text a learner
# reads: positions and keyword names
SINKS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "print": ((0, 1, 2, 3, 4, 5), ()),
    "message": ((0,), ("text",)),
    "say": ((0,), ("text",)),
    "ask_file": ((0,), ("message",)),
    "choose": ((0,), ("message",)),
    "choose_many": ((0,), ("message",)),
    "ask_camera": ((0,), ("message",)),
    "ask_text": ((0,), ("message", "label", "button", "error")),
    "table": ((0, 1), ("title", "headers", "caption")),
    "image": ((0,), ("title", "caption")),
    "model_summary": ((0,), ("title",)),
    "drawing_pad": ((0,), ("title",)),
    "offer_download": ((0,), ("text",)),
    "meter": ((1,), ("text",)),
    "linechart": ((0,), ("title", "x_label", "y_label")),
    "render": ((1,), ("title",)),
    "describe": ((), ()),
    "Slider": ((0,), ("label",)),
    "warn": ((0,), ("message",)),
    "Stopped": ((0, 1), ()),
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _has_letters(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_has_letters(v) for v in node.values)
    return False


def _bare_text(expr: ast.AST) -> list[ast.AST]:
    """String literals with letters in ``expr`` that do not go through gettext. Keys are
    not text: subscripts, dict keys, comparisons and constant arguments of other calls
    (``d.get("name")``, ``", ".join(...)``); ``.format(...)`` arguments are text."""
    found: list[ast.AST] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and _name(node.func) in WRAPPERS:
            for arg in node.args[:WRAPPERS[_name(node.func) or ""]]:  # a msgid must be a
                # plain literal Babel can extract
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    found.append(arg)
            return
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            if _has_letters(node):
                found.append(node)
            return
        if isinstance(node, ast.Subscript):
            walk(node.value)
            return
        if isinstance(node, ast.Dict):
            for value in node.values:
                walk(value)
            return
        if isinstance(node, ast.Compare):
            return
        if isinstance(node, ast.Call) and _name(node.func) != "format":
            walk(node.func)
            for arg in node.args:
                if not isinstance(arg, ast.Constant):
                    walk(arg)
            for keyword in node.keywords:
                walk(keyword.value)
            return
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(expr)
    return found


def unwrapped_strings(source: str, filename: str = "<sample>") -> list[str]:
    """``file:line: text`` for each learner-facing literal not wrapped in _()/ngettext()."""
    tree = ast.parse(source)
    texts: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            texts += node.exc.args + [k.value for k in node.exc.keywords
                                      if k.arg not in ("problem", "choices", "column")]
        elif isinstance(node, ast.Call) and _name(node.func) in SINKS:
            positions, keywords = SINKS[_name(node.func) or ""]
            texts += [a for i, a in enumerate(node.args) if i in positions]
            texts += [k.value for k in node.keywords if k.arg in keywords]
    out = []
    for text in texts:
        for bare in _bare_text(text):
            out.append(f"{filename}:{bare.lineno}: {ast.unparse(bare)[:80]}")
    return sorted(set(out))


BAD_SAMPLE = '''
from pytfjs.i18n import _, ngettext
def f(name, n, page, d):
    raise ValueError(f"{name} is not a number")               # 1 f-string
    raise ValueError("plain English")                          # 2
    raise KeyError(_("ok {name}").format(name=name, what="English word"))  # 3 format arg
    print("Hello")                                             # 4
    print(f"{n} files" if n != 1 else "one file")              # 5, 6
    page.say("Saved.", "done")                                 # 7 (kind is not text)
    ui.message(_(f"{name} no"))                                # 8 f-string msgid
    ui.message(_(name))                                        # 9 a variable msgid
    ui.table("Results", ["Class", "Accuracy"], rows)           # 10, 11, 12
    ui.linechart(title="Loss", x_label="epoch")                # 13, 14
    raise ValueError(_("fine {x}").format(x=d["key"]))         # fine: a subscript
    raise ValueError(ngettext("{n} file", "{n} files", n).format(n=n))  # fine
    print(", ".join(map(str, d)), "-->", 3.5, d.get("name"))   # fine: no letters, a key
    page.say(_("Saved."), "done")                              # fine
'''


def test_the_unwrapped_string_check_finds_each_kind_of_mistake():
    found = unwrapped_strings(BAD_SAMPLE)
    assert len(found) == 14, "\n".join(found)
    lines = {int(f.split(":")[1]) for f in found}
    assert lines == set(range(4, 14)), lines
    assert not any("fine" in f or "'key'" in f or "'name'" in f for f in found)


def test_no_learner_facing_string_in_pytfjs_escapes_gettext():
    files = sorted((ROOT / "py" / "pytfjs").rglob("*.py"))
    assert len(files) > 40
    found = []
    for path in files:
        found += unwrapped_strings(path.read_text(encoding="utf-8"),
                                   path.relative_to(ROOT).as_posix())
    assert not found, ("wrap these in _() or ngettext() (pytfjs.i18n):\n" + "\n".join(found))


# --- pytfjs speaks the language it is told ---------------------------------------------

@pytest.fixture
def uk():
    from pytfjs import i18n

    assert i18n.set_language("uk") == "uk"
    yield i18n
    i18n.set_language("en")


def test_a_csv_error_names_the_file_and_line_in_ukrainian(uk):
    from pytfjs.data import csv

    with pytest.raises(csv.CsvError) as info:
        csv.read(b"x,label\n1,a\n2,b,3\n", "iris.csv")
    assert str(info.value) == (
        "Рядок 3 у iris.csv має полів: 3, а заголовок — 2. Виправте цей рядок (пропущений чи "
        "зайвий роздільник або роздільник без лапок усередині значення) і спробуйте ще раз.")
    with pytest.raises(csv.CsvError) as info:
        csv.read(b"x,label\n1,a\n", "iris.csv").prepare("colour")
    assert str(info.value) == "У iris.csv немає стовпця 'colour'; його стовпці: x, label."


def test_other_real_messages_come_out_ukrainian(uk):
    from pytfjs import charts, limits, studio
    from pytfjs.control import STOP, Stopped

    STOP.request()
    try:
        with pytest.raises(Stopped, match="^Зупинено вами перед навчанням.$"):
            STOP.check(uk._("before training"))
    finally:
        STOP.clear()
    assert limits.size_text(3 * 1048576 // 2) == "1,5 МБ"
    assert charts.describe("histogram", [1.5, 2.5]) == "2 значення від 1,5 до 2,5, середнє 2"
    assert studio._size(21) == "21 байт"
    assert uk.number(0.9862, 4) == "0,9862"


def test_ukrainian_plurals_for_1_2_5_11_21_22_25(uk):
    from pytfjs import charts, studio

    assert [uk.ngettext("{n} byte", "{n} bytes", n).format(n=n) for n in COUNTS] == [
        "1 байт", "2 байти", "5 байтів", "11 байтів", "21 байт", "22 байти", "25 байтів"]
    assert [studio._size(n) for n in COUNTS] == [
        "1 байт", "2 байти", "5 байтів", "11 байтів", "21 байт", "22 байти", "25 байтів"]
    points = [charts.describe("linechart", {"values": [{"x": i, "y": 1.0} for i in range(n)],
                                            "series": ["loss"]}).split(",")[0]
              for n in COUNTS]
    assert points == ["loss: 1 точка", "loss: 2 точки", "loss: 5 точок", "loss: 11 точок",
                      "loss: 21 точка", "loss: 22 точки", "loss: 25 точок"]


def test_english_is_the_default_and_unknown_languages_fall_back_to_it():
    from pytfjs import i18n, studio

    assert i18n.language() == "en"
    assert studio._size(1) == "1 byte" and studio._size(5) == "5 bytes"
    assert i18n.set_language("xx") == "en"
    assert i18n.set_language("") == "en"
    assert i18n._("Stopped by you.") == "Stopped by you."
    try:
        assert i18n.set_language("uk-UA") == "uk"
        assert i18n._("Stopped by you.") == "Зупинено вами."
        assert i18n.set_language("en") == "en"
        assert i18n._("Stopped by you.") == "Stopped by you."
        assert i18n.number(0.9862, 4) == "0.9862"
    finally:
        i18n.set_language("en")
