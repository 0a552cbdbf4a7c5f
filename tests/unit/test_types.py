"""The type checker is part of the test command: mypy, strict, on pytfjs and buildlib.

mypy is pinned in requirements-test.txt (``build.py``'s ``ensure_test_tools`` installs
it into .venv); its settings are ``[tool.mypy]`` in pyproject.toml. What is not strict,
and why: the browser half of ``pytfjs._compat`` (mypy reads the CPython branch only; JS
values are ``Any``), and the modules without type information (pyfive, h5py, pandas,
micropip), which pyproject.toml lists.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


def test_the_settings_are_strict_on_both_packages():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert settings["strict"] is True
    assert settings["files"] == ["py/pytfjs", "buildlib"]
    # the only exceptions: modules without type information, none of the project's own
    for override in settings.get("overrides", []):
        assert set(override) == {"module", "ignore_missing_imports"}, override
        assert not any(m.startswith(("pytfjs", "buildlib")) for m in override["module"])


def test_pytfjs_and_buildlib_type_check():
    result = _mypy()
    if "No module named mypy" in result.stderr:
        raise AssertionError("mypy is missing: `python3 build.py test` installs it "
                             "(requirements-test.txt)")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_really_is_strict_here(tmp_path):
    """The project's settings apply: an unannotated function is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text("def double(x):\n    return 2 * x\n")
    result = _mypy(str(probe))
    assert result.returncode == 1 and "[no-untyped-def]" in result.stdout, result.stdout
