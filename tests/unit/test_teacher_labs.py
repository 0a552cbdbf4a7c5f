"""A teacher's labs folder (`--labs DIR`): each mistake named in words, exit status 1 and
nothing written; the wheels' lock entries and index; the scaffold; micropip's words."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import build
from buildlib import config
from buildlib.site import labs, scaffold, teacher_labs, teacher_wheels
from buildlib.site.labs import LabError
from pytfjs import packages
from testkit.teacher_folder import LAB_ID, WHEEL_FILE, make_labs_folder, make_wheel

SHIPPED = {"numpy", "micropip", "packaging", "pandas", "pytfjs", "pyfive", "six"}


def _problems(folder: Path) -> str:
    with pytest.raises(LabError) as caught:
        teacher_labs.load([folder], labs.load_labs(config.LABS_SRC), SHIPPED)
    return str(caught.value)


def test_a_sound_folder_loads_with_its_data_and_wheels(tmp_path):
    folder = make_labs_folder(tmp_path)
    loaded = teacher_labs.load([folder], labs.load_labs(config.LABS_SRC), SHIPPED)
    assert [lab.id for lab in loaded.labs] == [LAB_ID]
    assert loaded.labs[0].heading == "Ms Smith's extras"
    assert loaded.labs[0].data == [f"labs/{LAB_ID}/scores.csv"]
    assert sorted(w.name for w in loaded.wheels) == ["extrapkg", "tinystats"]
    entry = next(w for w in loaded.wheels if w.name == "tinystats").lock_entry()
    assert entry["imports"] == ["tinystats"] and entry["file_name"] == WHEEL_FILE
    assert len(entry["sha256"]) == 64


def test_a_teacher_lab_may_carry_a_ukrainian_version(tmp_path):
    folder = make_labs_folder(tmp_path)
    _add_uk(folder)
    loaded = teacher_labs.load([folder], labs.load_labs(config.LABS_SRC), SHIPPED)
    uk = loaded.labs[0].translations["uk"]
    assert uk["title"] == "Оцінки вчителя" and uk["heading"] == "Додатки пані Коваль"
    assert uk["source"].startswith("# Лабораторна вчителя:")
    assert "<h3>Урок</h3>" in uk["lesson_html"] and uk["params"] == {}
    page = labs.render_index("{{labs}}", loaded.labs)
    assert '<h2 data-uk="Додатки пані Коваль">Ms Smith&#x27;s extras</h2>' in page
    assert 'data-uk="Лабораторна з власним CSV."' in page


def _lab_json(folder: Path) -> Path:
    return folder / LAB_ID / "lab.json"


def _edit_meta(folder: Path, **changes: object) -> None:
    meta = json.loads(_lab_json(folder).read_text())
    for key, value in changes.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    _lab_json(folder).write_text(json.dumps(meta))


# (how to break the folder, what the message must say)
def _not_json(f: Path) -> None:
    _lab_json(f).write_text('{"id": "teacher-scores",\n "title": oops}')


def _missing_title(f: Path) -> None:
    _edit_meta(f, title=None)


def _week_as_text(f: Path) -> None:
    _edit_meta(f, week="two")


def _missing_data(f: Path) -> None:
    (f / LAB_ID / "scores.csv").unlink()


def _clash(f: Path) -> None:
    (f / LAB_ID).rename(f / "iris")
    _edit_meta_at(f / "iris" / "lab.json", id="iris")


def _edit_meta_at(path: Path, **changes: object) -> None:
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def _syntax_error(f: Path) -> None:
    (f / LAB_ID / "main.py").write_text("import numpy\n\nprint('a'\nx = = 1\n")


def _platform_wheel(f: Path) -> None:
    make_wheel(f / "wheels", "fastthing", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64")


def _damaged_wheel(f: Path) -> None:
    path = f / "wheels" / WHEEL_FILE
    path.write_bytes(path.read_bytes()[:200])


def _tampered_wheel(f: Path) -> None:
    path = f / "wheels" / WHEEL_FILE
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["tinystats/__init__.py"] += b"\nEVIL = 1\n"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _add_uk(f: Path, lesson: bool = True, main: str | None = None) -> None:
    """A Ukrainian version of the teacher's lab (main.uk.py, lesson.uk.md, "uk" block)."""
    folder = f / LAB_ID
    english = (folder / "main.py").read_text()
    (folder / "main.uk.py").write_text(main if main is not None else english.replace(
        "# A teacher's lab:", "# Лабораторна вчителя:"))
    if lesson:
        (folder / "lesson.uk.md").write_text("## Урок\nОцінки учнів.\n")
    meta = json.loads(_lab_json(f).read_text())
    meta["uk"] = {"title": "Оцінки вчителя", "summary": "Лабораторна з власним CSV.",
                  "heading": "Додатки пані Коваль"}
    _lab_json(f).write_text(json.dumps(meta))


