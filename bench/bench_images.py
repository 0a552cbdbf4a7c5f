#!/usr/bin/env python3
"""The webcam lab's per-frame numpy work in Pyodide, this tree against an older commit's,
side by side in one run.

    .venv/bin/python -m bench.bench_images --before 7e2d2ad     # after `build.py build`

Runs in Node.js with the built site's own Pyodide and numpy (dist/vendor/pyodide), so the
figures are WebAssembly's, not CPython's (they differ: in-place float32 arithmetic that
was 3x faster on CPython was no faster in Pyodide). Both versions of
``py/pytfjs/data/images.py`` are loaded side by side (its numpy part only) and timed on
the same random frames: the centre square of a 640x480 RGBA webcam frame resized to
224x224 RGB (the old way: an RGB copy of the whole frame first), the 48x48 thumbnail,
``normalize``. Best of 5 repeats, ms per call.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from testkit.harness import ROOT

IMAGES = "py/pytfjs/data/images.py"

RUNNER = """
const { loadPyodide } = require(process.argv[2] + "/pyodide.js");
const fs = require("fs");
(async () => {
  const py = await loadPyodide({ indexURL: process.argv[2] + "/", stdout: () => {} });
  await py.loadPackage("numpy", { messageCallback: () => {} });
  for (const name of ["before", "now"]) {
    py.FS.writeFile(`/${name}.py`, fs.readFileSync(`${process.argv[3]}/${name}.py`));
  }
  console.log(py.runPython(fs.readFileSync(`${process.argv[3]}/timing.py`, "utf8")));
})();
"""

TIMING = """
import json, timeit, types
import numpy as np

def numpy_part(name):
    src = open(f"/{name}.py").read()
    body = src[src.index("numpy (CPython too)") + 20:src.index("------ the browser")]
    module = types.ModuleType(name)
    exec("from __future__ import annotations\\nimport functools\\nimport numpy as np\\n"
         "from typing import Any, Sequence\\nfrom numpy.typing import NDArray\\n" + body,
         module.__dict__)
    return module

def best(fn, n=30):
    return min(timeit.repeat(fn, number=n, repeat=5)) / n * 1e3

rng = np.random.default_rng(0)
frame = rng.integers(0, 256, (480, 640, 4), dtype=np.uint8)
square = np.ascontiguousarray(frame[:, 80:560])  # what the page now sends
mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
rows = {}
for name in ("before", "now"):
    m = numpy_part(name)
    if hasattr(m, "rgb_square"):
        crop = lambda: m.rgb_square(square, 224)
    else:  # the page sent the whole frame, and Python copied it to RGB first
        crop = lambda: m.center_square(np.ascontiguousarray(frame[..., :3]), 224)
    small = crop()
    rows[name] = {"frame -> 224x224 RGB": best(crop),
                  "224 -> 48x48 thumbnail": best(lambda: m.resize_area(small, 48, 48), 100),
                  "normalize 224x224": best(lambda: m.normalize(small, mean, std), 100)}
json.dumps(rows)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a commit to compare with")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    pyodide = (args.dist / "vendor" / "pyodide").resolve()
    if not (pyodide / "pyodide.js").is_file():
        print(f"no Pyodide in {args.dist}: run `python3 build.py build` first", file=sys.stderr)
        return 1
    before = subprocess.run(["git", "show", f"{args.before}:{IMAGES}"], cwd=ROOT,
                            capture_output=True, text=True)
    if before.returncode:
        print(f"git show {args.before}:{IMAGES}: {before.stderr.strip()}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "before.py").write_text(before.stdout)
        (work / "now.py").write_text((ROOT / IMAGES).read_text())
        (work / "timing.py").write_text(TIMING)
        (work / "run.cjs").write_text(RUNNER)
        out = subprocess.run(["node", str(work / "run.cjs"), str(pyodide), str(work)],
                             capture_output=True, text=True, check=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    print(f"\nper frame in Pyodide (Node.js, {pyodide}), ms, best of 5")
    print(f"{'':26} {'before ' + args.before:>16} {'now':>8}")
    for what in rows["now"]:
        print(f"{what:26} {rows['before'][what]:16.2f} {rows['now'][what]:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
