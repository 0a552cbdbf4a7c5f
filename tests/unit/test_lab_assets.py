"""The build writes the data sets and models that the labs declare in lab.json, and only
those (buildlib/make/assets.py); a declaration nothing makes stops the build."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from buildlib import config
from buildlib.make import assets
from buildlib.site import labs


def _lab(lab_id: str, data: list[str] = (), models: list[str] = ()) -> labs.Lab:
    return labs.Lab(id=lab_id, title=lab_id, week=1, summary="", source="", lesson_html="",
                    data=list(data), models=list(models))


def _writer(paths: list[str], calls: list[str]):
    """A fake build step writing one small file per path (a folder gets one file)."""
    def write(dist: Path, cache: Path | None) -> list[str]:
        calls.append(paths[0])
        for path in paths:
            target = dist / path if "." in path.rsplit("/", 1)[-1] else dist / path / "x.bin"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x")
        return list(paths)
    return write


def test_every_declaration_of_the_real_labs_is_made_and_every_step_is_declared():
    found = labs.load_labs(config.LABS_SRC)
    assert assets.needed(found) == list(assets.ASSETS)  # no step runs that no lab needs
    for path in assets.declared(found):
        assert sum(asset.makes(path) for asset in assets.ASSETS) == 1, path


def test_only_the_declared_steps_run(tmp_path):
    calls: list[str] = []
    steps = (assets.Asset(("data/a.csv",), _writer(["data/a.csv"], calls), "data"),
             assets.Asset(("models/m",), _writer(["models/m/model.json"], calls), "models"),
             assets.Asset(("data/b",), _writer(["data/b"], calls), "data"))
    written = assets.write_declared([_lab("one", data=["data/b"]),
                                     _lab("two", models=["models/m/model.json"])],
                                    tmp_path, assets=steps)
    assert calls == ["models/m/model.json", "data/b"]
    assert written == {"data": ["data/b"], "models": ["models/m/model.json"]}
    assert not (tmp_path / "data/a.csv").exists()


def test_a_declaration_no_step_makes_is_refused_naming_the_lab(tmp_path):
    steps = (assets.Asset(("data/a.csv",), _writer(["data/a.csv"], []), "data"),)
    with pytest.raises(labs.LabError, match=r"lab typo declares 'data/a.cvs'.*makes: data/a\.csv"):
        assets.write_declared([_lab("typo", data=["data/a.cvs"])], tmp_path, assets=steps)
    assert not (tmp_path / "data").exists()  # refused before any step ran
    with pytest.raises(labs.LabError, match="lab a, b declares 'models/x'"):
        assets.needed([_lab("a", models=["models/x"]), _lab("b", models=["models/x"])], steps)


def test_a_declared_file_the_step_did_not_write_is_refused(tmp_path):
    steps = (assets.Asset(("models/m",), _writer(["models/m/model.json"], []), "models"),)
    with pytest.raises(labs.LabError, match="lab web declares 'models/m/vocab.json'.*did not"):
        assets.write_declared([_lab("web", models=["models/m/model.json",
                                                   "models/m/vocab.json"])],
                              tmp_path, assets=steps)


def test_an_optional_step_may_write_nothing(tmp_path):
    steps = (assets.Asset(("data/big",), lambda dist, cache: [], "data", optional=True),
             assets.Asset(("data/c",), lambda dist, cache: [], "data"))
    assert assets.write_declared([_lab("big", data=["data/big"])], tmp_path,
                                 assets=steps) == {"data": [], "models": []}
    with pytest.raises(labs.LabError, match="did not write it"):
        assets.write_declared([_lab("c", data=["data/c"])], tmp_path, assets=steps)


def _site_paths(source: str) -> set[str]:
    """String constants of a lab's code that name a data or model file of the site."""
    return {node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.startswith(("data/", "models/"))}


def test_each_lab_declares_the_site_files_its_code_names():
    for lab in labs.load_labs(config.LABS_SRC):
        declared = [*lab.data, *lab.models]
        for path in _site_paths(lab.source):
            assert any(path == d or path.startswith(d + "/") or d.startswith(path + "/")
                       for d in declared), (lab.id, path)


def test_every_declared_path_is_in_the_build(dist_dir):
    info = json.loads((dist_dir / "build-info.json").read_text())
    for lab in labs.load_labs(config.LABS_SRC):
        for path in (*lab.data, *lab.models):
            target = dist_dir / path
            assert target.is_file() or any(target.iterdir()), (lab.id, path)
            assert any(path == p or path.startswith(p + "/") or p.startswith(path + "/")
                       for p in info["data"] + info["models"]), (lab.id, path)
