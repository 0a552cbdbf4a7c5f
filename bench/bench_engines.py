#!/usr/bin/env python3
"""Each browser engine side by side, in one run: Chromium, Firefox ESR, WebKitGTK.

    .venv/bin/python -m bench.bench_engines --repeat 3
    .venv/bin/python -m bench.bench_engines --first-visits 20 --engines firefox

Per engine, median of ``--repeat`` visits, each in a fresh page (fresh storage: a first
visit): ms from navigation to "lab ready" (Run enabled), one-neuron's run (wasm), and a
small MNIST run (wasm, 1 epoch of 2,000 digits). The engines take turns visit by visit,
so all see the same machine load. Also said: the wasm thread count each engine got, and
whether its start needed the one-thread fallback (site/js/page/startup.js).

``--first-visits N`` instead starts N newly launched browsers of each engine, one after
the other, and counts how many reach ``done`` on one-neuron (the Firefox first-visit hang
of the engines issue was 7 of 29 before the fallback).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from testkit import engines
from testkit.harness import serve_site


def first_visit(engine: engines.Engine, base: str, lab: str, **params) -> dict:
    page = engine.new_page()
    try:
        started = time.monotonic()
        page.goto(engines.lab_url(base, lab, backend="wasm", **params))
        state = engines.wait_state(page, "ready", "error", timeout=600)
        ready_ms = (time.monotonic() - started) * 1000
        if state != "ready":
            return {"ready": None, "run": None, "error": engines.console_text(page)[-300:]}
        caps = page.evaluate("() => window.pytfjs.capabilities")
        fallback = "starting again on one thread" in engines.console_text(page)
        started = time.monotonic()
        try:
            state = page.evaluate("async () => await window.pytfjs.run()")
        except engines.EngineError as exc:  # the page went away mid-run: said, not hidden
            return {"ready": ready_ms, "run": None, "error": str(exc)[:200],
                    "threads": caps["threads"], "fallback": fallback}
        run_s = time.monotonic() - started
        assert not page.external, page.external
        return {"ready": ready_ms, "run": run_s if state == "done" else None,
                "threads": caps["threads"], "fallback": fallback}
    finally:
        page.close()


def median(values: list[float | None]) -> str:
    got = [v for v in values if v is not None]
    if not got:
        return "failed"
    return f"{statistics.median(got):,.0f}" if got[0] > 100 else f"{statistics.median(got):.1f}"


def side_by_side(names: list[str], base: str, repeat: int) -> None:
    browsers = {name: engines.launch(name) for name in names}
    keys = ("ready", "neuron", "mnist", "threads", "fallback", "errors")
    rows: dict[str, dict[str, list]] = {n: {k: [] for k in keys} for n in names}
    try:
        for _ in range(repeat):
            for name, engine in browsers.items():
                one = first_visit(engine, base, "one-neuron")
                small = first_visit(engine, base, "mnist", epochs=1, samples=2000)
                row = rows[name]
                row["ready"].append(one["ready"])
                row["neuron"].append(one["run"])
                row["mnist"].append(small["run"])
                row["threads"].append(one.get("threads"))
                row["fallback"].append(one.get("fallback"))
                row["errors"] += [v["error"] for v in (one, small) if v.get("error")]
        for name, row in rows.items():
            for error in row["errors"]:
                print(f"{name}: a visit failed: {error}")
        print(f"\n{'engine':<28} {'first visit -> lab ready ms':>28} {'one-neuron run s':>17} "
              f"{'small mnist run s':>18}  wasm threads")
        for name, engine in browsers.items():
            row = rows[name]
            fell = sum(bool(f) for f in row["fallback"])
            threads = ",".join(str(t) for t in row["threads"])
            print(f"{name + ' ' + engine.version:<28} {median(row['ready']):>28} "
                  f"{median(row['neuron']):>17} {median(row['mnist']):>18}  {threads}"
                  + (f" ({fell} fell back to one)" if fell else ""))
    finally:
        for engine in browsers.values():
            engine.close()


def count_first_visits(names: list[str], base: str, visits: int) -> None:
    for name in names:
        done = fell = 0
        for i in range(visits):
            engine = engines.launch(name)
            try:
                one = first_visit(engine, base, "one-neuron")
            finally:
                engine.close()
            done += one["run"] is not None
            fell += bool(one.get("fallback"))
            print(f"{name} visit {i + 1}: ready {one['ready'] or 0:,.0f} ms, "
                  f"{'done' if one['run'] is not None else 'NOT done'}"
                  + (", fell back to one thread" if one.get("fallback") else ""), flush=True)
        print(f"{name}: {done} of {visits} first visits in a newly started browser reached "
              f"done ({fell} through the one-thread fallback)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default=",".join(engines.ENGINES))
    parser.add_argument("--first-visits", type=int, default=0)
    args = parser.parse_args()
    names = [n for n in args.engines.split(",") if n]
    dist = Path(os.environ.get("PYTFJS_DIST", Path(__file__).resolve().parent.parent / "dist"))
    server, base = serve_site(dist)
    try:
        if args.first_visits:
            count_first_visits(names, base, args.first_visits)
        else:
            side_by_side(names, base, args.repeat)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
