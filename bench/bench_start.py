#!/usr/bin/env python3
"""Start-up of a lab page: a first visit (cold) next to a visit served by the service
worker's offline copy (cached), side by side.

    python3 build.py bench                      # builds dist/ first, then runs this too
    .venv/bin/python -m bench.bench_start --repeat 5

Headless Debian Chromium against dist/ on loopback. "cold" is a fresh browser context
each time (nothing cached, service workers off); "cached" is one context whose first
visit let sw.js cache the build, then ``--repeat`` further visits answered from that
cache, in an off-the-record context, and Python starts from the memory snapshot the first
visit left (site/js/worker/python_snapshot.js); "profile" is "cached" in a browser that
keeps its profile on disk, as a learner's does: only there does Chromium keep the machine
code it compiled from the .wasm files (its code cache), so a return visit does not compile
Pyodide and TF.js again; "profile, no sw" the same with service workers blocked: the files
come from the server ("304 Not Modified") and the HTTP cache, as in the test suite's pages.
Reported: the page's performance marks, in ms from navigation start, median of the runs.
``--before DIST`` (another build's dist/, e.g. an older commit's) is measured in the same
run, visit for visit alternating with this one, so both see the same machine load.
Figures vary 10-30% between runs: compare the columns of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from testkit.harness import (
    PageLog,
    guarded_profile,
    install_guard,
    python_from_snapshot,
    serve_site,
    site_and_browser,
    wait_state,
)

MARKS = {
    "python-ready": ("Python ready (Pyodide booted)", 3000, 1500),
    "numpy-ready": ("pytfjs + numpy imported", None, None),
    "lab-ready": ("lab ready (Run enabled)", 2500, 1000),  # issue 34's
}
GUARD = PageLog()  # refuse to report if a page reached another host

def visit(page, url: str) -> dict[str, float]:
    page.goto(url)
    assert wait_state(page, "ready", "error", timeout=600_000) == "ready"
    marks = {name: page.evaluate(f"performance.getEntriesByName('{name}')[0].startTime")
             for name in MARKS}
    marks["snapshot"] = float(python_from_snapshot(page))  # 1 for a restored Python
    return marks


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
    return return_visits(context, url, repeat)


def in_profile(playwright, url: str, repeat: int, offline_copy: bool = True
               ) -> list[dict[str, float]]:
    """``cached``, in a browser that keeps a profile on disk, as a learner's does: an
    off-the-record context has no code cache, so it compiles the wasm on every visit.
    ``offline_copy=False``: service workers blocked, so the files come from the server
    (304s) and the HTTP cache, as in the test suite's pages."""
    with tempfile.TemporaryDirectory(prefix="pytfjs-bench-profile-") as folder:
        context = guarded_profile(playwright, Path(folder), GUARD,
                                  service_workers="allow" if offline_copy else "block")
        return return_visits(context, url, repeat, offline_copy)


def return_visits(context, url: str, repeat: int, offline_copy: bool = True
                  ) -> list[dict[str, float]]:
    """A first visit that lets sw.js cache the build (``offline_copy``), then ``repeat``
    visits again; closes ``context``."""
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(600_000)
    visit(page, url)
    # (window.pytfjsOffline: a build from before offline.js became a module)
    if offline_copy and page.evaluate(
            "(window.pytfjs.offline || window.pytfjsOffline).ready") is not True:
        raise RuntimeError("the service worker did not cache the build")
    runs = []
    for _ in range(repeat):
        runs.append(visit(page, url))
        if not offline_copy:
            continue
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
    parser.add_argument("--before", type=Path, help="another build's dist/ to compare with")
    args = parser.parse_args()
    page = f"lab.html?lab={args.lab}&backend={args.backend}"
    columns: dict[str, list[dict[str, float]]] = {}
    with site_and_browser() as (playwright, browser, base):
        sites = {"": base}
        if args.before:
            server, sites["before "] = serve_site(args.before)
        for _ in range(args.repeat):  # alternating: the same load for both builds
            for name, url in sites.items():
                columns.setdefault(f"{name}cold", []).extend(cold(browser, url + page, 1))
        for name, url in sites.items():
            columns[f"{name}cached"] = cached(browser, url + page, args.repeat)
            columns[f"{name}profile"] = in_profile(playwright, url + page, args.repeat)
            columns[f"{name}profile, no sw"] = in_profile(playwright, url + page, args.repeat,
                                                          offline_copy=False)
        if args.before:
            server.shutdown()
    if GUARD.external:
        print(f"FAILED: pages requested other hosts: {GUARD.external}", file=sys.stderr)
        return 1
    width = max(len(label) for label, _, _ in MARKS.values())
    print(f"\nstart-up of {page}, ms from navigation start, median of {args.repeat}"
          + (f"; 'before': {args.before}" if args.before else ""))
    print(f"{'mark'.ljust(width)}  " + "  ".join(f"{c:>14}" for c in columns)
          + "  goal (cold / return)")
    print("-" * (width + 16 * len(columns) + 22))
    for name, (label, goal_cold, goal_cached) in MARKS.items():
        cells = [statistics.median(run[name] for run in runs) for runs in columns.values()]
        goal = f"<= {goal_cold} / <= {goal_cached}" if goal_cold else ""
        print(f"{label.ljust(width)}  " + "  ".join(f"{c:>14.0f}" for c in cells) + f"  {goal}")
    restored = (f"{c} {sum(r['snapshot'] for r in runs):.0f} of {len(runs)}"
                for c, runs in columns.items())
    print("visits whose Python came from the snapshot: " + "; ".join(restored))
    print(f"\n(headless Debian Chromium, {os.cpu_count()} cores, dist/ on loopback; ms to "
          "Python ready: " + "; ".join(f"{c} " + ", ".join(f"{r['python-ready']:.0f}" for r in runs)
                                       for c, runs in columns.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
