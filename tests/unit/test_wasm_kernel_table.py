"""The wasm training kernels' table (site/js/worker/wasm_kernels.js), in Node.js: per kernel,
native -> JS -> SIMD as the table says for this TF.js, and what a newer TF.js keeps of its
own; the module sets no globals. (The kernels' numbers: test_wasm_kernels_node.py,
test_wasm_simd_kernels.py and the browser tests.)"""

from __future__ import annotations

import json
import shutil
import subprocess

from testkit.harness import ROOT

SCRIPT = """
import { createRequire } from "node:module";
const require = createRequire(import.meta.url + "/");
const tf = require("@tensorflow/tfjs");
require("@tensorflow/tfjs-backend-wasm");
const before = new Set(Object.keys(globalThis));
const K = await import("./site/js/worker/wasm_kernels.js");
const version = %(version)s;
// in Node the version is tfjs-core's (tf.wasm, with version_wasm, is the browser bundle's)
const given = version ? { ...tf, version: { ...tf.version, "tfjs-core": version } } : tf;
const first = K.register(given);
const again = K.register(given);
const natives = Object.fromEntries(Object.keys(K.TABLE).map((name) => {
  const k = tf.getKernel(name, "wasm");
  return [name, k ? Boolean(k.kernelFunc.pytfjs) : null];
}));
console.log(JSON.stringify({ first, again, chains: K.chains, ours: natives,
  js: K.JS_NAMES, simd: K.simd.names, version: tf.version["tfjs-core"],
  globals: Object.keys(globalThis).filter((name) => !before.has(name)) }));
"""


def registered(version: str | None = None) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required"
    proc = subprocess.run([node, "--input-type=module", "-e",
                           SCRIPT % {"version": json.dumps(version)}], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_each_kernel_gets_the_chain_the_table_gives_on_this_tfjs():
    r = registered()
    assert r["version"] == "4.22.0"
    assert r["chains"] == {
        "Conv2DBackpropFilter": ["js", "simd"],  # missing from tfjs-backend-wasm
        "MaxPoolGrad": ["js", "simd"],  # its native kernel is wrong: replaced
        "Conv2DBackpropInput": ["native", "js", "simd"],  # ours falls back to native
        "BatchMatMul": ["native", "js"],
        "MaxPool": ["native", "simd"],
        "Add": ["native", "simd"],
        "Sum": ["native", "simd"],
        "Identity": ["native", "js"],  # ours shares the input's memory; strings: native
        "PytfjsReluGrad": ["js", "simd"],
    }
    assert r["first"] == list(r["chains"]) and r["again"] == []  # idempotent
    assert all(r["ours"].values()), r["ours"]
    assert set(r["js"]) == {"Conv2DBackpropFilter", "MaxPoolGrad", "Conv2DBackpropInput",
                            "BatchMatMul"}
    assert set(r["simd"]) == {"MaxPool", "MaxPoolGrad", "Conv2DBackpropFilter",
                              "Conv2DBackpropInput", "Add", "Sum", "PytfjsReluGrad"}
    assert r["globals"] == []


def test_a_newer_tfjs_keeps_its_own_kernels_under_ours():
    r = registered("4.23.0")
    assert r["chains"]["MaxPoolGrad"] == ["native", "simd"]
    assert r["chains"]["Conv2DBackpropInput"] == ["native", "simd"]
    assert r["chains"]["BatchMatMul"] == ["native"]
    assert r["chains"]["Identity"] == ["native"]  # a newer TF.js may share on its own
    assert r["ours"]["BatchMatMul"] is False  # TF.js's own, untouched
    assert "BatchMatMul" not in r["first"]
    assert r["chains"]["Conv2DBackpropFilter"] == ["js", "simd"]  # still missing there
