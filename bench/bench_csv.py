#!/usr/bin/env python3
""""Your CSV" lab: training time of network + linear baseline, next to the network alone.

    python3 build.py bench                         # all benchmarks (builds dist/ first)
    .venv/bin/python -m bench.bench_csv --backends cpu,wasm

On the largest real table of the tests (``tests/fixtures/tables/randhie.csv``: 4,000
rows, label ``mdvis``), in headless Debian Chromium against dist/ on loopback, per
backend, in one page: the lab as it is (a network sized from the data, early stopping,
seeded, then ridge regression with its penalty search and refit in numpy) and the lab as
it was before the baseline (``--old-rev``, default the commit before it: a fixed 32-16
network for 60 epochs, TF.js' own shuffle), both timed around their training calls and
from Run to done. Figures vary 10-30% between runs on a shared machine: compare ratios
from one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.parse

from bench.bench import new_page, print_table, run_python, wait
from testkit.harness import ROOT, site_and_browser

TABLES = ROOT / "tests" / "fixtures" / "tables"
OLD_REV = "6200ee4"  # the lab before issue 16: fixed network, no baseline, no seed


def old_lab(rev: str) -> str:
    code = subprocess.run(["git", "show", f"{rev}:py/labs/your-csv/main.py"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    start = "await model.fit(data.x_train"
    end = "report(task=task,"
    if start not in code or end not in code:
        raise SystemExit(f"{rev}:py/labs/your-csv/main.py is not the lab this bench knows")
    code = code.replace(start, "_t0 = __import__('time').perf_counter()\n" + start)
    code = code.replace("# 5. Test metrics",
                        "_seconds = __import__('time').perf_counter() - _t0\n# 5. Test metrics")
    return code.replace(end, "report(network_seconds=_seconds, task=task,")


def run(page, code: str) -> tuple[dict, float]:
    started = time.perf_counter()
    results = run_python(page, code)
    return results, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="cpu,wasm")
    parser.add_argument("--old-rev", default=OLD_REV)
    args = parser.parse_args()
    old_code = old_lab(args.old_rev)
    rows = []
    with site_and_browser({"_bench": TABLES}) as (_pw, browser, base):
        for backend in args.backends.split(","):
            context, page = new_page(browser)
            query = urllib.parse.urlencode({"lab": "your-csv", "backend": backend,
                                            "csv": "_bench/randhie.csv", "label": "mdvis"})
            page.goto(f"{base}lab.html?{query}")
            wait(page, "ready")
            new_code = page.evaluate("window.pytfjs.getCode()")
            new, new_wall = run(page, new_code)
            old, old_wall = run(page, old_code)
            context.close()
            both = new["network_seconds"] + new["baseline_seconds"]
            rows += [
                (f"{backend}: today's lab, network 32-16 x 60 epochs",
                 f"{old['network_seconds']:.1f} s",
                 f"test MAE {old['test_mae']:.3f}; Run to done {old_wall:.1f} s"),
                (f"{backend}: network {new['network']['width']}-"
                 f"{new['network']['width'] // 2}, {new['epochs_run']} epochs (early stop)",
                 f"{new['network_seconds']:.1f} s",
                 f"test MAE {new['network_test_mae']:.3f}"),
                (f"{backend}: linear baseline (ridge, 8 penalties + refit)",
                 f"{new['baseline_seconds']:.2f} s",
                 f"test MAE {new['baseline_test_mae']:.3f}"),
                (f"{backend}: network + baseline", f"{both:.1f} s",
                 f"x{both / old['network_seconds']:.2f} of today's network; kept "
                 f"{new['chosen']}, test MAE {new['test_mae']:.3f}; Run to done "
                 f"{new_wall:.1f} s"),
            ]
    return print_table(rows, "randhie.csv (4,000 rows, mdvis)", "training",
                       "seconds around the training calls, in the page; live charts included")


if __name__ == "__main__":
    sys.exit(main())
