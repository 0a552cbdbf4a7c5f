"""The page in Ukrainian and English (issue 29).

Every lab opened with ``?lang=uk`` shows no English interface text outside the code
editor: the visible text and the accessible names are checked against the English
msgids of both catalogs (locale/uk/LC_MESSAGES/site.po and pytfjs.po: every message
whose Ukrainian differs). Each runs to done with the quick parameters the labs' own
tests use (one page load per lab), shows its title from the lab document's
``translations.uk``, and its pytfjs lines are Ukrainian. The header switch keeps the
choice across a reload, ``navigator.languages`` picks Ukrainian, and a draft survives a
switch while Reset offers the Ukrainian original.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from buildlib.make.catalogs import read_po
from testkit.exported_models import fruit_csv
from testkit.harness import (
    LAB_TIMEOUT_MS,
    PageLog,
    console_text,
    guarded_context,
    lab_url,
    open_lab,
    wait_state,
    wait_until,
)

pytestmark = pytest.mark.browser

LOCALE = Path(__file__).resolve().parents[2] / "locale"
# a python-brace-format field: {name}, {name!r}, {name:.2f}
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")

# The quickest run of each lab (the sizes its own tests use, or smaller). rpsls needs a
# webcam to do anything: it is checked once ready (test_rpsls.py runs it with a fake camera).
LABS: dict[str, dict[str, object]] = {
    "one-neuron": {"backend": "cpu"},
    "iris": {"backend": "wasm"},
    "breast-cancer": {"backend": "wasm"},
    "your-csv": {"backend": "cpu", "csv": "_test/fruit.csv", "label": "kind", "text": "onehot",
                 "epochs": 20},
    "mnist": {"backend": "wasm", "epochs": 1, "samples": 700, "tests": 200, "batch": 64},
    "fashion-mnist": {"backend": "wasm", "epochs": 1, "samples": 700, "batch": 64},
    "mobilenet": {"backend": "wasm", "image": "chelsea"},
    "toxicity": {"backend": "wasm", "text": "Have a nice day!", "threshold": 0.5},
    "similar-sentences": {"backend": "wasm",
                          "text": "I like my phone\nYour cellphone looks great"},
    "convert": {"backend": "wasm", "model": "models/keras/emotion_model.hdf5",
                "quantize": "float16"},
    "rpsls": {"backend": "wasm"},
}
READY_ONLY = {"rpsls"}
# Labs where pytfjs itself shows nothing when given their text at once (every line and
# chart title is the lab's own, from main.uk.py): the English check covers them.
PYTFJS_SILENT = {"similar-sentences"}

# What the page shows a learner, outside the code editor: visible text, the accessible
# names and descriptions, the loading panel's last words, the document's title.
PAGE_TEXT = """() => {
  const out = [];
  const skip = (el) => !!el.closest('.CodeMirror');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || el.closest('script, style')) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    out.push(n.textContent);
  }
  const names = ['aria-label', 'title', 'alt', 'placeholder', 'aria-valuetext'];
  for (const el of document.querySelectorAll(names.map((a) => `[${a}]`).join(','))) {
    if (skip(el)) continue;
    for (const a of names) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  for (const el of document.querySelectorAll('option, label, #loading-text, #browser-line')) {
    out.push(el.textContent);
  }
  out.push(document.title);
  return out;
}"""


def _pattern(text: str) -> re.Pattern[str] | None:
    """A message as a whole-line regex, each {placeholder} any text; None when too little
    of it is words to tell it from data."""
    parts = PLACEHOLDER.split(text.strip())
    if sum(len(re.findall(r"[A-Za-z]", part)) for part in parts) < 3 and len(parts) > 1:
        return None
    if not re.search(r"[A-Za-z]{2}", "".join(parts)):
        return None
    return re.compile(".+?".join(re.escape(part) for part in parts))


@cache
def _messages(domain: str) -> list[tuple[list[str], list[str]]]:
    """(English forms, Ukrainian forms) of each translated message of ``domain``."""
    catalog = read_po(LOCALE / "uk" / "LC_MESSAGES" / f"{domain}.po")
    return [([e.msgid] + ([e.msgid_plural] if e.msgid_plural else []), e.msgstr)
            for e in catalog.messages if e.translated]


@cache
def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each English msgid (and plural) of both domains whose Ukrainian differs."""
    found = []
    for domain in ("site", "pytfjs"):
        for english, ukrainian in _messages(domain):
            for form in english:
                pattern = _pattern(form)
                if pattern is not None and form.strip() not in {u.strip() for u in ukrainian}:
                    found.append((form, pattern))
    return found


