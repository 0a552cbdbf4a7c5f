"""The build's catalog compilers (buildlib/make/catalogs.py): the .po reader agrees with
Babel's, the .mo it writes is what the standard ``gettext`` module reads, site.js is a
module Node imports, and a Plural-Forms with anything but arithmetic is refused."""

from __future__ import annotations

import gettext
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from buildlib.make import catalogs, wheel
from testkit.harness import ROOT

UK_PLURALS = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
              "(n%100<10 || n%100>=20) ? 1 : 2);")

SAMPLE = r'''# A translator's comment
msgid ""
msgstr ""
"Language: uk\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && "
"n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"
"Content-Type: text/plain; charset=UTF-8\n"

#. an extracted comment
#: py/pytfjs/data/csv.py:12 py/pytfjs/data/csv.py:40
#, python-brace-format
msgid "{file}, row {row}: not a number"
msgstr "{file}, рядок {row}: не число"

msgctxt "button"
msgid "Run"
msgstr "Запустити"

msgid "Run"
msgstr "Запуск"

msgid ""
"a long message "
"on two lines"
msgstr ""
"довге повідомлення "
"у два рядки"

msgid "tab\there, \"quoted\", back\\slash\nnew line"
msgstr "табуляція\tтут, \"у лапках\", зворотна\\риска\nновий рядок"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} файл"
msgstr[1] "{n} файли"
msgstr[2] "{n} файлів"

#, fuzzy
msgid "a guess"
msgstr "здогадка"

msgid "not yet"
msgstr ""

msgid "{n} epoch"
msgid_plural "{n} epochs"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""

#~ msgid "gone"
#~ msgstr "зникло"
'''


def _by_key(catalog: catalogs.Catalog) -> dict[str, catalogs.Entry]:
    return {e.key: e for e in catalog.messages}


def test_reader_reads_every_part_of_an_entry():
    catalog = catalogs.read_po(SAMPLE)
    assert catalog.header["Language"] == "uk"
    assert catalog.plural_forms()[0] == 3
    entries = _by_key(catalog)
    assert set(entries) == {"{file}, row {row}: not a number", "button\x04Run", "Run",
                            "a long message on two lines",
                            "tab\there, \"quoted\", back\\slash\nnew line", "{n} file",
                            "a guess", "not yet", "{n} epoch"}
    first = entries["{file}, row {row}: not a number"]
    assert first.flags == {"python-brace-format"}
    assert first.locations == ["py/pytfjs/data/csv.py:12", "py/pytfjs/data/csv.py:40"]
    assert first.comments == ["an extracted comment"]
    assert entries["button\x04Run"].msgctxt == "button"
    assert entries["button\x04Run"].msgstr == ["Запустити"]
    assert entries["Run"].msgstr == ["Запуск"]
    assert entries["a long message on two lines"].msgstr == ["довге повідомлення у два рядки"]
    assert entries["tab\there, \"quoted\", back\\slash\nnew line"].msgstr == [
        "табуляція\tтут, \"у лапках\", зворотна\\риска\nновий рядок"]
    assert entries["{n} file"].msgid_plural == "{n} files"
    assert entries["{n} file"].msgstr == ["{n} файл", "{n} файли", "{n} файлів"]
    assert entries["a guess"].fuzzy and not entries["Run"].fuzzy
    assert not entries["not yet"].translated and not entries["{n} epoch"].translated
    obsolete = [e for e in catalog.entries if e.obsolete]
    assert [(e.msgid, e.msgstr) for e in obsolete] == [("gone", ["зникло"])]


def test_reader_agrees_with_babel_on_the_sample_and_the_real_catalogs():
    from babel.messages.pofile import read_po as babel_read_po

    texts = [SAMPLE] + [p.read_text(encoding="utf-8")
                        for p in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))]
    assert len(texts) >= 3  # the sample and both uk catalogs
    for text in texts:
        ours = catalogs.read_po(text)
        theirs = babel_read_po(io.BytesIO(text.encode("utf-8")))
        babel_messages = {}
        for m in theirs:
            if not m.id:
                continue
            msgid = m.id[0] if isinstance(m.id, tuple) else m.id
            key = msgid if m.context is None else f"{m.context}\x04{msgid}"
            strings = list(m.string) if isinstance(m.string, tuple) else [m.string]
            plural = m.id[1] if isinstance(m.id, tuple) else None
            babel_messages[key] = (plural, strings, m.fuzzy, m.context)
        our_messages = {e.key: (e.msgid_plural, e.msgstr, e.fuzzy, e.msgctxt)
                        for e in ours.messages}
        assert our_messages == babel_messages
        assert ours.header.get("Plural-Forms", "").replace(" ", "") == str(
            theirs.plural_forms).replace(" ", "") or "Plural-Forms" not in ours.header
        assert [e.msgid for e in ours.entries if e.obsolete] == [
            (m.id[0] if isinstance(m.id, tuple) else m.id) for m in theirs.obsolete.values()]


