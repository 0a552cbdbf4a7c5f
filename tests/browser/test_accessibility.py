"""Accessibility: axe-core finds no serious or critical problem on the home page and on
each lab page, before and after a run (charts, results, tables, prompts included)."""

from __future__ import annotations

import functools

import pytest

from buildlib import config
from buildlib.integrity import verify
from tests.conftest import console_text, lab_url, open_lab, wait_state, wait_until

pytestmark = pytest.mark.browser

AXE = "axe-core/axe.min.js"


@functools.cache
def axe_source() -> str:
    """axe-core from node_modules (a devDependency, never in dist/), checked by sha256."""
    path = config.NODE_MODULES / AXE
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `npm ci` (python3 build.py test does)")
    verify(path, config.TEST_NPM_FILES[AXE], AXE, "npm axe-core (devDependency)")
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


def charts_drawn(page, titles: list[str]) -> None:
    """Wait until tfjs-vis has drawn each titled chart (it draws asynchronously)."""
    wait_until(page, """titles => titles.every(t => [...document.querySelectorAll(
        '#charts figure')].some(f => f.dataset.title === t && f.querySelector('canvas, table')))""",
               titles)


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def viewport(request, page):
    width, height = request.param
    page.set_viewport_size({"width": width, "height": height})
    return request.param


def test_home_page(page, site_url, viewport):
    page.goto(site_url)
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
]


@pytest.mark.parametrize(("lab", "params", "charts"), LABS, ids=[lab for lab, _, _ in LABS])
def test_lab_page_before_and_after_a_run(page, site_url, viewport, lab, params, charts):
    assert open_lab(page, site_url, lab, backend="wasm", **params) == "ready"
    assert serious_problems(page) == [], "before the run"
    page.click("#run")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    charts_drawn(page, charts)
    assert page.locator("#results th").count() >= 1  # the results panel is filled
    assert serious_problems(page) == [], "after the run"


def test_lab_waiting_for_a_file(page, site_url, viewport):
    """The "Your CSV" prompt: drop zone, file button and its message."""
    page.goto(lab_url(site_url, "your-csv", run=1, backend="wasm"))
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