@cache
def ukrainian_pytfjs_patterns() -> list[re.Pattern[str]]:
    """Each Ukrainian form of pytfjs's messages (what its printed lines look like in uk)."""
    return [p for _, forms in _messages("pytfjs") for form in forms
            if (p := re.compile(".+?".join(re.escape(x) for x in PLACEHOLDER.split(form.strip()))))
            and re.search(r"[а-яіїєґ]{3}", form, re.I)]


def shown_lines(page) -> set[str]:
    """Every line of text the page shows a learner outside the editor (PAGE_TEXT)."""
    return {line.strip() for text in page.evaluate(PAGE_TEXT) for line in text.split("\n")
            if line.strip()}


def english_on(page) -> list[str]:
    """The lines the page shows that are an English message of the catalogs."""
    lines = shown_lines(page)
    return sorted(f"{line!r} (msgid {msgid!r})" for line in lines if line
                  for msgid, pattern in english_patterns() if pattern.fullmatch(line))


def lab_document(dist_dir: Path, lab: str) -> dict:
    return json.loads((dist_dir / "labs" / f"{lab}.json").read_text())


def test_the_checks_know_english_and_ukrainian():
    """The walker's reference: the page's English is in it, its Ukrainian is not."""
    patterns = english_patterns()
    assert len(patterns) > 150
    def english(line: str) -> bool:
        return any(p.fullmatch(line) for _, p in patterns)
    assert english("Done in 3.20 s") and english("▶ Run") and english("2 tensors · 0.01 MB")
    assert not english("Готово за 3,20 с") and not english("▶ Запустити")
    assert not english("x") and not english("seed") and not english("iris.csv")


@pytest.mark.parametrize("lab", sorted(LABS))
def test_every_lab_in_ukrainian(page, site_url, dist_dir, fixtures_dir, lab):
    if lab == "your-csv":
        (fixtures_dir / "fruit.csv").write_text(fruit_csv())
    params = LABS[lab]
    ready_only = lab in READY_ONLY
    page.goto(lab_url(site_url, lab, lang="uk", **({} if ready_only else {"run": 1}), **params))
    wanted = "ready" if ready_only else "done"
    assert wait_state(page, wanted, "error") == wanted, console_text(page)
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert english_on(page) == []
    own = lab_document(dist_dir, lab).get("translations", {}).get("uk", {})
    assert own.get("title") and own.get("source"), f"{lab}.json has no Ukrainian translation"
    assert page.inner_text("#lab-title") == own["title"]
    assert page.evaluate("window.pytfjs.getCode()") == own["source"]
    if not ready_only:
        assert page.inner_text("#status").startswith("Готово за ")
    if not ready_only and lab not in PYTFJS_SILENT:
        # pytfjs's own words (what it prints and asks, its progress line, chart titles and
        # summaries) come from its catalog: some of them are on the page, in Ukrainian
        patterns = ukrainian_pytfjs_patterns()
        assert patterns, "locale/uk/LC_MESSAGES/pytfjs.po has no Ukrainian yet"
        said = shown_lines(page)
        assert any(p.fullmatch(line) for line in said for p in patterns), sorted(said)


# a number for the Results panel, and the language Python speaks (the worker sets it)
REPORT = "from pytfjs import i18n, report\nreport(share=0.9862, lang=i18n.language())\n"