@pytest.mark.parametrize("bad, says", [
    ('msgid "a"\nmsgstr "b\n', "quoted string"),
    ('msgid "a"\nmsgstr "b\\q"\n', "unknown escape"),
    ('msgid "a"\n', "without msgstr"),
    ('"stray"\n', "continues no keyword"),
    ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', "duplicate"),
    ('msgid "a"\nmsgid_plural "as"\nmsgstr "b"\n', r"needs msgstr\[n\]"),
    ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[2] "c"\n', "0..n"),
    ('msgid "a"\nmsgstr[0] "b"\n', "without msgid_plural"),
    ('msgid "a"\nmsgstr "b"\nfoo "c"\n', "cannot read"),
])
def test_reader_names_the_line_of_a_mistake(bad, says):
    with pytest.raises(catalogs.CatalogError, match=says) as info:
        catalogs.read_po(bad, name="x.po")
    assert "x.po:" in str(info.value)


def _uk(n: int) -> int:
    return 0 if n % 10 == 1 and n % 100 != 11 else (
        1 if 2 <= n % 10 <= 4 and (n % 100 < 10 or n % 100 >= 20) else 2)


def test_mo_is_read_by_the_standard_gettext_module(tmp_path):
    mo = tmp_path / "uk.mo"
    mo.write_bytes(catalogs.mo_bytes(catalogs.read_po(SAMPLE)))
    with mo.open("rb") as fh:
        tr = gettext.GNUTranslations(fh)
    assert tr.gettext("{file}, row {row}: not a number") == "{file}, рядок {row}: не число"
    assert tr.pgettext("button", "Run") == "Запустити"
    assert tr.gettext("Run") == "Запуск"
    assert tr.gettext("a long message on two lines") == "довге повідомлення у два рядки"
    assert tr.gettext("tab\there, \"quoted\", back\\slash\nnew line").startswith("табуляція\t")
    # fuzzy and untranslated entries are left out: the English msgid comes back
    assert tr.gettext("a guess") == "a guess"
    assert tr.gettext("not yet") == "not yet"
    assert tr.ngettext("{n} epoch", "{n} epochs", 5) == "{n} epochs"
    assert tr.gettext("gone") == "gone"
    forms = ["{n} файл", "{n} файли", "{n} файлів"]
    for n in (0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 15, 20, 21, 22, 25, 101, 111, 1000001):
        assert tr.ngettext("{n} file", "{n} files", n) == forms[_uk(n)], n
    assert tr.info()["language"] == "uk"


def test_mo_is_byte_for_byte_reproducible_and_sorted():
    catalog = catalogs.read_po(SAMPLE)
    assert catalogs.mo_bytes(catalog) == catalogs.mo_bytes(catalogs.read_po(SAMPLE))
    pairs = catalogs._compiled_pairs(catalog)
    assert [k for k, _ in pairs] == sorted(k for k, _ in pairs)
    assert b"a guess" not in dict(pairs) and b"not yet" not in dict(pairs)


def _node_import(module: Path, script: str) -> object:
    node = shutil.which("node")
    assert node, "node is needed for the site.js checks"
    code = (f"const m = await import({json.dumps(module.as_uri())});\n{script}")
    done = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_site_js_is_a_module_with_the_messages_and_the_plural_rule(tmp_path):
    js = tmp_path / "site.js"
    js.write_text(catalogs.site_js(catalogs.read_po(SAMPLE), "uk"), encoding="utf-8")
    text = js.read_text(encoding="utf-8")
    assert "eval" not in text and "Function" not in text
    got = _node_import(js, "console.log(JSON.stringify({lang: m.lang, messages: m.messages, "
                       "plurals: [0,1,2,3,4,5,10,11,12,14,15,20,21,22,25,101,111,1000001]"
                       ".map(m.plural)}))")
    assert isinstance(got, dict)
    assert got["lang"] == "uk"
    assert got["plurals"] == [_uk(n) for n in
                              (0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 15, 20, 21, 22, 25, 101, 111,
                               1000001)]
    assert got["messages"] == {
        "{file}, row {row}: not a number": "{file}, рядок {row}: не число",
        "button\x04Run": "Запустити",
        "Run": "Запуск",
        "a long message on two lines": "довге повідомлення у два рядки",
        "tab\there, \"quoted\", back\\slash\nnew line":
            "табуляція\tтут, \"у лапках\", зворотна\\риска\nновий рядок",
        "{n} file": ["{n} файл", "{n} файли", "{n} файлів"],
    }


