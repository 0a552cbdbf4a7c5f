"""Accessibility: axe-core finds no serious or critical problem on the home page and on
each lab page, before and after a run (charts, results, tables, prompts included).

Both languages (issue 29) without doubling the time: each page is checked once, half of
them in Ukrainian (``?lang=uk``: the phone size of the viewport-parametrized tests, every
other lab of LABS)."""

from __future__ import annotations

import functools

import pytest

from buildlib import config
from buildlib.fetch import npm
from buildlib.fetch.integrity import verify
from testkit.harness import clipped_text, console_text, lab_url, open_lab, wait_state, wait_until

pytestmark = pytest.mark.browser

AXE = "axe-core/axe.min.js"


@functools.cache
def axe_source() -> str:
    """axe-core from node_modules (a devDependency, never in dist/), checked by sha256."""
    path = config.NODE_MODULES / AXE
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `npm ci` (python3 build.py test does)")
    verify(path, npm.TEST_FILES[AXE], AXE, "npm axe-core (devDependency)")
    return path.read_text(encoding="utf-8")


def serious_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof axe === 'object'"):
        # evaluate(), not add_script_tag(): the page's CSP refuses injected inline scripts
        page.evaluate(axe_source())
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
          .map(v => `${v.impact} ${v.id}: ${v.help} -> `
                    + v.nodes.slice(0, 5).map(n => n.target.join(" ")).join(", "));
    }""")


def charts_drawn(page, titles: list[str], lang: str = "en") -> None:
    """Wait until each titled chart is drawn (a canvas, or a table); then every chart a
    run drew (uPlot's, or a confusion table) is one element in its surface, named by its
    text summary (``Title: summary``, the summary also shown under it). In Ukrainian the
    titles are translated: as many charts are waited for."""
    if lang == "en":
        wait_until(page, """titles => titles.every(t => [...document.querySelectorAll(
            '#charts figure')].some(f => f.dataset.title === t
                                  && f.querySelector('canvas, table')))""", titles)
    else:
        wait_until(page, """n => [...document.querySelectorAll('#charts figure')]
            .filter(f => f.querySelector('canvas, table')).length >= n""", len(titles))
    charts = page.evaluate("""() => [...document.querySelectorAll('#charts figure')]
        .filter(f => f.querySelector('.uplot, table.confusion'))
        .map(f => [f.dataset.title, f.querySelectorAll('.uplot, table.confusion').length,
                   f.querySelector('.surface-body').getAttribute('aria-label'),
                   f.querySelector('.chart-summary').textContent])""")
    for title, count, name, summary in charts:
        assert count == 1 and summary and name == f"{title}: {summary}", (title, count, name)


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def viewport(request, page):
    width, height = request.param
    page.set_viewport_size({"width": width, "height": height})
    return request.param


def language(viewport) -> str:
    """The language a viewport-parametrized test checks: English on the desktop, Ukrainian
    on the phone (one page load each, both languages)."""
    return "en" if viewport[0] > 800 else "uk"


def test_home_page(page, site_url, viewport):
    lang = language(viewport)
    page.goto(f"{site_url}?lang={lang}")
    wait_until(page, "document.body.dataset.i18n === 'done'")
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("h1").count() == 1
    assert serious_problems(page) == []


# lab, params, charts to wait for after the run
LABS = [
    ("one-neuron", {}, ["Loss"]),
    ("iris", {}, ["Loss", "Accuracy", "Prediction for [4.4, 2.9, 1.4, 0.2]"]),
    ("breast-cancer", {}, ["Loss"]),
    ("mnist", {"epochs": 1, "samples": 600},
     ["Sample digits", "Model", "Batch loss", "Loss", "Confusion matrix (held-out digits)",
      "Accuracy per digit (held-out)", "Draw a digit"]),
    ("your-csv", {"csv": "data/breast-cancer-train.csv", "label": "diagnosis", "epochs": 5},
     ["Columns", "Loss", "Confusion matrix (test rows)"]),
    ("mobilenet", {"image": "chelsea"}, ["What the model sees", "Top 5", "Top 5 classes"]),
    ("toxicity", {"text": "you suck\nHave a nice day!"}, ["Toxicity per label"]),
    ("similar-sentences", {"text": "How old are you?\nwhat is your age?"},
     ["Similarity of every pair"]),
    ("convert", {"model": "models/keras/emotion_model.hdf5"},
     ["emotion_model.hdf5 in TF.js", "Model output", "Output"]),
]
# Labs whose page is the same as one above: Fashion-MNIST is MNIST's pipeline on other
# images (and decodes 70,000 of them), so its page has the same controls and charts.
SAME_PAGE_AS = {"fashion-mnist": "mnist"}


# Labs that wait for the learner instead of ending: checked by their own test below.
OWN_TEST = {"rpsls": "test_webcam_studio_without_a_camera"}


def test_every_lab_is_checked(dist_dir):
    built = {path.stem for path in (dist_dir / "labs").glob("*.json")} - {"index"}
    assert built == {lab for lab, _, _ in LABS} | set(SAME_PAGE_AS) | set(OWN_TEST)


def test_webcam_studio_without_a_camera(page, site_url, viewport):
    """The rpsls studio (class rows, buttons, training fields) when no camera is found."""
    lang = language(viewport)
    page.goto(lab_url(site_url, "rpsls", run=1, backend="wasm", lang=lang))
    wait_until(page, "(t) => (document.querySelector('.studio-camera-note') || {}).textContent "
                     "=== t", "No webcam." if lang == "en" else "Вебкамери немає.")
    assert serious_problems(page) == []
    page.click("#stop")
    assert wait_state(page, "ready", "error") == "ready"


SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def check_at_every_size(page, when: str) -> None:
    """axe and the clipping check on the page as it is, at a desktop and a phone size (the
    layout follows the viewport: one run serves both)."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(100)  # charts redraw at their new width
        assert serious_problems(page) == [], f"{size}, {when}"
        assert clipped_text(page) == [], f"text cut off: {size}, {when}"


@pytest.mark.parametrize(("lab", "params", "charts"), LABS, ids=[lab for lab, _, _ in LABS])
def test_lab_page_before_and_after_a_run(page, site_url, lab, params, charts):
    lang = "uk" if [name for name, _, _ in LABS].index(lab) % 2 else "en"
    assert open_lab(page, site_url, lab, backend="wasm", lang=lang, **params) == "ready"
    assert page.evaluate("document.documentElement.lang") == lang
    check_at_every_size(page, f"before the run ({lang})")
    page.click("#run")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    charts_drawn(page, charts, lang)
    assert page.locator("#results th").count() >= 1  # the results panel is filled
    check_at_every_size(page, f"after the run ({lang})")


def test_lab_waiting_for_a_file(page, site_url, viewport):
    """The "Your CSV" prompt: drop zone, file button and its message."""
    page.goto(lab_url(site_url, "your-csv", run=1, backend="wasm", lang=language(viewport)))
    page.wait_for_selector(".drop-zone")
    assert serious_problems(page) == []
    page.click("#stop")
    assert wait_state(page, "ready", "error") == "ready"


def test_charts_have_a_text_alternative_from_their_data(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm", run=1) in ("ready", "done")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    charts_drawn(page, ["Loss"])
    figure = page.locator("#charts figure[data-title='Loss']")
    name = figure.locator("[role=img]").get_attribute("aria-label")
    caption = figure.locator(".chart-summary").inner_text()
    assert name == f"Loss: {caption}"
    assert caption.startswith("loss: 500 points over epoch 1 to 500, first ")
    last = float(caption.split("last ")[1].split(",")[0])
    assert last < 0.01  # the run's final loss, read from the chart's own data


# ---------------------------------------------------------------- keyboard and layout

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const editor = el.closest('.CodeMirror');
    const shown = editor || el;  // the editor shows focus on its frame
    const style = getComputedStyle(shown);
    const visible = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    return {id: editor ? 'editor' : (el.id || el.className || el.tagName), visible};
}"""


def tab_through(page, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    return seen


def test_keyboard_reaches_every_control_with_visible_focus(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    original = page.evaluate("window.pytfjs.getCode()")
    page.evaluate("document.activeElement.blur()")
    seen = tab_through(page, 8)
    # Stop is disabled until a run starts, so Tab skips it
    assert [s and s["id"] for s in seen] == ["brand", "backend", "language", "run", "reset",
                                             "download-code", "add-wheel", "editor"]
    assert all(s["visible"] for s in seen), seen

    # In the editor Tab indents (focus stays); Esc lets go of the keyboard, Tab moves on
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["id"] == "editor"
    assert page.evaluate("window.pytfjs.getCode()") != original
    page.keyboard.press("Escape")
    seen = tab_through(page, 2)
    # then the side pane: the lesson (closed), the output
    assert [s and s["id"] for s in seen] == ["SUMMARY", "console"]
    assert all(s["visible"] for s in seen), seen
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["id"] == "editor"
    page.keyboard.press("Shift+Tab")  # outdents: still in the editor
    assert page.evaluate(FOCUSED)["id"] == "editor"
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["id"] == "add-wheel"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["id"] == "download-code"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["id"] == "reset"
    page.keyboard.press("Space")  # Reset restores the lab's code
    assert page.evaluate("window.pytfjs.getCode()") == original


def test_enter_runs_and_stop_is_next(page, site_url):
    from tests.browser.test_lab_page import STOPPABLE

    assert open_lab(page, site_url, "one-neuron", backend="cpu") == "ready"
    page.focus("#run")
    page.keyboard.press("Enter")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert page.evaluate(FOCUSED)["id"] == "run"  # focus is back on Run after the run

    page.evaluate("code => window.pytfjs.setCode(code)", STOPPABLE)
    page.focus("#run")
    page.keyboard.press("Space")
    wait_until(page, "(window.pytfjs.results.epochs_done || 0) >= 1")
    assert page.evaluate(FOCUSED)["id"] == "stop"  # Run is disabled: focus moved to Stop
    page.keyboard.press("Enter")
    assert wait_state(page, "ready", "error") == "ready"
    assert "Stopped by you" in console_text(page)
    assert page.evaluate(FOCUSED)["id"] == "run"


def test_backend_select_works_from_the_keyboard(page, site_url):
    assert open_lab(page, site_url, "one-neuron", backend="wasm") == "ready"
    page.focus("#backend")
    page.keyboard.press("ArrowDown")  # wasm -> cpu
    wait_until(page, "window.pytfjs.backend() === 'cpu' && document.body.dataset.state === 'ready'")
    assert page.evaluate(FOCUSED)["id"] == "backend"  # focus kept after the switch


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)], ids=["1024x768", "390x844"])
def test_no_horizontal_scroll_and_controls_on_screen(page, site_url, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    no_scroll = ("[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                 " document.body.scrollWidth]")
    page.goto(site_url)
    scroll, client, body = page.evaluate(no_scroll)
    assert scroll <= client and body <= client, ("home", scroll, client)
    page.goto(lab_url(site_url, "one-neuron", run=1, backend="cpu"))
    assert wait_state(page, "done", "error") == "done"
    charts_drawn(page, ["Loss"])
    scroll, client, body = page.evaluate(no_scroll)
    assert scroll <= client and body <= client, ("lab", scroll, client)
    page.evaluate("window.scrollTo(0, 0)")
    for selector in ("#run", "#stop", "#reset", "#backend", ".CodeMirror"):
        box = page.locator(selector).bounding_box()
        assert page.is_visible(selector), selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= client, (selector, box)
        assert box["y"] < height, (selector, box)  # in the first screen, no scrolling
