"""Bytecode in the shipped stdlib zip and wheels (buildlib/make/bytecode.py): the layout,
and, in the shipped Pyodide in Node.js, that a lab's start compiles nothing from source
while tracebacks still show source lines."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile

from buildlib.make import pyc_zip


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_names_follow_zipimport_and_the_import_system():
    assert pyc_zip.pyc_name("json/decoder.py", "sibling", "cpython-312") == "json/decoder.pyc"
    assert pyc_zip.pyc_name("numpy/linalg/_linalg.py", "pycache", "cpython-312") \
        == "numpy/linalg/__pycache__/_linalg.cpython-312.pyc"
    assert pyc_zip.pyc_name("six.py", "pycache", "cpython-312") \
        == "__pycache__/six.cpython-312.pyc"


def test_sources_stay_and_only_the_listed_modules_get_unchecked_bytecode(tmp_path):
    src = _zip(tmp_path / "in.whl", {
        "pkg/__init__.py": b"X = 1\n", "pkg/cold.py": b"Y = 2\n", "pkg/data.txt": b"text",
        "pkg/broken.py": b"def (:\n", "pkg-1.0.dist-info/METADATA": b"Name: pkg\n"})
    dst = tmp_path / "out.whl"
    count = pyc_zip.add_bytecode(str(src), str(dst), "pycache", "/site/",
                                 only=["/site/pkg/__init__.py", "/site/pkg/broken.py"])
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(dst) as after:
        added = set(after.namelist()) - set(before.namelist())
        assert all(after.read(n) == before.read(n) for n in before.namelist())
        assert count == 1 and added == {f"pkg/__pycache__/__init__.{tag}.pyc"}
        pyc = after.read(added.pop())
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, source never checked
    assert pyc[8:16] == importlib.util.source_hash(b"X = 1\n")


def test_what_only_a_compiler_reads_is_left_out_and_out_of_the_record(tmp_path):
    record = ("pkg/__init__.py,sha256=a,6\npkg/core.h,sha256=b,9\npkg/__init__.pyi,sha256=c,3\n"
              "pkg/_lib.so,sha256=d,4\npkg-1.0.dist-info/RECORD,,\n")
    src = _zip(tmp_path / "in.whl", {
        "pkg/__init__.py": b"X = 1\n", "pkg/core.h": b"int x;\n", "pkg/__init__.pyi": b"X: int\n",
        "pkg/_lib.so": b"\0asm", "pkg/lib/libm.a": b"!<arch>", "pkg/decl.pxd": b"cdef int x\n",
        "pkg-1.0.dist-info/METADATA": b"Name: pkg\n",
        "pkg-1.0.dist-info/RECORD": record.encode()})
    dst = tmp_path / "out.whl"
    pyc_zip.add_bytecode(str(src), str(dst), "pycache", "/site/", only=[],
                         drop=pyc_zip.DEV_ONLY)
    with zipfile.ZipFile(src) as before, zipfile.ZipFile(dst) as after:
        assert sorted(after.namelist()) == [
            "pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/RECORD", "pkg/__init__.py",
            "pkg/_lib.so"]
        assert after.read("pkg/_lib.so") == before.read("pkg/_lib.so")
        assert after.read("pkg-1.0.dist-info/RECORD").decode() == (
            "pkg/__init__.py,sha256=a,6\npkg/_lib.so,sha256=d,4\npkg-1.0.dist-info/RECORD,,\n")


def test_a_zip_of_bytecode_imports_without_its_sources_being_compiled(tmp_path):
    src = _zip(tmp_path / "lib.zip", {"hot_mod.py": b"import sys\nVALUE = 42\n"})
    dst = tmp_path / "lib-pyc.zip"
    assert pyc_zip.add_bytecode(str(src), str(dst), "sibling", str(dst) + "/") == 1
    code = subprocess.run(
        [sys.executable, "-c", "import sys, zipimport\n"
         "zipimport._compile_source = None  # a source compile would fail\n"
         f"sys.path.insert(0, {str(dst)!r})\nimport hot_mod\nprint(hot_mod.VALUE)"],
        capture_output=True, text=True)
    assert code.stdout.strip() == "42", code.stderr


NODE_CHECK = r"""
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const dir = process.argv[2];
const { loadPyodide } = require(dir + "/pyodide.js");
const py = await loadPyodide({ indexURL: dir + "/" });
// every source compile from here on is counted: zipimport's (the stdlib zip) and the
// import system's (site-packages); bytecode bypasses both
py.runPython(`
import sys, zipimport, importlib._bootstrap_external as ext
compiled = []
_zip_compile = zipimport._compile_source
def _counting_zip(pathname, source):
    compiled.append(pathname)
    return _zip_compile(pathname, source)
zipimport._compile_source = _counting_zip
_source_to_code = ext.SourceLoader.source_to_code
def _counting(self, data, path, *a, **k):
    compiled.append(path)
    return _source_to_code(self, data, path, *a, **k)
ext.SourceLoader.source_to_code = _counting
`);
await py.loadPackage(["pytfjs", "pandas"], { messageCallback: () => {} });
const out = py.runPython(`
import json, traceback
import pytfjs.runner, pytfjs.training, pytfjs.data.csv, numpy, pandas
import numpy as np
try:
    np.linalg.inv(np.zeros((2, 3)))
except np.linalg.LinAlgError:
    shown = traceback.format_exc()
json.dumps({"compiled": compiled, "traceback": shown,
            "numpy": numpy.__file__, "modules": len(sys.modules)})
`);
console.log(out);
"""


def test_a_lab_start_in_the_shipped_pyodide_compiles_nothing_from_source(dist_dir, tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is required"
    script = tmp_path / "check.mjs"
    script.write_text(NODE_CHECK)
    proc = subprocess.run([node, str(script), str(dist_dir / "vendor/pyodide")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["modules"] > 300  # the stdlib, numpy, pandas and pytfjs were imported
    # Pyodide's own start, its package loader, numpy, pandas, pytfjs: all from bytecode
    assert result["compiled"] == []
    # the sources are kept: a traceback through numpy still shows numpy's line
    assert 'numpy/linalg/_linalg.py", line' in result["traceback"]
    assert "raise LinAlgError('Last 2 dimensions of the array must be square')" \
        in result["traceback"]
