"""The WebAssembly SIMD training kernels (``kernels/kernels.c``) compiled from source.

Why a build step: TF.js's wasm backend trains 3-4x slower than Keras on the same CPU,
mostly in gradient kernels it lacks or runs as plain loops; ``kernels.c`` has SIMD
versions that run inside the backend's own memory (``site/js/worker/wasm_kernels.js`` loads and
registers them). The ``.wasm`` files are build outputs, never committed.

The toolchain is PyPI's ``ziglang`` wheel (clang + lld inside), pinned by sha256 in
``inputs.ZIGLANG`` and unpacked once into the build cache. Two variants are linked from
the same object code: ``pytfjs_kernels.wasm`` for the single-threaded backend (its memory
is not shared) and ``pytfjs_kernels_threaded.wasm`` for the threaded one (shared memory);
a module's memory import must match the backend's exactly (shared or not, maximum 65536
pages). Each result is checked before it is used, so that it owns nothing in that memory:
the object code refers to no ``__stack_pointer`` (:func:`check_object`: code that needs a C
stack would put one inside TF.js's heap; wasm-ld still defines that global, unused), and
the module (:func:`check_module`) imports only ``env.memory`` and defines no data segment,
no start function and no global other than that one.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from buildlib import config
from buildlib.fetch import inputs, pypi_files
from buildlib.fetch.integrity import IntegrityError

SOURCE = config.ROOT / "kernels" / "kernels.c"
OUT_DIR = config.ROOT / "build" / "kernels"
DIST_DIR = "kernels"
# name -> (extra compile flags, extra link flags, shared memory)
VARIANTS = {
    "pytfjs_kernels.wasm": ((), (), False),
    "pytfjs_kernels_threaded.wasm": (("-matomics",), ("--shared-memory",), True),
}
CFLAGS = ("--target=wasm32-freestanding", "-msimd128", "-mbulk-memory", "-O3", "-nostdlib",
          "-ffreestanding", "-g0", "-Wall", "-Werror", "-c")
# 65536 pages (4 GiB): the maximum TF.js 4.22's backends declare for their memory.
LDFLAGS = ("--no-entry", "--import-memory", "--max-memory=4294967296", "--strip-all")
MAX_PAGES = 65536


def zig(cache: Path | None = None) -> Path:
    """The zig executable of the pinned ziglang wheel, unpacked once into the cache."""
    wheel = pypi_files.fetch_wheel(inputs.ZIGLANG, cache)
    base = (cache or config.cache_dir()).parent / "tools" / wheel.stem
    exe = base / "ziglang" / "zig"
    if not exe.exists():
        partial = base.with_name(base.name + ".partial")
        if partial.exists():
            shutil.rmtree(partial)
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(partial)
        (partial / "ziglang" / "zig").chmod(0o755)
        if base.exists():
            shutil.rmtree(base)
        partial.rename(base)
    return exe


def _leb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _name(data: bytes, at: int) -> tuple[str, int]:
    size, at = _leb(data, at)
    return data[at:at + size].decode(), at + size


def check_module(data: bytes, shared: bool, label: str) -> list[str]:
    """Refuse a module that could touch TF.js's memory outside the tensors it is given;
    returns its exported function names."""
    def refuse(why: str) -> IntegrityError:
        return IntegrityError(f"{label}: {why}; the kernels must own nothing in TF.js's "
                              "memory (see buildlib/make/kernels.py)")
    if data[:8] != b"\0asm\1\0\0\0":
        raise refuse("not a WebAssembly module")
    at, exports, memory = 8, [], None
    while at < len(data):
        section = data[at]
        size, at = _leb(data, at + 1)
        body, at = data[at:at + size], at + size
        if section in (6, 8, 11, 12):  # global, start, data, data count
            count = _leb(body, 0)[0] if section != 8 else 1
            if count > (1 if section == 6 else 0):
                names = {6: "a global (a stack pointer?)", 8: "a start function",
                         11: "a data segment", 12: "a data segment"}
                raise refuse(f"it defines {names[section]}")
        elif section == 2:  # imports: only env.memory
            count, pos = _leb(body, 0)
            for _ in range(count):
                module, pos = _name(body, pos)
                field, pos = _name(body, pos)
                kind = body[pos]
                pos += 1
                if (module, field, kind) != ("env", "memory", 2):
                    raise refuse(f"it imports {module}.{field} (kind {kind})")
                flags = body[pos]
                _, pos = _leb(body, pos + 1)
                maximum = None
                if flags & 1:
                    maximum, pos = _leb(body, pos)
                memory = (bool(flags & 2), maximum)
        elif section == 7:  # exports
            count, pos = _leb(body, 0)
            for _ in range(count):
                field, pos = _name(body, pos)
                kind = body[pos]
                _, pos = _leb(body, pos + 1)
                if kind == 0:
                    exports.append(field)
    if memory != (shared, MAX_PAGES):
        raise refuse(f"its memory import is (shared, maximum pages) = {memory}, not "
                     f"{(shared, MAX_PAGES)}")
    return exports


def check_object(data: bytes, label: str) -> None:
    """Refuse object code that uses a C stack (in linear memory, i.e. in TF.js's heap): any
    use of the stack pointer is a relocation naming ``__stack_pointer`` in its symbols."""
    if b"__stack_pointer" in data:
        raise IntegrityError(f"{label}: the code needs a C stack (arrays or address-taken "
                             "locals), which would live inside TF.js's memory; keep every "
                             "local a scalar or a v128 (see buildlib/make/kernels.py)")


def _fingerprint(zig_exe: Path) -> str:
    """What the outputs depend on: the source, the flags and the pinned toolchain."""
    parts = [SOURCE.read_bytes(), repr((CFLAGS, LDFLAGS, VARIANTS)).encode(),
             str(inputs.ZIGLANG.sha256).encode(), str(zig_exe).encode()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def build_kernels(cache: Path | None = None, out_dir: Path = OUT_DIR) -> dict[str, Path]:
    """Compile both variants into ``out_dir`` (skipped when the source, flags and toolchain
    are unchanged); returns {file name: path}."""
    exe = zig(cache)
    stamp = out_dir / "fingerprint"
    paths = {name: out_dir / name for name in VARIANTS}
    fingerprint = _fingerprint(exe)
    if (stamp.exists() and stamp.read_text() == fingerprint
            and all(p.exists() for p in paths.values())):
        return paths
    out_dir.mkdir(parents=True, exist_ok=True)
    # compiled in a folder of its own, then moved: two builds at once never mix files
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": str(Path(tmp) / "zig-cache"),
               "ZIG_LOCAL_CACHE_DIR": str(Path(tmp) / "zig-cache")}
        for name, (cflags, ldflags, shared) in VARIANTS.items():
            obj, wasm = Path(tmp) / (name + ".o"), Path(tmp) / name
            subprocess.run([str(exe), "cc", *CFLAGS, *cflags, "-o", str(obj), str(SOURCE)],
                           check=True, env=env)
            check_object(obj.read_bytes(), name)
            subprocess.run([str(exe), "wasm-ld", *LDFLAGS, *ldflags, "-o", str(wasm),
                            str(obj)], check=True, env=env)
            check_module(wasm.read_bytes(), shared, name)
        for name in VARIANTS:
            (Path(tmp) / name).replace(paths[name])
    stamp.write_text(fingerprint)
    return paths


def toolchain_runs_here(system: str | None = None, machine: str | None = None) -> bool:
    """Whether the pinned zig wheel (manylinux x86_64) runs on this build machine."""
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    return system == "Linux" and machine in ("x86_64", "amd64")


def write_kernels(dist: Path, cache: Path | None = None) -> list[str]:
    """Build (or reuse) both variants and copy them to ``dist/kernels/``.

    Elsewhere than Linux x86_64 (a Mac, a Raspberry Pi) the pinned toolchain cannot run:
    the site is built without the kernels, and the wasm backend trains with TF.js's own
    (js/worker/wasm_kernels.js falls back when the .wasm files are absent).
    """
    if not toolchain_runs_here():
        print(f"  SIMD training kernels skipped: the pinned zig toolchain runs on Linux x86_64, "
              f"not {platform.system()} {platform.machine()}; wasm trains with TF.js's kernels")
        return []
    written = []
    for name, path in build_kernels(cache).items():
        target = dist / DIST_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(f"{DIST_DIR}/{name}")
    return written


if __name__ == "__main__":  # python -m buildlib.make.kernels: what the Node check and bench use
    for built in build_kernels().values():
        print(built)