@pytest.mark.parametrize("expr", [
    "(alert(1))", "n; fetch('x')", "n.constructor", "window ? 0 : 1", "n = 1", "n ? 1",
    "((n)", "n)", "`${n}`", "n || this", "1e3", "[n]",
])
def test_plural_forms_off_the_whitelist_are_refused(expr):
    with pytest.raises(catalogs.CatalogError):
        catalogs.parse_plural_forms(f"nplurals=2; plural={expr};")
    header = f'msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural={expr};\\n"\n'
    with pytest.raises(catalogs.CatalogError):
        catalogs.site_js(catalogs.read_po(header), "uk")


def test_plural_forms_whitelist_lets_the_real_rules_through():
    assert catalogs.parse_plural_forms(UK_PLURALS)[0] == 3
    assert catalogs.parse_plural_forms("nplurals=2; plural=(n != 1);") == (2, "( n != 1 )")
    assert catalogs.parse_plural_forms("nplurals=1; plural=0;") == (1, "0")


def test_a_plural_entry_with_the_wrong_number_of_forms_is_refused():
    bad = SAMPLE.replace('msgstr[2] "{n} файлів"\n', "")
    with pytest.raises(catalogs.CatalogError, match="forms"):
        catalogs.mo_bytes(catalogs.read_po(bad))
    with pytest.raises(catalogs.CatalogError, match="forms"):
        catalogs.site_js(catalogs.read_po(bad), "uk")


def test_a_language_code_that_is_not_one_is_refused():
    with pytest.raises(catalogs.CatalogError):
        catalogs.site_js(catalogs.read_po(SAMPLE), 'uk"; alert(1); "')


def test_write_catalogs_and_the_wheel_carry_the_compiled_catalogs(tmp_path):
    locale = tmp_path / "locale"
    (locale / "uk" / "LC_MESSAGES").mkdir(parents=True)
    (locale / "uk" / "LC_MESSAGES" / "pytfjs.po").write_text(SAMPLE, encoding="utf-8")
    (locale / "uk" / "LC_MESSAGES" / "site.po").write_text(SAMPLE, encoding="utf-8")
    dist = tmp_path / "dist"
    written = catalogs.write_catalogs(locale, dist)
    assert sorted(written) == ["locale/uk/LC_MESSAGES/pytfjs.mo", "locale/uk/site.js"]
    tr = gettext.translation("pytfjs", dist / "locale", languages=["uk"])
    assert tr.gettext("Run") == "Запуск"
    mo = {f"locale/{k}": v for k, v in catalogs.compiled_mo_files(locale).items()}
    _entry, path = wheel.build_wheel(ROOT / "py" / "pytfjs", tmp_path / "w", extra_files=mo)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("pytfjs/locale/uk/LC_MESSAGES/pytfjs.mo") == (
            dist / "locale/uk/LC_MESSAGES/pytfjs.mo").read_bytes()
        record = archive.read("pytfjs-" + _entry["version"] + ".dist-info/RECORD").decode()
        assert "pytfjs/locale/uk/LC_MESSAGES/pytfjs.mo,sha256=" in record


def test_built_site_lists_its_catalogs_in_the_manifest(dist_dir):
    manifest = json.loads((dist_dir / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    for lang in catalogs.languages(ROOT / "locale"):
        assert f"locale/{lang}/LC_MESSAGES/pytfjs.mo" in paths
        assert f"locale/{lang}/site.js" in paths
    lock = json.loads((dist_dir / "vendor/pyodide/pyodide-lock.json").read_text())
    wheel_name = lock["packages"]["pytfjs"]["file_name"]
    with zipfile.ZipFile(dist_dir / "vendor/pyodide" / wheel_name) as archive:
        assert "pytfjs/locale/uk/LC_MESSAGES/pytfjs.mo" in archive.namelist()
