"""The whole build: dist/ assembled from site/, the vendored npm files, the verified Pyodide
wheels, the pytfjs and pyfive wheels, the labs with what they declare, and a teacher's labs,
then its manifest, the service worker's stamp and the precompressed copies. A refused
build leaves the previous dist/ as it was."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from buildlib import config
from buildlib.fetch import inputs, npm, pyodide_packages
from buildlib.make import assets, bytecode, catalogs, keras_tools, kernels, wheel
from buildlib.site import labs, manifest, teacher_labs, teacher_wheels


def fill_csp(html: str) -> str:
    """The page's <meta> Content-Security-Policy: the server's policy (one source of truth)."""
    from buildlib.serve.server import content_security_policy

    if "{{csp}}" not in html:
        raise ValueError("an HTML page in site/ lacks its {{csp}} <meta> placeholder")
    return html.replace("{{csp}}", content_security_policy(meta=True))



def fill_service_worker_csp(script: str) -> str:
    """sw.js sends the server's policies on what it serves (the page's on HTML, the
    runtime worker's on worker.js): where the host sends no headers (GitHub Pages), the
    worker, which a <meta> tag cannot reach, gets its policy once sw.js controls the page."""
    from buildlib.serve.server import content_security_policy

    for placeholder in ("__PYTFJS_CSP__", "__PYTFJS_WORKER_CSP__"):
        if placeholder not in script:
            raise ValueError(f"site/sw.js lacks its {placeholder} placeholder")
    return (script.replace("__PYTFJS_WORKER_CSP__", content_security_policy(worker=True))
            .replace("__PYTFJS_CSP__", content_security_policy()))


def build(dist: Path = config.DIST, cache: Path | None = None, quiet: bool = False,
          lab_dirs: list[Path] | tuple[Path, ...] = ()) -> dict[str, Any]:
    """Assemble dist/ from site/, node_modules, verified Pyodide wheels and py/, with the
    teacher's labs and wheels of ``lab_dirs`` (checked first: a mistake writes nothing)."""
    started = time.perf_counter()
    npm.ensure_node_modules()
    all_labs = labs.load_labs(config.LABS_SRC)
    shipped = set(pyodide_packages.closure(pyodide_packages.official_lock(),
                                           config.PYODIDE_PACKAGES)) | {"pytfjs", "pyfive"}
    teacher = teacher_labs.load([Path(d) for d in lab_dirs], all_labs, shipped)
    final, dist = dist, dist.with_name(dist.name + ".partial")
    if dist.exists():
        shutil.rmtree(dist)
    try:
        info = _assemble(dist, cache, all_labs, teacher)
    except BaseException:
        shutil.rmtree(dist, ignore_errors=True)  # a refused build leaves nothing behind
        raise
    content = json.loads((dist / manifest.MANIFEST).read_text())
    # Only a complete build replaces the previous one: a refused build leaves it intact.
    if final.exists():
        shutil.rmtree(final)
    dist.rename(final)
    if not quiet:
        total = sum(f["size"] for f in content["files"])
        print(f"built {final}: {len(content['files'])} files, {total / 1e6:.1f} MB "
              f"({info.pop('_compressed')} precompressed), {len(info['labs'])} labs, "
              f"{time.perf_counter() - started:.1f} s")
    info.pop("_compressed", None)
    return info



def _assemble(dist: Path, cache: Path | None, all_labs: list[labs.Lab],
              teacher: teacher_labs.TeacherLabs) -> dict[str, Any]:
    """Write the whole site into ``dist`` (a fresh folder); returns build-info.json's
    content (and the number of precompressed files, under ``_compressed``)."""
    shutil.copytree(config.SITE, dist, ignore=shutil.ignore_patterns("index.html", "*~"))
    for page in dist.glob("*.html"):
        page.write_text(fill_csp(page.read_text(encoding="utf-8")), encoding="utf-8")
    sw = dist / "sw.js"
    sw.write_text(fill_service_worker_csp(sw.read_text(encoding="utf-8")), encoding="utf-8")
    npm.vendor_npm_files(dist)
    # the translations: locale/<lang>/LC_MESSAGES/pytfjs.mo and locale/<lang>/site.js
    catalogs.write_catalogs(config.LOCALE, dist)

    build_dir = config.ROOT / "build"
    mo_files = {f"locale/{rel}": data
                for rel, data in catalogs.compiled_mo_files(config.LOCALE).items()}
    entry, wheel_path = wheel.build_wheel(config.PY_SRC / "pytfjs", build_dir,
                                          extra_files=mo_files)
    extra = {"pytfjs": (entry, wheel_path),
             "pyfive": keras_tools.pyfive_wheel(build_dir, cache)}
    extra.update({w.name: (w.lock_entry(), w.path) for w in teacher.wheels})
    packages = pyodide_packages.vendor_pyodide_packages(dist, extra, cache=cache)
    # .pyc for the stdlib and every wheel but a teacher's (those install on demand)
    teachers = {w.name for w in teacher.wheels}
    bytecode.compile_shipped_python(dist, [p for p in packages if p not in teachers])
    teacher_wheels.write_index(dist, teacher.wheels, packages)  # micropip's offline index

    # the data sets and models the labs declare in their lab.json
    written = assets.write_declared(all_labs, dist, cache)
    written["data"] += teacher.write(dist)
    every_lab = all_labs + teacher.labs
    shipped_lock = json.loads((dist / "vendor/pyodide/pyodide-lock.json").read_text())
    labs.write_labs(every_lab, dist, shipped_lock)
    template = (config.SITE / "index.html").read_text(encoding="utf-8")
    (dist / "index.html").write_text(fill_csp(labs.render_index(template, every_lab)),
                                     encoding="utf-8")
    shutil.copyfile(config.ROOT / "THIRD_PARTY.md", dist / "THIRD_PARTY.md")
    kernels.write_kernels(dist, cache)  # the SIMD training kernels, compiled from kernels/

    info = {
        "pytfjs": config.PYTFJS_VERSION,
        "pyodide": inputs.PYODIDE.version,
        "pyodide_packages": packages,
        "labs": [lab.id for lab in every_lab],
        "data": written["data"],
        "models": written["models"],
    }
    (dist / "build-info.json").write_text(json.dumps(info, indent=1) + "\n")
    content = manifest.write_manifest(dist, config.PYTFJS_VERSION)
    manifest.stamp_service_worker(dist, content)
    compressed = manifest.precompress(dist)
    manifest.write_manifest(dist, config.PYTFJS_VERSION)
    return {**info, "_compressed": compressed}
