"""The Python the runtime worker runs at start (ZIP_DIRECTORY_ONCE in
site/js/worker/private_apis.js), run in the shipped Pyodide in Node.js:
importlib.invalidate_caches() (which every loadPackage calls) stops reading the standard
library's zip again, while a zip that changes on disk is still read again, by every
importer of it."""

from __future__ import annotations

import json
import shutil
import subprocess

from testkit.harness import ROOT

NODE_CHECK = r"""
import { createRequire } from "module";
import { pathToFileURL } from "url";
const require = createRequire(import.meta.url);
const [dir, startup] = process.argv.slice(2);
const { ZIP_DIRECTORY_ONCE, readZipDirectoriesOnce } = await import(pathToFileURL(startup).href);
const { loadPyodide } = require(dir + "/pyodide.js");
const py = await loadPyodide({ indexURL: dir + "/" });
py.runPython(`
import importlib, sys, time, zipfile, zipimport
reads = []
_read_directory = zipimport._read_directory
def _counting(archive):
    reads.append(archive)
    return _read_directory(archive)
zipimport._read_directory = _counting
stdlib = next(p for p in sys.path if p.endswith(".zip"))

def timed():
    del reads[:]
    t = time.perf_counter()
    importlib.invalidate_caches()
    return (time.perf_counter() - t) * 1000, len(reads)
`);
const out = {};
out.before = py.runPython("timed()").toJs();
py.runPython(ZIP_DIRECTORY_ONCE);
py.runPython(ZIP_DIRECTORY_ONCE); // idempotent: after a restore it runs again
out.after = py.runPython("timed()").toJs();
out.importers = py.runPython(
  "sum(1 for k, v in sys.path_importer_cache.items() if isinstance(v, zipimport.zipimporter))");
// a zip of the user's that changes: read again once, and every importer of it sees it
out.user = JSON.parse(py.runPython(`
import json, os
def write(members):
    with zipfile.ZipFile("/tmp/user.zip", "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
write({"pkg/__init__.py": "", "pkg/a.py": "A = 1"})
sys.path.insert(0, "/tmp/user.zip")
import pkg.a
write({"pkg/__init__.py": "", "pkg/a.py": "A = 1", "pkg/b.py": "B = 2", "top.py": "T = 3"})
os.utime("/tmp/user.zip", ns=(1, 1))  # another mtime, whatever the clock's resolution
_, n_changed = timed()
import pkg.b, top
_, n_again = timed()
json.dumps({"b": pkg.b.B, "top": top.T, "changed": n_changed,
            "again": n_again})
`));
// a zipimport without the internals it uses: the start goes on, as before
py.runPython("import zipimport; kept = zipimport._zip_directory_cache\n" +
             "del zipimport._zip_directory_cache");
readZipDirectoriesOnce(py);
out.without = py.runPython("import json; json.dumps([1, 2])");
py.runPython("zipimport._zip_directory_cache = kept");
console.log(JSON.stringify(out));
"""


def test_invalidate_caches_reads_only_the_zips_that_changed(dist_dir, tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is required"
    script = tmp_path / "check.mjs"
    script.write_text(NODE_CHECK)
    proc = subprocess.run([node, str(script), str(dist_dir / "vendor/pyodide"),
                           str(ROOT / "site/js/worker/private_apis.js")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    # Python 3.12 as shipped: each importer of the stdlib zip reads its directory again
    assert 2 <= r["before"][1] <= r["importers"]
    assert r["after"][1] == 0  # the stdlib zip did not change: nothing is read
    # the user's zip changed: read once, shared by both of its importers (pkg/ and /)
    assert r["user"] == {"b": 2, "top": 3, "changed": 1, "again": 0}
    assert r["without"] == "[1, 2]"  # readZipDirectoriesOnce warned, Python goes on
    assert "zipimport's directories will be read on every loadPackage" in proc.stderr
