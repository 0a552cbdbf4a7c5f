"""The guard every browser test relies on: non-loopback requests are caught and fail."""

from __future__ import annotations

import pytest

from testkit.harness import PageLog, install_guard, wait_state

pytestmark = pytest.mark.browser


def test_guard_records_and_blocks_external_requests(browser, site_url):
    log = PageLog()
    # The page's Content-Security-Policy would refuse the fetch before it reaches the
    # guard; bypass it here to prove the guard on its own (test_security.py tests the CSP).
    context = browser.new_context(bypass_csp=True)
    install_guard(context, log)
    page = context.new_page()
    page.goto(site_url)
    outcome = page.evaluate("""async () => {
        try { await fetch('http://example.com/x.js'); return 'fetched'; }
        catch (e) { return 'blocked'; } }""")
    local = page.evaluate("fetch('index.html').then(r => r.status)")
    context.close()
    assert outcome == "blocked"
    assert local == 200
    assert log.external == ["http://example.com/x.js"]


def test_built_pages_reference_no_other_host(page, site_url, page_log):
    page.goto(site_url)
    page.click("a[href='lab.html?lab=one-neuron']")
    wait_state(page, "ready")
    assert page_log.external == []