def _uk_without_lesson(f: Path) -> None:
    _add_uk(f, lesson=False)


def _uk_not_the_same_program(f: Path) -> None:
    english = (f / LAB_ID / "main.py").read_text()
    _add_uk(f, main=english.replace("epochs=5", "epochs=50"))


def _uk_not_python(f: Path) -> None:
    _add_uk(f, main="print('привіт'\n")


MISTAKES = {
    "not JSON": (_not_json, ["lab.json, line 2 column 11: not valid JSON"]),
    "missing field": (_missing_title, ["lab.json: field 'title' is missing; expected a text"]),
    "wrong type": (_week_as_text, ["lab.json: field 'week' is \"two\"; expected a whole number"]),
    "missing data file": (_missing_data, ["declares data file 'scores.csv'", "does not exist"]),
    "id clash": (_clash, ["iris/lab.json: id 'iris' is already the course's own lab"]),
    "syntax error": (_syntax_error, ["main.py, line 3:", "main.py must be valid Python"]),
    "platform wheel": (_platform_wheel, [
        "fastthing-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: platform tag "
        "'manylinux_2_17_x86_64'", "only pure-Python wheels"]),
    "damaged wheel": (_damaged_wheel, [f"{WHEEL_FILE}: damaged, not a zip archive"]),
    "tampered wheel": (_tampered_wheel, [
        f"{WHEEL_FILE}: damaged, tinystats/__init__.py does not match its sha256 in RECORD"]),
    "uk main without its lesson": (_uk_without_lesson, [
        f"{LAB_ID}: the uk translation has no lesson.uk.md"]),
    "uk main not the same program": (_uk_not_the_same_program, [
        f"{LAB_ID}/main.uk.py, line 13: not the same program as main.py (line 13)",
        "`await model.fit(data.x_train, data.y_train, epochs=5)`"]),
    "uk main not Python": (_uk_not_python, [
        f"{LAB_ID}/main.uk.py, line 1: '(' was never closed"]),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_named_in_words(tmp_path, mistake):
    folder = make_labs_folder(tmp_path)
    breaks, expected = MISTAKES[mistake]
    breaks(folder)
    message = _problems(folder)
    assert message.startswith("your labs have mistakes; nothing was built:")
    for words in expected:
        assert words in message, message


def test_two_labs_with_one_id_across_folders_clash(tmp_path):
    first = make_labs_folder(tmp_path / "a")
    second = make_labs_folder(tmp_path / "b")
    (second / "wheels").rename(tmp_path / "b-wheels")  # the same wheels would clash too
    message = _problems_many([first, second])
    assert f"id '{LAB_ID}' is already {first / LAB_ID}" in message


def _problems_many(folders: list[Path]) -> str:
    with pytest.raises(LabError) as caught:
        teacher_labs.load(folders, labs.load_labs(config.LABS_SRC), SHIPPED)
    return str(caught.value)


def test_an_unshipped_package_in_lab_json_is_named(tmp_path):
    folder = make_labs_folder(tmp_path)
    _edit_meta(folder, packages=["numpy", "scikit-learn"])
    assert "field 'packages': 'scikit-learn' are not shipped" in _problems(folder)


def test_every_problem_is_listed_at_once(tmp_path):
    folder = make_labs_folder(tmp_path)
    _missing_data(folder)
    _damaged_wheel(folder)
    message = _problems(folder)
    assert "declares data file" in message and "damaged" in message


def _build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "build.py", *args], cwd=config.ROOT,
                          capture_output=True, text=True, timeout=600)


