#!/usr/bin/env python3
"""pytfjs build entry point.

    python3 build.py build        # dist/: the whole static site, offline, verified
    python3 build.py serve        # build, then serve dist/ on http://127.0.0.1:8000
    python3 build.py test         # install test tools if missing, build, run pytest
    python3 build.py bench        # build, run the benchmarks in bench/
    python3 build.py pack         # build, then build/pytfjs-classroom.zip (site + serve.py)
    python3 build.py node-red     # build/node-red-contrib-pytfjs-<version>.tgz (Node-RED nodes)
    python3 build.py lock-vendor  # re-pin npm files (buildlib/fetch/inputs.py) after a bump
    python3 build.py new-lab ID   # write a small lab to start from, in ./labs/ID
    python3 build.py i18n         # extract messages (Babel), update locale/*.pot and *.po
    build, serve and pack take --labs DIR (your own labs, see docs/teacher-labs.md), repeatable

Needs only Python 3.11+ and Node.js 20 with npm; everything else it installs itself.
This file is only the command line: the work is in buildlib/, one folder per stage
(fetch/, make/, site/, serve/, and dev/ for the test and bench runners).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from buildlib import config
from buildlib.dev.tools import bench, test
from buildlib.fetch import npm
from buildlib.fetch.integrity import IntegrityError
from buildlib.site import labs
from buildlib.site.assemble import build


def serve(host: str, port: int, lab_dirs: list[Path] | tuple[Path, ...] = (),
          dist: Path = config.DIST) -> None:
    from buildlib.serve.server import make_server

    build(dist, lab_dirs=lab_dirs)
    server = make_server(dist, host, port)
    print(f"Serving {dist} on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")


def i18n() -> int:
    """Run the extraction (buildlib/make/i18n_extract.py) with the test venv's Babel."""
    import subprocess

    from buildlib.dev.tools import TEST_VENV, ensure_test_tools

    python = TEST_VENV / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import babel"],
                                             capture_output=True).returncode:
        python = ensure_test_tools()  # the pinned test requirements, Babel among them
    return subprocess.run([str(python), "-m", "buildlib.make.i18n_extract"],
                          cwd=config.ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build dist/")
    p_build.add_argument("--cache-dir", type=Path, help="Pyodide wheel cache to use")
    p_build.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    p_serve = sub.add_parser("serve", help="build and serve dist/")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    sub.add_parser("test", help="run the test suite (extra args go to pytest)")
    sub.add_parser("bench", help="run the benchmarks (extra args go to bench/bench.py)")
    p_pack = sub.add_parser("pack", help="build, then the classroom zip (site + serve.py)")
    p_pack.add_argument("--dist", type=Path, default=config.DIST, help="output folder")
    p_pack.add_argument("--out", type=Path, default=config.ROOT / "build" /
                        "pytfjs-classroom.zip", help="the zip to write")
    for p in (p_build, p_serve, p_pack):
        p.add_argument("--labs", type=Path, action="append", default=[], metavar="DIR",
                       help="a folder of your own lab folders (and wheels/*.whl) to build "
                       "beside the course's; may be given more than once")
    p_new = sub.add_parser("new-lab", help="write a small lab to start from: "
                           "DIR/ID/main.py, lesson.md, lab.json and a CSV")
    p_new.add_argument("id", help="the lab's id: lowercase letters, digits, - and _")
    p_new.add_argument("--labs", type=Path, default=Path("labs"), metavar="DIR",
                       help="the folder of your labs (default: ./labs)")
    sub.add_parser("node-red", help="pack the Node-RED nodes into build/*.tgz")
    sub.add_parser("i18n", help="extract the messages with Babel into locale/*.pot and "
                   "update each language's .po (new ones empty, gone ones dropped)")
    sub.add_parser("lock-vendor", help="re-pin npm packages and files in buildlib/fetch/inputs.py "
                   "(after a deliberate version bump)")
    args, rest = parser.parse_known_args(argv)
    try:
        if args.command == "build":
            build(args.dist, cache=args.cache_dir, lab_dirs=args.labs)
        elif args.command == "serve":
            serve(args.host, args.port, args.labs, args.dist)
        elif args.command == "test":
            return test(rest)
        elif args.command == "bench":
            return bench(rest)
        elif args.command == "pack":
            from buildlib.serve.pack import write_pack

            build(args.dist, lab_dirs=args.labs)
            out = write_pack(args.dist, args.out)
            print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): unzip it and run "
                  "`python3 serve.py` inside")
        elif args.command == "node-red":
            from buildlib.serve import node_red

            npm.ensure_node_modules()
            out = node_red.pack(config.ROOT / "build")
            from buildlib.fetch import inputs

            tfjs = f"{inputs.TFJS.name}@{inputs.TFJS.version}"
            print(f"wrote {out}: `npm install {tfjs} {out.name}` in your "
                  "Node-RED user directory (see docs/node-red.md)")
        elif args.command == "new-lab":
            from buildlib.site import scaffold

            folder = scaffold.write_lab(args.labs, args.id)
            print(f"wrote {folder}: edit main.py, then `python3 build.py serve --labs "
                  f"{args.labs}` and open the lab from the home page")
        elif args.command == "i18n":
            return i18n()
        elif args.command == "lock-vendor":
            npm.ensure_node_modules()
            changed = npm.repin()
            for what, (old, new) in changed.items():
                print(f"{what}: {old} -> {new}")
            print(f"{len(changed)} pins changed in {npm.INPUTS_PY.relative_to(config.ROOT)}"
                  + (": update THIRD_PARTY.md to match" if changed else ""))
    except IntegrityError as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    except labs.LabError as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
