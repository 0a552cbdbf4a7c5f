"""A return visit starts Python from this browser's snapshot of a fresh interpreter
(site/js/worker/python_snapshot.js): it runs labs as a normal start does, its random numbers are
not the same on every visit, its time zone is the browser's, and a snapshot that does not
restore is replaced without the learner noticing."""

from __future__ import annotations

import pytest

from testkit.harness import (
    console_text,
    open_lab,
    python_from_snapshot,
    run_in_lab,
    wait_state,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.first_visit]

SNAPSHOT = "python-snapshot"  # the Cache Storage name python_snapshot.js keeps it in

PRINT_STATE = """\
import random, sys, time
print("random", random.random())
print("zone", time.timezone)
print("path", sys.path.count(""))
"""


def visit(page) -> bool:
    page.reload()
    assert wait_state(page, "ready", "error") == "ready", console_text(page)
    return python_from_snapshot(page)


def printed(page, label: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in console_text(page).splitlines()
            if line.startswith(f"{label} ")]


def wait_for_snapshot(page) -> None:
    """The first visit stores the snapshot after Python has started: wait for the write."""
    wait_until(page, f"""async () => {{
        const cache = await caches.open('{SNAPSHOT}');
        return (await cache.keys()).length === 1;
    }}""", timeout=60_000)


def test_a_return_visit_restores_python_and_runs_the_lab(page, site_url):
    assert open_lab(page, site_url, "one-neuron") == "ready"
    assert python_from_snapshot(page) is False
    wait_for_snapshot(page)
    assert visit(page) is True
    # numpy, pytfjs and TF.js on top of the restored interpreter: the lab's own run
    page.click("#run")
    assert wait_state(page, "done", "error") == "done", console_text(page)
    assert abs(page.evaluate("window.pytfjs.results.prediction") - 19) < 0.5
    # two starts from the same memory draw different random numbers, as two fresh
    # starts do; sys.path holds the working directory once
    draws = []
    for _ in range(2):
        assert visit(page) is True
        assert run_in_lab(page, PRINT_STATE) == "done", console_text(page)
        draws += printed(page, "random")
        assert printed(page, "path") == ["1"]
    assert len(draws) == 2 and draws[0] != draws[1]


def set_time_zone(cdp, zone: str) -> None:
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": ""})  # lift the last one
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": zone})


def test_the_snapshot_keeps_to_the_browsers_time_zone(page, site_url):
    cdp = page.context.new_cdp_session(page)
    set_time_zone(cdp, "America/New_York")
    assert open_lab(page, site_url, "one-neuron") == "ready"
    wait_for_snapshot(page)
    assert visit(page) is True
    assert run_in_lab(page, PRINT_STATE) == "done", console_text(page)
    assert printed(page, "zone") == ["18000"]
    # the learner's clock moves to another zone: that snapshot is not used
    set_time_zone(cdp, "Asia/Tokyo")
    assert visit(page) is False
    assert run_in_lab(page, PRINT_STATE) == "done", console_text(page)
    assert printed(page, "zone") == ["-32400"]


def first_id_byte(page) -> int | None:
    """Byte 16 of the stored snapshot: the first of Pyodide's build id in its header."""
    return page.evaluate(f"""async () => {{
        const cache = await caches.open('{SNAPSHOT}');
        const [key] = await cache.keys();
        return key ? new Uint8Array(await (await cache.match(key)).arrayBuffer())[16] : null;
    }}""")


def test_a_snapshot_that_does_not_restore_is_replaced(page, site_url):
    assert open_lab(page, site_url, "one-neuron") == "ready"
    wait_for_snapshot(page)
    good = first_id_byte(page)
    # a snapshot from another Pyodide build: the build id in its header differs
    page.evaluate(f"""async () => {{
        const cache = await caches.open('{SNAPSHOT}');
        const [key] = await cache.keys();
        const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
        bytes[16] ^= 0xff;
        await cache.put(key, new Response(bytes));
    }}""")
    assert first_id_byte(page) == good ^ 0xFF
    assert visit(page) is False
    assert "Traceback" not in console_text(page) and not page.is_disabled("#run")
    assert run_in_lab(page, "print('fine')") == "done"
    assert "fine" in console_text(page)
    # and a good one has taken its place
    wait_until(page, f"""async () => {{
        const cache = await caches.open('{SNAPSHOT}');
        const keys = await cache.keys();
        return keys.length === 1
            && new Uint8Array(await (await cache.match(keys[0])).arrayBuffer())[16] === {good};
    }}""", timeout=60_000)
    assert visit(page) is True