def test_the_command_exits_1_and_writes_nothing(tmp_path):
    """The real command line: status 1, the words on stderr, no dist and no partial."""
    folder = make_labs_folder(tmp_path)
    _syntax_error(folder)
    dist = tmp_path / "dist"
    proc = _build("build", "--labs", str(folder), "--dist", str(dist))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "main.py, line 3:" in proc.stderr and "Traceback" not in proc.stderr
    assert not dist.exists() and not dist.with_name("dist.partial").exists()


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_refused_build_leaves_the_previous_dist_untouched(tmp_path, mistake, capsys):
    folder = make_labs_folder(tmp_path)
    MISTAKES[mistake][0](folder)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "marker.txt").write_text("the previous build")
    assert build.main(["build", "--labs", str(folder), "--dist", str(dist)]) == 1
    assert "build refused: your labs have mistakes" in capsys.readouterr().err
    assert [p.name for p in dist.iterdir()] == ["marker.txt"]
    assert not dist.with_name("dist.partial").exists()


def test_pack_and_serve_take_labs_too(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(build, "serve", lambda *a: calls.append(("serve", a)))
    monkeypatch.setattr(build, "build", lambda dist, **kw: calls.append(("build", dist, kw)))
    monkeypatch.setattr("buildlib.serve.pack.write_pack", lambda dist, out: out)
    out = tmp_path / "p.zip"
    out.write_bytes(b"")
    assert build.main(["serve", "--labs", "a", "--labs", "b", "--port", "9"]) == 0
    assert build.main(["pack", "--labs", "a", "--dist", str(tmp_path), "--out",
                       str(out)]) == 0
    assert calls[0] == ("serve", ("127.0.0.1", 9, [Path("a"), Path("b")], config.DIST))
    assert calls[1] == ("build", tmp_path, {"lab_dirs": [Path("a")]})


def test_new_lab_writes_a_lab_that_passes_the_checks(tmp_path):
    assert build.main(["new-lab", "my-first", "--labs", str(tmp_path / "labs")]) == 0
    folder = tmp_path / "labs" / "my-first"
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv", "lab.json", "lesson.md",
                                                        "main.py"]
    loaded = teacher_labs.load([tmp_path / "labs"], labs.load_labs(config.LABS_SRC), SHIPPED)
    assert loaded.labs[0].data == ["labs/my-first/data.csv"]
    source = (folder / "main.py").read_text()
    assert 'ui.fetch_bytes("labs/my-first/data.csv")' in source and "report(" in source
    assert "# 2. The model: change" in source


def test_new_lab_refuses_a_bad_id_and_an_existing_folder(tmp_path):
    with pytest.raises(LabError, match="expected lowercase letters"):
        scaffold.write_lab(tmp_path, "My Lab")
    scaffold.write_lab(tmp_path, "ok")
    with pytest.raises(LabError, match="already exists"):
        scaffold.write_lab(tmp_path, "ok")


def test_index_lists_the_wheels_with_sha256_and_what_ships(tmp_path):
    wheel = teacher_wheels.check_wheel(make_wheel(tmp_path / "w"))
    teacher_wheels.write_index(tmp_path, [wheel], ["numpy", "tinystats"])
    document = json.loads((tmp_path / "pypi" / "tinystats.json").read_text())
    (release,) = document["releases"]["0.1.0"]
    assert release["url"] == f"file:vendor/pyodide/{WHEEL_FILE}"
    assert release["digests"]["sha256"] == wheel.lock_entry()["sha256"]
    index = json.loads((tmp_path / "pypi" / "index.json").read_text())
    assert packages.available_from_index(index) == {"numpy", "tinystats"}


def test_home_page_lists_a_heading_after_the_weeks():
    course = labs.load_labs(config.LABS_SRC)
    mine = labs.Lab(id="x", title="Mine", week=0, summary="s", source="", lesson_html="",
                    heading="Extras")
    page = labs.render_index("{{labs}}", [*course, mine])
    assert page.index('<h2 data-week="1">Week 1</h2>') < page.index("<h2>Extras</h2>") < page.index(
        "lab.html?lab=x")


def test_micropip_words_for_a_name_the_site_lacks():
    text = packages.not_shipped_message(["requests"], {"numpy", "tinystats"})
    assert "cannot install 'requests'" in text and "it ships: numpy, tinystats" in text
    assert "works offline" in text and "--labs" in text and "Add a package (.whl)" in text
    assert packages.requirement_name("Tiny_Stats>=1.0") == "tiny-stats"
    assert packages.requirement_name("emfs:/tmp/x.whl") is None
    with pytest.raises(packages.InputError, match="only pure-Python wheels"):
        packages.check_wheel_name("fast-1.0-cp312-cp312-win_amd64.whl")
    with pytest.raises(packages.InputError, match="not a wheel file"):
        packages.check_wheel_name("notes.txt")
