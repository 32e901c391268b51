"""processors/<device id>/ (or default_processor/): only for known devices, valid Python, an entry function."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from tests.config.helpers import only_problem


def write_processor(project, device, source):
    folder = project / "processors" / device
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "process.py").write_text(source, encoding="utf-8")


def test_processor_for_an_unknown_device(make_project):
    project = make_project()
    write_processor(project, "ghost-01", "def process(event):\n    return event\n")
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/ghost-01/process.py", "$")
    assert "ghost-01" in problem.expected


def test_processor_with_a_syntax_error(make_project):
    project = make_project()
    write_processor(project, "air-quality-01", '"""Doc."""\n\ndef process(event)\n    return event\n')
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/air-quality-01/process.py", "line 3")
    assert problem.expected == "valid Python (expected ':' at column 19)"


@pytest.mark.parametrize("source, line, column", [
    ("def process(event):\n    return event\x00\n", 2, 17),
    ("\x00def process(event):\n    return event\n", 1, 1),
    ('"""Doc\n\n\x00"""\ndef process(event):\n    return event\n', 3, 1),
], ids=["end-of-line-2", "first-character", "inside-a-docstring"])
def test_processor_with_a_nul_character_names_its_line_and_column(make_project, source, line, column):
    """Python's own error has no line for it (issue #28: `process.py line None`)."""
    project = make_project()
    write_processor(project, "air-quality-01", source)
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/air-quality-01/process.py", f"line {line}")
    assert problem.expected == f"valid Python (a NUL character at column {column}: source code cannot hold one)"


@pytest.mark.parametrize(
    "source",
    [
        "def handler(event):\n    return event\n",
        "process = lambda event: event\n",
        "class P:\n    def process(self, event):\n        return event\n",
        "",
    ],
    ids=["other-name", "lambda", "method", "empty"],
)
def test_processor_without_a_process_function(make_project, source):
    project = make_project()
    write_processor(project, "press-01", source)
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/press-01/process.py", "$")


def test_processor_folder_without_process_py(make_project):
    project = make_project()
    (project / "processors" / "air-quality-01").mkdir()
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/air-quality-01/process.py", "$")


def test_a_device_without_a_processor_uses_the_default(make_project):
    project = make_project()
    config = load_project(project)
    assert "air-quality-01" not in dict(config.processor_files)
    assert dict(config.processor_files)["press-01"] == project / "processors" / "press-01" / "process.py"


def test_hidden_and_cache_folders_are_ignored(make_project):
    project = make_project()
    for name in ("__pycache__", ".git"):  # a process.py there would be an unknown device if read
        write_processor(project, name, "def process(event):\n    return event\n")
    config = load_project(project)
    assert sorted(dict(config.processor_files)) == sorted(
        p.name for p in (project / "processors").iterdir() if not p.name.startswith((".", "__"))
    )
    assert "__pycache__" not in dict(config.processor_files) and ".git" not in dict(config.processor_files)


@pytest.mark.parametrize(
    "file, source",
    [("lambda_function.py", "def lambda_handler(event, context):\n    return event\n"),
     ("main.py", "def main(request):\n    return request.get_json()\n")],
    ids=["lambda_handler", "main"],
)
def test_the_predecessors_portable_shapes_are_processors_here_too(make_project, file, source):
    """They run on every cloud (runtime.core.user_code), so they need not sit in a cloud's folder."""
    project = make_project()
    folder = project / "processors" / "air-quality-01"
    folder.mkdir(parents=True)
    (folder / file).write_text(source, encoding="utf-8")
    assert dict(load_project(project).processor_files)["air-quality-01"] == folder / file


def test_default_processor_serves_devices_without_their_own(make_project):
    project = make_project()
    write_processor(project, "default_processor", "def process(event):\n    return event\n")
    files = dict(load_project(project).processor_files)
    assert files[".default"] == project / "processors" / "default_processor" / "process.py"


def test_an_azure_functions_app_is_a_processor_only_with_layer_2_on_azure(make_project):
    project = make_project()
    folder = project / "processors" / "air-quality-01"
    folder.mkdir(parents=True)
    (folder / "function_app.py").write_text("import azure.functions as func\n", encoding="utf-8")
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("processors/air-quality-01/process.py", "$")
    assert "lambda_function.py defining lambda_handler()" in problem.expected
    assert "function_app.py" not in problem.expected  # layer 2 is on AWS
