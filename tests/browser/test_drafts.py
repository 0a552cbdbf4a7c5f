"""No edit is ever lost: the editor's code is kept per lab in browser storage."""

from __future__ import annotations

import json

import pytest

from testkit.harness import console_text, open_lab, wait_state, wait_until

pytestmark = pytest.mark.browser

DRAFT = "pytfjs:draft:one-neuron"


def shipped_source(dist_dir) -> str:
    return json.loads((dist_dir / "labs/one-neuron.json").read_text())["source"]


def type_at_end(page, text: str) -> None:
    """Type into the editor as a person does: click in it, go to the end, type."""
    page.click(".CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def stored(page) -> dict | None:
    return page.evaluate(f"JSON.parse(localStorage.getItem('{DRAFT}'))")


def test_an_edit_is_saved_within_a_second_and_survives_a_reload(page, site_url, dist_dir):
    assert open_lab(page, site_url, "one-neuron") == "ready"
    assert page.is_hidden("#edited") and stored(page) is None
    type_at_end(page, "\nprint('my own line')")
    # saved within a second of the change, without any other action
    wait_until(page, f"localStorage.getItem('{DRAFT}')", timeout=1000, poll_ms=20)
    code = page.evaluate("window.pytfjs.getCode()")
    assert code.endswith("print('my own line')") and code != shipped_source(dist_dir)
    assert stored(page)["code"] == code
    assert "saved" in page.inner_text("#edited")
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.getCode()") == code
    assert page.is_visible("#edited") and page.is_hidden("#draft-notice")


def test_the_code_survives_a_tab_killed_during_an_endless_loop(page, site_url):
    """The learner's most common mistake: the frozen tab is closed, the code is kept."""
    assert open_lab(page, site_url, "one-neuron") == "ready"
    code = "x = 0\nwhile True:\n    x += 1\n"
    page.evaluate("code => window.pytfjs.setCode(code)", code)
    page.evaluate("document.getElementById('run').click()")  # returns before the freeze
    context = page.context
    page.close(run_before_unload=False)
    again = context.new_page()
    assert open_lab(again, site_url, "one-neuron") == "ready"
    assert again.evaluate("window.pytfjs.getCode()") == code
    again.close()


def test_reset_restores_the_original_and_says_so(page, site_url, dist_dir):
    assert open_lab(page, site_url, "one-neuron") == "ready"
    type_at_end(page, "\n# an edit")
    page.click("#reset")
    assert page.evaluate("window.pytfjs.getCode()") == shipped_source(dist_dir)
    assert "original code is back" in console_text(page)
    assert page.inner_text("#status") == "Original code restored"
    assert stored(page) is None and page.is_hidden("#edited")
    page.click("#reset")  # nothing to restore: it says so instead of pretending
    assert page.inner_text("#status") == "The code is already the lab's original."
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.getCode()") == shipped_source(dist_dir)


def put_stale_draft(page, site_url, code: str) -> None:
    """A draft saved from other shipped code (an earlier build of the site)."""
    assert open_lab(page, site_url, "one-neuron") == "ready"
    page.evaluate("([key, code]) => localStorage.setItem(key, JSON.stringify("
                  "{code, base: 'deadbeef', saved: 1}))", [DRAFT, code])
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"


def test_new_shipped_code_is_announced_and_both_versions_are_offered(page, site_url,
                                                                     dist_dir):
    mine = "print('written against the old build')\n"
    put_stale_draft(page, site_url, mine)
    notice = page.locator("#draft-notice")
    assert "has changed since you edited it" in notice.inner_text()
    assert page.evaluate("window.pytfjs.getCode()") == mine
    notice.get_by_role("button", name="Use the new code").click()
    assert page.evaluate("window.pytfjs.getCode()") == shipped_source(dist_dir)
    assert "previous version is kept" in notice.inner_text()
    with page.expect_download() as download:
        notice.get_by_role("button", name="Download it as .py").click()
    assert download.value.suggested_filename == "one-neuron-my-version.py"
    assert open(download.value.path(), encoding="utf-8").read() == mine
    notice.get_by_role("button", name="Bring it back").click()
    assert page.evaluate("window.pytfjs.getCode()") == mine and notice.is_hidden()
    page.reload()  # brought back counts as kept: no notice any more
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.getCode()") == mine and notice.is_hidden()


def test_keeping_my_version_ends_the_notice(page, site_url):
    mine = "print('mine')\n"
    put_stale_draft(page, site_url, mine)
    page.locator("#draft-notice").get_by_role("button", name="Keep my version").click()
    assert page.is_hidden("#draft-notice")
    page.reload()
    assert wait_state(page, "ready", "error") == "ready"
    assert page.evaluate("window.pytfjs.getCode()") == mine
    assert page.is_hidden("#draft-notice")


def test_download_py_saves_the_editor_code(page, site_url):
    assert open_lab(page, site_url, "one-neuron") == "ready"
    type_at_end(page, "\n# downloaded")
    with page.expect_download() as download:
        page.click("#download-code")
    assert download.value.suggested_filename == "one-neuron.py"
    text = open(download.value.path(), encoding="utf-8").read()
    assert text == page.evaluate("window.pytfjs.getCode()") and text.endswith("# downloaded")
