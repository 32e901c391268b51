"""Issue #11 (2): the project is read without following links that leave it, at any depth.

Each case links one part of the example project (configs, processors, action folders and files
at depth, workflows) to a folder outside it that holds a "secret"; the load must refuse it with
the path named, and nothing may be bundled. Links that stay inside the project are followed.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from pathlib import Path

import pytest

from cdk_app.bundles import stage_bundles
from twin_model.config import ProjectConfigError, load_project
from tests import found
from tests.conftest import EXAMPLE

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- outside the project\n"
ACTIONS = "lambda_functions/event_actions"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "project"))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the project with files the project must never read."""
    folder = tmp_path / "outside"
    (folder / "ssh").mkdir(parents=True)
    (folder / "ssh" / "id_rsa").write_bytes(SECRET)
    (folder / "process.py").write_text("def process(event):\n    return event\n")
    (folder / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return event\n")
    for name in ("config.json", "aws_step_function.json"):
        shutil.copyfile(EXAMPLE / ("state_machines" if name.startswith("aws") else ".") / name, folder / name)
    return folder


def replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def problems(project: Path) -> list[tuple[str, str]]:
    with pytest.raises(ProjectConfigError) as info:
        load_project(project)
    return [(p.file, p.expected) for p in info.value.problems]


LINKS_OUT = {
    "config file": ("config.json", "config.json"),
    "action folder": (f"{ACTIONS}/log-incident", "ssh"),
    "file in an action folder": (f"{ACTIONS}/log-incident/id_rsa", "ssh/id_rsa"),
    "action code file": (f"{ACTIONS}/log-incident/lambda_function.py", "lambda_function.py"),
    "folder deep in an action": (f"{ACTIONS}/log-incident/lib/vendor/keys", "ssh"),
    "functions folder": ("lambda_functions", "."),
    "processor file": ("processors/press-01/process.py", "process.py"),
    "processor folder": ("processors/press-01", "."),
    "processors folder": ("processors", "."),
    "workflow file": ("state_machines/aws_step_function.json", "aws_step_function.json"),
    "workflow folder": ("state_machines", "."),
}


@pytest.mark.parametrize("link, target", LINKS_OUT.values(), ids=LINKS_OUT.keys())
def test_a_link_out_of_the_project_is_refused_naming_the_path(project, outside, link, target):
    replace_with_link(project / link, outside / target)
    found = problems(project)
    assert any(
        file.startswith(link.split("/")[0]) and "outside the project" in expected and str(outside) in expected
        for file, expected in found
    ), found
    named = [file for file, expected in found if "outside the project" in expected]
    assert link in named or any(link.startswith(n) for n in named), named


def test_a_link_to_the_system_configuration_folder_is_refused(project):
    replace_with_link(project / ACTIONS / "log-incident", Path("/etc"))
    assert (f"{ACTIONS}/log-incident", "a path inside the project, not a link to /etc (outside the project)") in problems(project)


def test_the_project_folder_itself_may_be_a_link(project, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(project)
    assert load_project(alias).root == project.resolve()


def test_links_inside_the_project_are_followed_and_bundled_as_files(project, tmp_path):
    shared = project / "shared"
    shared.mkdir()
    (shared / "helpers.py").write_text("HELP = 1\n")
    action = project / ACTIONS / "log-incident"
    (action / "helpers.py").symlink_to(shared / "helpers.py")
    (action / "common").symlink_to(shared, target_is_directory=True)
    config = load_project(project)
    code = next(a for a in config.actions if a.name == "log-incident")
    assert dict(code.files) == {
        "common/helpers.py": (shared / "helpers.py").resolve(),
        "helpers.py": (shared / "helpers.py").resolve(),
        "lambda_function.py": (action / "lambda_function.py").resolve(),
    }
    bundles = stage_bundles(config, tmp_path / "staging", "aws")
    staged = dict(bundles.actions)["log-incident"]
    assert sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file()) == [
        "common/helpers.py", "helpers.py", "lambda_function.py"
    ]
    assert not any(p.is_symlink() for p in (tmp_path / "staging").rglob("*"))


def test_a_folder_link_looping_back_is_refused(project):
    action = project / ACTIONS / "log-incident"
    (action / "again").symlink_to(action, target_is_directory=True)
    assert (f"{ACTIONS}/log-incident/again", "a folder link that does not point back to its own parent folders") in problems(project)


def test_a_link_loop_is_refused(project):
    action = project / ACTIONS / "log-incident"
    (action / "a").symlink_to(action / "b")
    (action / "b").symlink_to(action / "a")
    found = problems(project)
    assert {file for file, _ in found} == {f"{ACTIONS}/log-incident/a", f"{ACTIONS}/log-incident/b"}, found


def test_a_dangling_link_is_a_missing_file(project):
    replace_with_link(project / "processors" / "press-01" / "process.py", project / "nowhere.py")
    # The folder is left without code: the loader names the file and the shapes it accepts.
    expected = ("the processor's code: one of process.py defining process(), lambda_function.py defining "
                "lambda_handler(), main.py defining main()")
    assert ("processors/press-01/process.py", expected) in problems(project)


def test_a_fifo_instead_of_a_config_file_is_refused_without_hanging(project):
    (project / "config.json").unlink()
    os.mkfifo(project / "config.json")
    assert ("config.json", "a regular file or folder, not a FIFO (named pipe)") in problems(project)


def test_a_socket_in_an_action_folder_is_refused(project, tmp_path):
    path = project / ACTIONS / "log-incident" / "s.sock"
    if len(str(path)) > 100:  # AF_UNIX paths are short
        pytest.skip("temporary path too long for a socket")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert (f"{ACTIONS}/log-incident/s.sock", "a regular file or folder, not a socket") in problems(project)
    finally:
        server.close()


def test_a_device_file_is_refused(project):
    path = project / ACTIONS / "log-incident" / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating device files needs CAP_MKNOD")
    assert (f"{ACTIONS}/log-incident/null", "a regular file or folder, not a character device") in problems(project)


def test_no_bundle_holds_a_byte_from_outside(project, outside, tmp_path):
    """The accepted project (links inside) is staged; the secret is in no staged file."""
    (project / "shared").mkdir()
    (project / "shared" / "util.py").write_text("X = 1\n")
    (project / ACTIONS / "log-incident" / "util.py").symlink_to(project / "shared" / "util.py")
    config = load_project(project)
    staging = tmp_path / "staging"
    for cloud in ("aws", "azure", "gcp"):
        stage_bundles(config, staging, cloud)
    for path in found(staging.rglob("*"), "staged files"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert SECRET not in path.read_bytes(), path
