"""site/js/shared/capabilities.js in Node.js: what a browser lacking each piece is offered and
told, decided from what was found (the browser tests check what each engine finds)."""

from __future__ import annotations

import json
import shutil
import subprocess

from testkit.harness import ROOT

SCRIPT = """
import { describe, startableBackends, sharedMemory } from "./site/js/shared/capabilities.js";
const page = { sharedArrayBuffer: %(sab)s, serviceWorkers: true, cacheStorage: %(cache)s };
const worker = { wasmSimd: true, webgl: %(webgl)s, webgpu: %(webgpu)s };
console.log(JSON.stringify({ backends: startableBackends(worker),
  line: describe(page, worker, %(threads)s), shared: sharedMemory() }));
"""


def probe(sab=True, cache=True, webgl=None, webgpu=None, threads=2) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required"
    code = SCRIPT % {"sab": json.dumps(sab), "cache": json.dumps(cache),
                     "webgl": json.dumps(webgl or {"available": False}),
                     "webgpu": json.dumps(webgpu or {"available": False}),
                     "threads": threads}
    proc = subprocess.run([node, "--input-type=module", "-e", code], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_only_what_starts_is_offered():
    assert probe()["backends"] == ["wasm", "cpu"]
    gl = {"available": True, "software": True}
    assert probe(webgl=gl)["backends"] == ["webgl", "wasm", "cpu"]
    gpu = {"available": True, "fallback": True}
    assert probe(webgl=gl, webgpu=gpu)["backends"] == ["webgpu", "webgl", "wasm", "cpu"]


def test_the_line_says_what_is_missing():
    full = probe(webgl={"available": True}, webgpu={"available": True})["line"]
    assert full == ("This browser: WebAssembly on 2 threads, SIMD, WebGL in the worker, WebGPU,"
                    " offline copy")
    bare = probe(sab=False, cache=False, threads=1)["line"]
    assert bare == ("This browser: WebAssembly on one thread, SIMD, no WebGL in the worker,"
                    " no WebGPU, no offline copy, no SharedArrayBuffer (Stop restarts Python)")


def test_shared_memory_is_tried_not_assumed():
    # Node has SharedArrayBuffer and Atomics: made, stored into and read back
    assert probe()["shared"] is True
