"""Pyodide's and TF.js's private APIs are used by one module only,
site/js/worker/private_apis.js, which names the versions it checked each use on; a pin bump
fails here until the list is checked again (tests/browser/test_private_apis.py checks every
use against the running Pyodide and TF.js)."""

from __future__ import annotations

import re

from buildlib.fetch import inputs
from testkit.harness import ROOT

SITE = ROOT / "site"
MODULE = SITE / "js" / "worker" / "private_apis.js"

# What no other file may name (code only: comments may explain): Pyodide's underscored
# members and options, the snapshot call, and the internals of TF.js's engine and of
# tfjs-backend-wasm that the kernels need.
PRIVATE = [
    r"\b_loadSnapshot\b", r"\b_makeSnapshot\b", r"\bmakeMemorySnapshot\b", r"\._api\b",
    r"\._module\b", r"\bon_fatal\b", r"\bjsglobals\b", r"\bHEAPU8\b", r"\bdataIdMap\b",
    r"\basm\.memory\b", r"\bwasmMemory\b", r"\btypedArrayFromHeap\b", r"\.makeOutput\b",
    r"\bengine\(\)", r"\.registry\b", r"\bflagRegistry\b", r"WASM_HAS_MULTITHREAD_SUPPORT",
    r"\bbackend\.wasm\b",
    # any other underscored member (`x._y`) of anything
    r"\.\_[A-Za-z]\w*",
]

# a string literal (kept: an option's name is code), or a comment (dropped)
_TOKENS = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
                     r"""|//[^\n]*|/\*.*?\*/|<!--.*?-->""", re.DOTALL)


def code_of(text: str) -> str:
    """``text`` without its comments (string literals stay)."""
    return _TOKENS.sub(lambda m: m.group(1) or " ", text)


def site_sources():
    for path in sorted(SITE.rglob("*")):
        if path.suffix in (".js", ".mjs", ".html") and "vendor" not in path.parts:
            yield path


def test_the_module_was_checked_on_the_pinned_versions():
    text = MODULE.read_text()
    checked = dict(re.findall(r'(pyodide|tfjs): "([\d.]+)"', text.split("CHECKED_ON", 1)[1]
                              .split("};", 1)[0]))
    pinned = {"pyodide": inputs.PYODIDE.version, "tfjs": inputs.TFJS.version}
    assert inputs.TFJS_WASM.version == inputs.TFJS.version
    assert checked == pinned, (
        f"Pyodide/TF.js pins are {pinned}, but {MODULE.relative_to(ROOT)} was checked on "
        f"{checked}: run tests/browser/test_private_apis.py on the new versions, fix what "
        "it names, then update CHECKED_ON and each use's note")


def test_each_use_says_the_version_it_was_checked_on():
    text = MODULE.read_text()
    uses = re.findall(r"((?:/\*\*(?:(?!\*/).)*\*/\n)?)export function (\w+)", text, re.DOTALL)
    used = {name for _, name in uses}
    assert {"restoreOptions", "snapshotOptions", "onFatal", "pythonHeapBytes",
            "tensorOffset", "backendMemory", "heapView", "makeOutput"} <= used
    for doc, name in uses:
        if name == "missingPrivateApis":
            continue
        assert re.search(r"(Pyodide 0\.27\.7|TF\.js 4\.22\.0)", doc), name
    listed = set(re.findall(r'use: "(\w+)"', text))
    assert listed == used - {"missingPrivateApis"}, listed ^ (used - {"missingPrivateApis"})


def test_no_other_site_file_uses_a_private_api():
    found = []
    for path in site_sources():
        if path == MODULE:
            continue
        code = code_of(path.read_text(encoding="utf-8"))
        for pattern in PRIVATE:
            for match in re.finditer(pattern, code):
                line = code.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
    assert not found, "private Pyodide/TF.js APIs outside private_apis.js:\n" + "\n".join(found)


def test_the_check_sees_a_planted_use():
    """The scan above is not blind: each name it looks for is found in a line of code,
    and not in a comment."""
    for planted, name in [("py._api.on_fatal = f;", "on_fatal"),
                          ("const o = b.dataIdMap.get(t.dataId);", "dataIdMap"),
                          ("loadPyodide({ _loadSnapshot: bytes });", "_loadSnapshot"),
                          ('tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);',
                           "WASM_HAS_MULTITHREAD_SUPPORT"),
                          ("x._private();", "._private")]:
        code = code_of(f"// {name} in a comment\n{planted}\n")
        hits = [m.group(0) for p in PRIVATE for m in re.finditer(p, code)]
        assert name in hits, (planted, hits)
        assert not [m for p in PRIVATE for m in re.finditer(p, code_of(f"// {planted}\n"))]
