"""The project path resolver (twin_model/config/files.py) on small folders made here: what it returns
and what it reports, for the cases the hostile corpus reaches through the entry point (those run
slower; these are the fast guard `make mutate` uses)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from twin_model.config.errors import Problems
from twin_model.config.files import MAX_FOLDER_FILES, ProjectFiles


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "p" / "code").mkdir(parents=True)
    (tmp_path / "p" / "code" / "main.py").write_text("X = 1\n")
    (tmp_path / "p" / "config.json").write_text("{}")
    (tmp_path / "outside.txt").write_text("secret")
    return tmp_path / "p"


def files_of(root: Path) -> tuple[ProjectFiles, Problems]:
    problems = Problems()
    return ProjectFiles(root, problems), problems


def reported(problems: Problems) -> list[str]:
    return [f"{p.file} {p.path} {p.expected}" for p in problems.problems]


def test_the_project_folder_itself_is_inside(root: Path) -> None:
    files, problems = files_of(root)
    for relative in (".", "", "code/.."):
        entry = files.entry(relative)
        assert entry is not None and entry.kind == "folder" and entry.real == Path(os.path.realpath(root)), relative
    assert reported(problems) == []


def test_entries_by_kind(root: Path) -> None:
    files, problems = files_of(root)
    assert (files.entry("config.json").kind, files.entry("config.json").size) == ("file", 2)
    assert files.entry("code").kind == "folder"
    assert files.entry("nothing.json").kind == "missing"
    assert reported(problems) == []


def test_a_link_out_is_refused_at_its_first_outside_part(root: Path) -> None:
    (root / "code" / "out").symlink_to(root.parent)
    files, problems = files_of(root)
    assert files.entry("code/out/outside.txt") is None
    (text,) = reported(problems)
    assert "code/out" in text and "code/out/outside.txt" not in text and "outside the project" in text


def test_a_tree_lists_the_files_without_caches(root: Path) -> None:
    code = root / "code"
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"x")
    (code / "a.pyc").write_bytes(b"x")
    (code / "b.py").write_text("")
    (code / "sub").mkdir()
    (code / "sub" / "c.py").write_text("")
    files, problems = files_of(root)
    assert files.tree("code") == (("b.py", code.resolve() / "b.py"), ("main.py", code.resolve() / "main.py"),
                                  ("sub/c.py", code.resolve() / "sub" / "c.py"))
    assert reported(problems) == [] and "code" in files.used


def test_a_tree_of_a_file_or_of_nothing_is_none_and_left_to_the_caller_to_report(root: Path) -> None:
    files, problems = files_of(root)
    assert files.tree("config.json") is None
    assert files.tree("nothing") is None
    assert reported(problems) == [] and files.used == set()


def test_a_folder_with_too_many_files_is_refused_once_with_the_limits(root: Path) -> None:
    many = root / "many"
    many.mkdir()
    for number in range(MAX_FOLDER_FILES):
        (many / f"f{number:04}.py").write_text("")
    files, problems = files_of(root)
    assert len(files.tree("many")) == MAX_FOLDER_FILES  # exactly the limit is fine
    (many / "one-more.py").write_text("")
    assert files.tree("many") is None
    assert reported(problems) == [reported(problems)[0]]
    assert "at most 1000 files and 50 MB per code folder" in reported(problems)[0]


def test_a_folder_over_50_mb_is_refused(root: Path) -> None:
    big = root / "big"
    big.mkdir()
    with open(big / "blob.bin", "wb") as blob:
        blob.truncate(50 * 1024 * 1024)  # sparse: exactly the limit
    files, problems = files_of(root)
    assert files.tree("big") is not None
    with open(big / "byte.bin", "wb") as blob:
        blob.write(b"x")
    assert files.tree("big") is None and "50 MB" in reported(problems)[0]


def test_children_of_a_folder_sorted_and_of_a_file_reported(root: Path) -> None:
    (root / "code" / "B.py").write_text("")
    files, problems = files_of(root)
    assert files.children("code") == ["B.py", "main.py"]
    assert reported(problems) == []
    assert files.children("config.json") == []
    (text,) = reported(problems)
    assert "config.json" in text and "a readable folder" in text


def test_a_folder_link_back_to_an_ancestor_is_refused(root: Path) -> None:
    (root / "code" / "loop").symlink_to(root / "code")
    files, problems = files_of(root)
    assert files.tree("code") is None
    assert any("does not point back to its own parent folders" in text for text in reported(problems))


def test_a_dangling_link_in_a_tree_is_reported_as_missing(root: Path) -> None:
    (root / "code" / "gone.py").symlink_to(root / "code" / "never.py")
    files, problems = files_of(root)
    assert files.tree("code") is None
    assert any("code/gone.py" in text and "does not exist" in text for text in reported(problems))


def test_an_unreadable_folder_in_a_tree_is_reported_by_its_reason_not_its_real_path(root: Path, monkeypatch) -> None:
    import errno

    from twin_model.config import files as module

    (root / "code" / "locked").mkdir()
    (root / "code" / "locked" / "x.py").write_text("")
    listdir = os.listdir

    def refuse(path):  # as root no permission bit refuses a read: the kernel's answer, simulated
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(module.os, "listdir", refuse)
    files, problems = files_of(root)
    assert files.tree("code") is None
    assert reported(problems) == ["code/locked $ a readable folder (Permission denied)"]


def test_a_tree_is_read_whatever_was_reported_before(root: Path) -> None:
    """tree() refuses a folder for its own problems only (counted from where it started)."""
    files, problems = files_of(root)
    for number in range(300):
        problems.add(f"earlier-{number}.json", "$", "something else")
    assert files.tree("code") == (("main.py", (root / "code" / "main.py").resolve()),)
    assert len(problems) == 300


def test_a_link_back_to_a_grandparent_folder_is_refused_as_a_loop(root: Path) -> None:
    (root / "code" / "sub").mkdir()
    (root / "code" / "sub" / "up").symlink_to(root / "code")
    files, problems = files_of(root)
    assert files.tree("code") is None
    assert reported(problems) == ["code/sub/up $ a folder link that does not point back to its own parent folders"]


def test_entries_are_frozen_and_only_files_have_a_size(root: Path) -> None:
    import dataclasses

    files, _ = files_of(root)
    folder, missing = files.entry("code"), files.entry("nothing")
    assert (folder.size, missing.size) == (0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        folder.kind = "file"  # type: ignore[misc]


def test_a_link_to_a_sibling_folder_is_outside_whatever_its_name(root: Path) -> None:
    for sibling in ("a-before", "z-after"):
        (root.parent / sibling).mkdir()
        (root / sibling).symlink_to(root.parent / sibling)
    files, problems = files_of(root)
    assert files.entry("a-before") is None and files.entry("z-after") is None
    assert len(reported(problems)) == 2


def test_the_first_part_out_is_named_however_the_path_is_spelt(root: Path) -> None:
    (root / "code" / "out").symlink_to(root.parent)
    files, problems = files_of(root)
    assert files.entry("./code/out") is None
    (text,) = reported(problems)
    assert text.startswith("code/out $ ")


def test_a_link_loop_is_reported_by_its_reason(root: Path) -> None:
    (root / "loop").symlink_to(root / "loop")
    files, problems = files_of(root)
    assert files.entry("loop") is None
    assert reported(problems) == ["loop $ a readable path (Too many levels of symbolic links)"]


def test_children_of_a_file_say_why(root: Path) -> None:
    files, problems = files_of(root)
    assert files.children("config.json") == []
    assert reported(problems) == ["config.json $ a readable folder (Not a directory)"]


def test_every_problem_of_a_tree_is_reported_at_once(root: Path, monkeypatch) -> None:
    import errno

    from twin_model.config import files as module

    (root / "code" / "aaa").mkdir()
    (root / "code" / "aaa" / "gone.py").symlink_to(root / "never.py")
    (root / "code" / "locked").mkdir()
    listdir = os.listdir
    monkeypatch.setattr(module.os, "listdir", lambda path: (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", str(path))) if str(path).endswith("locked") else listdir(path))
    files, problems = files_of(root)
    assert files.tree("code") is None
    assert sorted(reported(problems)) == [
        "code/aaa/gone.py $ an existing file (the link points to " + str((root / "never.py").resolve()) + ", which does not exist)",
        "code/locked $ a readable folder (Permission denied)",
    ]
