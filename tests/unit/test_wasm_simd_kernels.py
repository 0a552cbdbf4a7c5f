"""pytfjs' WebAssembly SIMD kernels: built from source by the pinned toolchain, refused when
they could touch TF.js's memory beyond their tensors, and checked against the cpu backend in
Node.js (tests/node/check_wasm_simd.js: kernels, guard bytes, CNN gradients, heap growth)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from buildlib.fetch import inputs
from buildlib.fetch.integrity import IntegrityError
from buildlib.make import kernels
from testkit.harness import ROOT


@pytest.fixture(scope="module")
def built() -> dict:
    """Both variants, compiled (or reused) by the build's own step."""
    return kernels.build_kernels()


def test_both_variants_are_built_and_pass_the_module_check(built):
    assert set(built) == set(kernels.VARIANTS)
    wanted = {"max_pool", "max_pool_grad", "max_pool_grad_disjoint", "conv2d_backprop_filter",
              "conv2d_backprop_input", "bias_add", "sum_rows", "relu_grad"}
    for name, (_, _, shared) in kernels.VARIANTS.items():
        exports = kernels.check_module(built[name].read_bytes(), shared, name)
        assert wanted <= set(exports), name
    # the variants differ in their memory import only: each refuses the other's memory
    with pytest.raises(IntegrityError, match="memory import"):
        kernels.check_module(built["pytfjs_kernels.wasm"].read_bytes(), True, "single")


def test_kernels_match_cpu_in_node(built):
    """Every kernel vs cpu on seeded cases (NaN/-Inf windows, ties, strides, pads), guard
    bytes around every output in both variants, two CNNs' gradients, heap growth."""
    node = shutil.which("node")
    assert node, "Node.js is required"
    proc = subprocess.run([node, "tests/node/check_wasm_simd.js",
                           str(built["pytfjs_kernels.wasm"].parent)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "FAIL" not in proc.stdout and proc.stdout.rstrip().endswith("OK")


def _section(section_id: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([section_id, len(body)]) + body


def _memory_import(shared: bool, maximum: int = kernels.MAX_PAGES) -> bytes:
    def leb(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)
    entry = b"\x03env\x06memory\x02" + bytes([3 if shared else 1]) + leb(1) + leb(maximum)
    return _section(2, b"\x01" + entry)


HEADER = b"\0asm\1\0\0\0"


def test_the_module_check_refuses_what_would_own_memory():
    assert kernels.check_module(HEADER + _memory_import(False), False, "ok") == []
    refused = {
        "a data segment": HEADER + _memory_import(False) + _section(11, b"\x01\x00"),
        "a start function": HEADER + _memory_import(False) + _section(8, b"\x00"),
        "a global": HEADER + _memory_import(False)
        + _section(6, b"\x02" + b"\x7f\x01\x41\x00\x0b" * 2),
        "imports env.grow": HEADER + _section(2, b"\x01\x03env\x04grow\x00\x00"),
        "memory import": HEADER + _memory_import(False, 256),
    }
    for why, module in refused.items():
        with pytest.raises(IntegrityError, match=why.split()[-1]):
            kernels.check_module(module, False, why)
    with pytest.raises(IntegrityError, match="not a WebAssembly module"):
        kernels.check_module(b"\0asm\2\0\0\0", False, "bad")


def test_code_that_needs_a_c_stack_is_refused(tmp_path):
    """An array local lives on a C stack in linear memory: the object check sees it."""
    source = tmp_path / "stack.c"
    source.write_text("void g(int *);\n__attribute__((export_name(\"f\")))\n"
                      "int f(int n) { int a[64]; g(a); return a[n & 63]; }\n")
    obj = tmp_path / "stack.o"
    zig = kernels.zig()
    subprocess.run([str(zig), "cc", *kernels.CFLAGS, "-o", str(obj), str(source)], check=True,
                   env={"ZIG_GLOBAL_CACHE_DIR": str(tmp_path / "zc"), "PATH": "/usr/bin:/bin"})
    with pytest.raises(IntegrityError, match="C stack"):
        kernels.check_object(obj.read_bytes(), "stack.o")


def test_the_toolchain_is_pinned():
    assert inputs.ZIGLANG.sha256 and inputs.ZIGLANG.pip_args
    assert kernels.zig().exists()


def test_the_kernels_are_skipped_where_the_toolchain_cannot_run(tmp_path, monkeypatch):
    """A Mac or a Raspberry Pi still builds the site: without the kernels, with a note."""
    from buildlib.make import kernels

    assert kernels.toolchain_runs_here("Linux", "x86_64")
    assert not kernels.toolchain_runs_here("Darwin", "arm64")
    assert not kernels.toolchain_runs_here("Linux", "aarch64")
    monkeypatch.setattr(kernels, "toolchain_runs_here", lambda: False)
    assert kernels.write_kernels(tmp_path) == []
    assert not (tmp_path / "kernels").exists()