def test_english_is_unchanged_and_numbers_follow_the_language(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu", lang="en") == "ready"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("#run") == "▶ Run"
    page.evaluate("(c) => window.pytfjs.setCode(c)", REPORT)
    assert page.evaluate("window.pytfjs.run()") == "done"
    assert page.inner_text("#results td") == "0.9862"
    assert page.evaluate("window.pytfjs.results.lang") == "en"
    assert re.fullmatch(r"Done in \d+\.\d\d s", page.inner_text("#status"))
    page.goto(lab_url(site_url, "one-neuron", backend="cpu", lang="uk"))
    assert wait_state(page, "ready", "error") == "ready"
    page.evaluate("(c) => window.pytfjs.setCode(c)", REPORT)
    assert page.evaluate("window.pytfjs.run()") == "done"
    assert page.inner_text("#results td") == "0,9862"
    assert page.evaluate("window.pytfjs.results.lang") == "uk"  # pytfjs.i18n.set_language
    assert re.fullmatch(r"Готово за \d+,\d\d с", page.inner_text("#status"))
    assert re.fullmatch(r"\d+ тензор(ів|и)? · \d+,\d\d МБ", page.inner_text("#memory"))


def test_the_switch_keeps_the_choice_across_a_reload(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_label("Language").input_value() == "en"
    with page.expect_navigation():
        page.get_by_label("Language").select_option("uk")
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("localStorage.getItem('pytfjs.lang')") == "uk"
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert page.inner_text("#run") == "▶ Запустити"
    assert page.get_by_label("Мова").input_value() == "uk"
    assert "lang=" not in page.url  # kept by the saved choice, not the address
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"
    assert page.inner_text("#run") == "▶ Запустити"
    page.goto(lab_url(site_url, "one-neuron", backend="cpu", lang="en"))  # ?lang= comes first
    assert wait_state(page, "ready", "error") == "ready"
    assert page.inner_text("#run") == "▶ Run"
    page.goto(site_url)  # the home page keeps it too
    wait_until(page, "document.body.dataset.i18n === 'done'")
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert english_on(page) == []


def test_navigator_languages_picks_ukrainian(browser, site_url, dist_dir):
    log = PageLog()
    context = guarded_context(browser, log, locale="uk-UA", service_workers="block")
    try:
        page = context.new_page()
        page.set_default_timeout(LAB_TIMEOUT_MS)
        page.goto(site_url)
        assert page.evaluate("navigator.languages[0]").startswith("uk")
        wait_until(page, "document.body.dataset.i18n === 'done'")
        assert page.evaluate("document.documentElement.lang") == "uk"
        assert english_on(page) == []
        index = json.loads((dist_dir / "labs" / "index.json").read_text())
        titles = page.eval_on_selector_all(".lab-title", "els => els.map(e => e.textContent)")
        assert titles and titles == [lab.get("translations", {}).get("uk", {}).get("title")
                                     for lab in index], titles
        assert "Тиждень 1" in page.inner_text("main")
        # a saved English choice wins over the browser's languages
        page.evaluate("localStorage.setItem('pytfjs.lang', 'en')")
        page.reload()
        wait_until(page, "document.body.dataset.i18n === 'done'")
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()
    assert not log.external
    log.check_violations()


def _with_translation(page, dist_dir: Path) -> str:
    """one-neuron's Ukrainian source: the build's, or (before the labs' translations are
    in the build) one added to the lab document on its way to the page."""
    document = lab_document(dist_dir, "one-neuron")
    own = document.get("translations", {}).get("uk")
    if own and own.get("source"):
        return own["source"]
    source = "# Один нейрон: вивчаємо правило y = 2x - 1.\n" + document["source"]
    document["translations"] = {"uk": {"title": "Один нейрон", "summary": "Один нейрон.",
                                       "source": source, "lesson_html": "<p>Урок.</p>"}}
    page.route("**/labs/one-neuron.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(document)))
    return source


def test_a_draft_survives_a_switch_and_reset_offers_the_ukrainian_original(page, site_url,
                                                                             dist_dir):
    uk_source = _with_translation(page, dist_dir)
    english = lab_document(dist_dir, "one-neuron")["source"]
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    draft = english + "print('my own line')\n"
    page.evaluate("(c) => window.pytfjs.setCode(c)", draft)
    with page.expect_navigation():  # the switch saves the draft before it reloads
        page.get_by_label("Language").select_option("uk")
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("document.documentElement.lang") == "uk"
    assert page.evaluate("window.pytfjs.getCode()") == draft
    assert page.is_hidden("#draft-notice")  # another language's code is not an old build's
    assert page.inner_text("#edited").startswith("змінено")
    page.click("#reset")
    assert page.evaluate("window.pytfjs.getCode()") == uk_source
    assert page.inner_text("#status") == "Початковий код повернено"
    # and back in English, with no draft, the English original
    page.goto(lab_url(site_url, "one-neuron", backend="cpu", lang="en"))
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.getCode()") == english
