"""The page's translation module (site/js/shared/i18n.js) in Node, over the real Ukrainian
catalog compiled as the build does: plural forms from the catalog's rule for 1, 2, 5, 11,
21, 22, 25; placeholders filled (numbers in the language's format); a missing message or a
missing catalog falls back to English; an unknown language is English."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from buildlib.make import catalogs
from testkit.harness import ROOT

SHARED = ROOT / "site" / "js" / "shared" / "i18n.js"
PO = ROOT / "locale" / "uk" / "LC_MESSAGES" / "site.po"


def site_with_catalog(tmp_path: Path, with_catalog: bool = True) -> Path:
    """A small site: js/shared/i18n.js and (when asked) locale/uk/site.js beside it."""
    (tmp_path / "js" / "shared").mkdir(parents=True)
    shutil.copy(SHARED, tmp_path / "js" / "shared" / "i18n.js")
    if with_catalog:
        (tmp_path / "locale" / "uk").mkdir(parents=True)
        (tmp_path / "locale" / "uk" / "site.js").write_text(
            catalogs.site_js(catalogs.read_po(PO), "uk"), encoding="utf-8")
    return tmp_path / "js" / "shared" / "i18n.js"


def run_node(module: Path, lang: str, script: str) -> dict:
    node = shutil.which("node")
    assert node, "node is needed for the page's i18n checks"
    code = (f"import * as i18n from {json.dumps(module.as_uri())};\n"
            f"const used = await i18n.useLanguage({json.dumps(lang)});\n"
            f"const {{ t, nt, tp, formatNumber, language }} = i18n;\n"
            f"console.log(JSON.stringify({{ used, ...({script}) }}));")
    done = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


PLURALS = "{samples: [1, 2, 5, 11, 21, 22, 25].map((n) => nt('{n} sample', '{n} samples', n))}"


def test_ukrainian_plurals_follow_the_catalog(tmp_path):
    got = run_node(site_with_catalog(tmp_path), "uk", PLURALS)
    assert got["used"] == "uk"
    assert got["samples"] == ["1 зразок", "2 зразки", "5 зразків", "11 зразків", "21 зразок",
                              "22 зразки", "25 зразків"]


def test_english_plurals_and_an_unknown_language(tmp_path):
    module = site_with_catalog(tmp_path)
    got = run_node(module, "en", PLURALS)
    assert got["samples"] == ["1 sample", "2 samples", "5 samples", "11 samples", "21 samples",
                              "22 samples", "25 samples"]
    assert run_node(module, "fr", "{lang: language(), run: t('▶ Run')}") == {
        "used": "en", "lang": "en", "run": "▶ Run"}


def test_placeholders_numbers_and_fallbacks(tmp_path):
    got = run_node(site_with_catalog(tmp_path), "uk", """{
        done: t('Done in {seconds} s', {seconds: formatNumber(3.2, {minimumFractionDigits: 2})}),
        number: formatNumber(0.9862, {maximumFractionDigits: 4}),
        big: formatNumber(1234567.5, {maximumFractionDigits: 1}),
        filled: t('Switching to {name}…', {name: 'wasm'}),
        unknown: t('a message no catalog has: {x}', {x: 0.5}),
        context: tp('no such context', 'Run'),
        keep: t('Backend: {name}', {}),
    }""")
    assert got["done"] == "Готово за 3,20 с"
    assert got["number"] == "0,9862"
    assert got["big"].replace("\u202f", " ").replace("\xa0", " ") == "1 234 567,5"
    assert got["filled"] == "Перемикання на wasm…"
    assert got["unknown"] == "a message no catalog has: 0,5"
    assert got["context"] == "Run"
    assert got["keep"] == "Бекенд: {name}"  # a placeholder without a value stays visible


def test_a_missing_catalog_leaves_english(tmp_path):
    got = run_node(site_with_catalog(tmp_path, with_catalog=False), "uk",
                   "{lang: language(), run: t('▶ Run'), number: formatNumber(0.5)}")
    assert got == {"used": "en", "lang": "en", "run": "▶ Run", "number": "0.5"}
