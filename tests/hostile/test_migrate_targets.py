"""Issue #28: `migrate OLD NEW` with a NEW that cannot be created exits 2 with the reason, never a
traceback, and leaves nothing behind; an interrupted run removes what it created.

In-process through the command line's `main` (the process adds nothing to what is checked here);
the old project is the bundled example, which loads.
"""

from __future__ import annotations

import errno
import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.hostile.test_corpus import tree_state
from twin_ops.cli import main


def migrate(new: str | Path, old: Path = EXAMPLE) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["migrate", str(old), str(new)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def place(tmp_path) -> Path:
    """A folder holding what the cases point NEW at: a file, links, a folder of the old project."""
    root = tmp_path / "place"
    root.mkdir()
    (root / "a-file").write_text("mine\n")
    (root / "dangling").symlink_to(tmp_path / "nothing-here")
    (root / "loop").symlink_to(root / "loop")
    (root / "taken").mkdir()
    (root / "taken" / "keep.txt").write_text("mine\n")
    return root


def unwritable(tmp_path: Path) -> Path:
    """A folder in which nothing may be created: a read-only one, or (as root, who ignores modes) /sys."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").mkdir()
    except OSError:
        return folder
    (folder / "probe").rmdir()
    folder.chmod(0o755)
    try:
        os.mkdir("/sys/dt-probe")
    except OSError:
        return Path("/sys")
    os.rmdir("/sys/dt-probe")
    pytest.skip("no folder here refuses a new folder")


CASES = [  # (NEW relative to the place folder, fragment of the reason)
    ("dangling", "is a link to"),
    ("loop", "is a link to"),
    ("a-file", "exists and is not an empty folder"),
    ("a-file/new", "a-file is not a folder"),
    ("a-file/deeper/new", "a-file is not a folder"),
    ("dangling/new", "dangling is a link to nothing"),
    ("taken", "exists and is not an empty folder"),
    ("n" * 300, "File name too long"),
    ("/proc/dt-new", "cannot be created or written: No such file or directory"),
]


@pytest.mark.parametrize("new, reason", CASES, ids=[c[0][:20] for c in CASES])
def test_a_new_folder_that_cannot_be_made_is_exit_2_with_the_reason(place, new, reason):
    before = tree_state(place)
    code, out, err = migrate(new if new.startswith("/") else place / new)
    assert code == 2, err
    assert err.startswith("error: ") and reason in err, err
    assert "Traceback" not in err and out == ""
    assert tree_state(place) == before


def test_a_folder_where_nothing_may_be_created(tmp_path):
    folder = unwritable(tmp_path)
    code, _, err = migrate(folder / "new")
    assert code == 2 and "cannot be created or written" in err, err
    assert not (folder / "new").exists()


def test_an_empty_folder_that_refuses_files_is_exit_2(tmp_path, monkeypatch):
    new = tmp_path / "empty"
    new.mkdir()

    def refusing(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.TemporaryFile", refusing)
    code, _, err = migrate(new)
    assert code == 2 and "cannot be created or written: Permission denied" in err
    assert new.is_dir() and not any(new.iterdir())  # the user's empty folder stays, empty


def test_new_inside_old_through_a_link_is_refused(tmp_path):
    old = Path(os.path.realpath(EXAMPLE))
    (tmp_path / "into-old").symlink_to(old)
    code, _, err = migrate(tmp_path / "into-old" / "migrated")
    assert code == 2 and "is inside" in err
    assert not (old / "migrated").exists()


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_a_run_stopped_while_writing_leaves_none_of_its_folders(tmp_path, monkeypatch, failure):
    new = tmp_path / "parent" / "new"  # the parent is created by the run, so it goes too
    real_write = Path.write_bytes
    calls = []

    def write_bytes(path: Path, data: bytes) -> int:
        calls.append(path)
        if len(calls) == 3:
            raise failure
        return real_write(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    if isinstance(failure, KeyboardInterrupt):
        code, _, err = migrate(new)
        assert code == 130 and err.endswith("interrupted (Ctrl-C)\n")
    else:
        code, _, err = migrate(new)
        assert code == 2 and "cannot be written: No space left on device; nothing was kept" in err
    assert len(calls) == 3
    assert not (tmp_path / "parent").exists()


def test_an_empty_folder_given_as_new_is_used_and_a_link_to_one_too(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    code, out, err = migrate(tmp_path / "link")
    assert code == 0, err
    assert (tmp_path / "empty" / "config.json").is_file()
