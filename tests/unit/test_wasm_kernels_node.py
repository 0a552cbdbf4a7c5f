"""The wasm training kernels checked in Node.js (pure-JS TF.js, no browser needed)."""

from __future__ import annotations

import shutil
import subprocess

from testkit.harness import ROOT


def test_course_models_match_cpu_in_node():
    """Node.js check: every course model's loss and gradients on wasm equal cpu's."""
    node = shutil.which("node")
    assert node, "Node.js is required"
    proc = subprocess.run([node, "tests/node/check_wasm_kernels.js", "--no-timing"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "FAIL" not in proc.stdout
