"""The Node-RED editor with node-red-contrib-pytfjs installed, in headless Chromium: the
two nodes in the palette, their edit forms (opened by double-click) and help, and the
status badge that tells a user why a model did not load. The page may ask nothing of a
non-loopback host."""

from __future__ import annotations

import pytest

from testkit.node_red import NodeRed, example_flow, install_user_dir

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def red(dist_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("node-red-editor")
    install_user_dir(root / "user", root / "pack")
    with NodeRed(root / "user") as server:
        # models that do not exist: the status badges must say so
        server.deploy(example_flow(root / "missing-rpsls.zip", root / "missing-csv",
                                   dist_dir / "data/photos/coffee.png"))
        yield server


def test_palette_forms_help_and_error_badge(red, page, page_log):
    page.goto(red.url + "/")
    page.wait_for_selector(".red-ui-flow-node-group", timeout=60_000)
    assert page.locator(".red-ui-palette-node[data-palette-type='pytfjs-predict']").count() == 1
    assert "function" in page.locator(
        ".red-ui-palette-node[data-palette-type='pytfjs-predict']").evaluate(
        "e => e.closest('.red-ui-palette-category').id")
    # the predict nodes show why their model is missing
    page.wait_for_function("[...document.querySelectorAll('.red-ui-flow-node-status-label')]"
                           ".filter(e => e.textContent.includes('does not exist')).length >= 3",
                           timeout=60_000)
    # the edit form of a predict node, then of its model config node
    page.dblclick("[id='predict-http'] .red-ui-flow-node")
    page.wait_for_selector("#node-input-model", state="attached")
    assert page.input_value("#node-input-property") == "payload"
    assert page.input_value("#node-input-name") == "rock, paper, ...?"
    page.evaluate("RED.tray.close()")
    page.evaluate("RED.editor.editConfig('', 'pytfjs-model', 'rpsls-model')")
    page.wait_for_selector("#node-config-input-path", state="visible")
    assert page.input_value("#node-config-input-path").endswith("missing-rpsls.zip")
    options = page.eval_on_selector_all("#node-config-input-backend option",
                                        "os => os.map(o => o.value)")
    assert options == ["", "cpu", "wasm"]
    page.evaluate("RED.tray.close()")
    # help text of both nodes, as the editor gives it to its help sidebar and palette tips
    for kind, words in (("pytfjs-predict", ["PNG or JPEG", "catch", "<h3>Outputs</h3>", "tensors"]),
                        ("pytfjs-model", ["preprocessing.json", "wasm"])):
        text = page.evaluate(f"RED.nodes.getNodeHelp('{kind}')")
        for word in words:
            assert word in text, (kind, word)
    assert not page_log.page_errors, page_log.page_errors
