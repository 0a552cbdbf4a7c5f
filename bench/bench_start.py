#!/usr/bin/env python3
"""Start-up of a lab page: a first visit (cold) next to a visit served by the service
worker's offline copy (cached), side by side.

    python3 build.py bench                      # builds dist/ first, then runs this too
    .venv/bin/python -m bench.bench_start --repeat 5

Headless Debian Chromium against dist/ on loopback. "cold" is a fresh browser context
each time (nothing cached, service workers off); "cached" is one context whose first
visit let sw.js cache the build, then ``--repeat`` further visits answered from that
cache (Chromium's compiled-code caches are warm too, as on a real return visit).
Reported: the page's performance marks, in ms from navigation start, median of the runs.
Figures vary 10-30% between runs: compare the two columns of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from tests.harness import PageLog, install_guard, site_and_browser, wait_state

MARKS = {
    "python-ready": ("Python ready (Pyodide booted)", 3000, 1500),
    "numpy-ready": ("pytfjs + numpy imported", None, None),
    "lab-ready": ("lab ready (Run enabled)", None, None),
}
GUARD = PageLog()  # refuse to report if a page reached another host

def visit(page, url: str) -> dict[str, float]:
    page.goto(url)
    assert wait_state(page, "ready", "error", timeout=600_000) == "ready"
    return {name: page.evaluate(f"performance.getEntriesByName('{name}')[0].startTime")
            for name in MARKS}


def cold(browser, url: str, repeat: int) -> list[dict[str, float]]:
    runs = []
    for _ in range(repeat):
        context = browser.new_context(service_workers="block")
        install_guard(context, GUARD)
        runs.append(visit(context.new_page(), url))
        context.close()
    return runs


def cached(browser, url: str, repeat: int) -> list[dict[str, float]]:
    context = browser.new_context(service_workers="allow")
    install_guard(context, GUARD)
    page = context.new_page()
    page.set_default_timeout(600_000)
    visit(page, url)
    if page.evaluate("window.pytfjsOffline.ready") is not True:
        raise RuntimeError("the service worker did not cache the build")
    runs = []
    for _ in range(repeat):
        runs.append(visit(page, url))
        if not page.evaluate("navigator.serviceWorker.controller !== null"):
            raise RuntimeError("the page was not served by the service worker")
        # Pyodide is fetched by the runtime worker; the page fetches the lab's file
        served = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => e.name.includes('/labs/')).map(e => e.workerStart > 0)""")
        if served != [True]:
            raise RuntimeError(f"the lab file did not come through the service worker: {served}")
    context.close()
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="visits to take the median of")
    parser.add_argument("--lab", default="one-neuron")
    parser.add_argument("--backend", default="wasm")
    args = parser.parse_args()
    with site_and_browser() as (_, browser, base):
        url = f"{base}lab.html?lab={args.lab}&backend={args.backend}"
        first = cold(browser, url, args.repeat)
        again = cached(browser, url, args.repeat)
    if GUARD.external:
        print(f"FAILED: pages requested other hosts: {GUARD.external}", file=sys.stderr)
        return 1
    width = max(len(label) for label, _, _ in MARKS.values())
    print(f"\nstart-up of lab.html?lab={args.lab}&backend={args.backend}, ms from navigation "
          f"start, median of {args.repeat}")
    print(f"{'mark'.ljust(width)}  {'cold':>8}  {'cached':>8}  goal (cold / cached)")
    print("-" * (width + 44))
    for name, (label, goal_cold, goal_cached) in MARKS.items():
        a = statistics.median(run[name] for run in first)
        b = statistics.median(run[name] for run in again)
        goal = f"<= {goal_cold} / <= {goal_cached}" if goal_cold else ""
        print(f"{label.ljust(width)}  {a:>8.0f}  {b:>8.0f}  {goal}")
    print(f"\n(headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback; runs: "
          + "; ".join(f"cold {r['python-ready']:.0f}" for r in first) + "; "
          + "; ".join(f"cached {r['python-ready']:.0f}" for r in again) + " ms to Python ready)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
