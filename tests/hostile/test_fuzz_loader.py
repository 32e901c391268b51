"""Issue #11 (4): property-based fuzzing of the loader: whatever the files hold, only a report.

Hypothesis replaces whole files with arbitrary JSON or bytes, and single positions of the
example's documents (any depth) with arbitrary values, deleted keys or extra keys. The loader must
either accept the project (then its twin's resource name is valid and every value has its
declared type) or raise ProjectConfigError whose every problem names a file and a JSON path.
Examples are derandomized (the same on every run) and no example database is written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin_model.config import ProjectConfig, ProjectConfigError, load_project
from twin_model.config.names import resource_name
from tests.conftest import EXAMPLE
from tests.config.test_yaml_documents import yaml_events_counted

FILES = [
    "config.json",
    "config_providers.json",
    "config_iot_devices.json",
    "config_hierarchy.json",
    "config_events.json",
    "config_optimization.json",
    "state_machines/aws_step_function.json",
]
RESOURCE = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")
PATH = re.compile(r"^(\$.*|line \d+)$")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXAMPLES_RUN: dict[str, int] = {}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["aws", "azure", "google", "DEBUG", "PRODUCTION", "DOUBLE", "STRING", "entity", "component",
                     "lambda", "step_function", "press-01", "temperature", "${x}", "${Token[TOKEN.1]}", "",
                     "Task", "Next", "End", "StartAt", "States"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path_factory.mktemp("fuzz") / "project"))


def check(project: Path) -> None:
    """The loader's only two outcomes, each well-formed."""
    try:
        config = load_project(project)
    except ProjectConfigError as error:
        assert error.problems, "a report without problems"
        for problem in error.problems:
            assert isinstance(problem.file, str) and problem.file
            assert PATH.match(problem.path), problem
        assert isinstance(error.report(), str)
        return
    assert isinstance(config, ProjectConfig)
    assert RESOURCE.fullmatch(config.name) and len(config.name) <= 30
    for device in config.devices:
        for prop in device.properties:
            assert prop.init_value is None or _typed(prop.init_value, prop.data_type), prop
        for const in device.const_properties:
            assert _typed(const.value, const.data_type), const


def _typed(value: Any, data_type: str) -> bool:
    if data_type == "STRING":
        return isinstance(value, str)
    if data_type == "BOOLEAN":
        return isinstance(value, bool)
    if data_type == "DOUBLE":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)


def with_file(base: Path, name: str, content: bytes):
    """Write `content` to one file of the base project for the duration of a check."""
    path = base / name
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        check(base)
    finally:
        path.write_bytes(original)


def count(test: str) -> None:
    EXAMPLES_RUN[test] = EXAMPLES_RUN.get(test, 0) + 1


@FUZZ
@given(name=st.sampled_from(FILES), value=json_values)
def test_any_json_in_any_file(base, name, value):
    count("any_json")
    with_file(base, name, json.dumps(value).encode())


@FUZZ
@given(name=st.sampled_from(FILES), data=st.binary(max_size=300))
def test_any_bytes_in_any_file(base, name, data):
    count("any_bytes")
    with_file(base, name, data)


def positions(node: Any, parts: tuple = ()) -> list[tuple]:
    found = [parts]
    if isinstance(node, dict):
        for key, child in node.items():
            found += positions(child, parts + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += positions(child, parts + (index,))
    return found


@FUZZ
@given(name=st.sampled_from(FILES), data=st.data())
def test_one_position_of_a_valid_project_changed(base, name, data):
    """Wrong types, missing keys and extra keys at every depth of the example's documents."""
    count("one_position")
    document = json.loads((base / name).read_text())
    where = data.draw(st.sampled_from(positions(document)))
    change = data.draw(st.sampled_from(["replace", "delete", "add-key"]))
    if change == "replace" or not where:
        value = data.draw(json_values)
        if where:
            parent = document
            for part in where[:-1]:
                parent = parent[part]
            parent[where[-1]] = value
        else:
            document = value
    else:
        parent = document
        for part in where[:-1]:
            parent = parent[part]
        if change == "delete":
            del parent[where[-1]]
        elif isinstance(parent[where[-1]], dict):
            parent[where[-1]][data.draw(st.text(max_size=12))] = data.draw(json_values)
    with_file(base, name, json.dumps(document).encode())


@FUZZ
@given(name=st.text(max_size=40))
def test_every_accepted_twin_name_becomes_a_valid_resource_name(name):
    count("twin_name")
    mapped = resource_name(name) if re.fullmatch(r"[A-Za-z0-9_-]+", name) and len(name) <= 30 else None
    if mapped is not None:
        assert RESOURCE.fullmatch(mapped) and len(mapped) <= 30
        assert mapped == name or mapped.endswith(tuple("0123456789abcdef"))




# -- issue #28: the YAML reader, 3D scenes, migrate targets, the operator commands' arguments ------------------

import io  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from contextlib import redirect_stderr, redirect_stdout  # noqa: E402

import yaml  # noqa: E402

from twin_model.config.documents import MAX_DEPTH  # noqa: E402
from twin_model.config.errors import Problems  # noqa: E402
from twin_model.config.yaml_documents import parse_yaml  # noqa: E402
from tests.conftest import REPO  # noqa: E402

YAML_PIECES = st.sampled_from([
    "[", "]", "{", "}", ",", ":", " ", "\n", "- ", "? ", "&a ", "*a", "!!binary ", "!!set ", "!!python/object:x ", "! ",
    "<<: ", "---\n", "...\n", "%YAML 1.2\n", "'", '"', "|\n", ">\n", "#", "2024-01-01", "yes", "1:30", "0o17", "0x1F",
    ".nan", "-.inf", "1e999", "~", "null", "True", "main", "steps", "${x}", "\t", "\\", "\x00", "\x07", "é", "\ud7ff",
])
yaml_texts = st.one_of(st.text(max_size=200), st.lists(YAML_PIECES, max_size=80).map("".join),
                       json_values.map(lambda v: yaml.safe_dump(v, default_flow_style=None, allow_unicode=True)))


def _json_depth(value: Any) -> int:
    pending, deepest = [(value, 0)], 0
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        pending.extend((child, depth + 1) for child in children)
    return deepest


@FUZZ
@given(text=yaml_texts)
def test_any_text_read_as_yaml_is_json_or_a_report(text):
    """Either a JSON value (serializable as strict JSON, at most 64 deep) or problems with a path: never
    an exception, a date, a set or bytes; and fast, whatever the text."""
    count("yaml")
    problems = Problems()
    started = time.process_time()
    ok, value = parse_yaml(text, "w.yaml", problems)
    assert time.process_time() - started < 1.0
    if ok:
        json.dumps(value, allow_nan=False)
        assert _json_depth(value) <= MAX_DEPTH + 1 and not problems.problems
    else:
        assert problems.problems and all(PATH.match(p.path) for p in problems.problems)


@FUZZ
@given(depth=st.integers(min_value=60, max_value=5000), opener=st.sampled_from(["[", "{a: ", "- ", "[\n", "{? "]))
def test_any_nesting_is_decided_at_the_limit(depth, opener):
    count("yaml_depth")
    closer = {"[": "]", "{a: ": "}", "- ": "", "[\n": "]\n", "{? ": "}"}[opener]
    with yaml_events_counted() as events:
        ok, _ = parse_yaml(opener * depth + "x" + closer * depth, "w.yaml", Problems())
    consumed = events()
    assert not ok or depth <= MAX_DEPTH
    # too deep is decided at the 65th level: the reader never reads the rest (stream, document, a key
    # per map level)
    assert depth <= MAX_DEPTH or consumed <= 2 + 2 * (MAX_DEPTH + 1) + 4, consumed


@pytest.fixture(scope="module")
def google_base(tmp_path_factory) -> Path:
    project = Path(shutil.copytree(REPO / "examples" / "factory-floor-gcp", tmp_path_factory.mktemp("fuzz-gcp") / "project"))
    (project / "state_machines" / "google_cloud_workflow.yaml").write_text("main: {steps: [{a: {return: 1}}]}\n")
    return project


@FUZZ
@given(text=yaml_texts)
def test_any_yaml_workflow_through_the_loader(google_base, text):
    count("yaml_workflow")
    with_file(google_base, "state_machines/google_cloud_workflow.yaml", text.encode("utf-8", "surrogatepass"))


SCENES = {"aws": "scene_assets/aws/scene.json", "azure": "scene_assets/azure/3DScenesConfiguration.json"}
SCENE_STRINGS = st.sampled_from(["javascript:alert(1)", "data:text/html,x", "http://evil.example/x.glb", "s3://other/x.glb",
                                 "https://evil.example/x.glb", "{{STORAGE_URL}}/plant.glb", "{{STORAGE_URL}}/../x.glb",
                                 "<script>x</script>", "<img src=x onerror=y>", "[x](javascript:y)", "plant.glb", "ModelRef",
                                 "3DAsset", "Link", "Popover", "uri", "url", "linkExpression", "destination", "a < b"])
scene_values = st.recursive(st.one_of(scalars, SCENE_STRINGS), lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=12), SCENE_STRINGS), inner, max_size=4)), max_leaves=12)


@pytest.fixture(scope="module")
def scene_bases(tmp_path_factory) -> dict[str, Path]:
    from tests.compat.conftest import FIXTURES, PROVIDER_KEYS

    bases = {}
    for cloud in SCENES:
        project = Path(shutil.copytree(FIXTURES / "predecessor_h", tmp_path_factory.mktemp(f"fuzz-{cloud}") / "h"))
        layers = {**dict.fromkeys(PROVIDER_KEYS, "aws"), "layer_4_provider": cloud, "layer_5_provider": cloud}
        (project / "config_providers.json").write_text(json.dumps(layers))
        bases[cloud] = project
    return bases


def _check_scene(project: Path, cloud: str) -> None:
    """Besides the loader's two outcomes: an accepted scene loads nothing from elsewhere and shows no markup."""
    try:
        config = load_project(project)
    except ProjectConfigError as error:
        assert all(PATH.match(p.path) for p in error.problems)
        return
    if config.scene is None:
        return
    for _, key, text in _all_strings(config.scene.document):
        if "expression" not in key.lower():
            assert "<script" not in text.lower() and "onerror=" not in text.lower(), text
        assert not text.strip("`'\" ").lower().startswith(("javascript:", "data:text", "http://")), text
        if cloud == "azure" and key == "url":
            assert text.startswith("{{STORAGE_URL}}/") and ".." not in text, text


def _all_strings(node: Any, key: str = ""):
    if isinstance(node, str):
        yield (), key, node
    elif isinstance(node, dict):
        for child_key, child in node.items():
            yield (), "key", child_key
            yield from _all_strings(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from _all_strings(child, key)


@FUZZ
@given(cloud=st.sampled_from(sorted(SCENES)), data=st.data())
def test_one_position_of_a_scene_changed(scene_bases, cloud, data):
    count("scene")
    base, name = scene_bases[cloud], SCENES[cloud]
    path = base / name
    original = path.read_bytes()
    document = json.loads(original)
    where = data.draw(st.sampled_from(positions(document)))
    value = data.draw(scene_values)
    if where:
        parent = document
        for part in where[:-1]:
            parent = parent[part]
        parent[where[-1]] = value
    else:
        document = value
    path.write_text(json.dumps(document))
    try:
        _check_scene(base, cloud)
    finally:
        path.write_bytes(original)


# No "..": a target may leave the folder (through old-link into the examples, too).
MIGRATE_PARTS = st.sampled_from(["new", "a-file", "dangling", "loop", "empty", "old-link", "x" * 300, ".", "ok", "\n"])


@pytest.fixture(scope="module")
def migrate_place(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-migrate")
    (root / "a-file").write_text("x")
    (root / "dangling").symlink_to(root / "nothing")
    (root / "loop").symlink_to(root / "loop")
    (root / "empty").mkdir()
    (root / "old-link").symlink_to(EXAMPLE)
    return root


def _listing(root: Path) -> set[str]:
    """Every path under root, links not followed."""
    found = set()
    for folder, dirs, files in os.walk(root, followlinks=False):
        found.update(os.path.join(folder, name) for name in dirs + files)
    return found


@settings(FUZZ, max_examples=50)  # each a migration: the project is loaded twice
@given(parts=st.lists(MIGRATE_PARTS, min_size=1, max_size=4))
def test_any_migrate_target_is_migrated_or_refused_with_exit_2(migrate_place, parts):
    """Exit 0 with the project written, or exit 2 with a reason and nothing created; nothing else."""
    from twin_ops.cli import main

    count("migrate")
    new = migrate_place.joinpath(*parts)
    before = _listing(migrate_place)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["migrate", str(EXAMPLE), str(new)])
    after = _listing(migrate_place)
    for extra in sorted(after - before, reverse=True):  # what a migration wrote: children before their folders
        shutil.rmtree(extra) if os.path.isdir(extra) and not os.path.islink(extra) else os.unlink(extra)
    if code == 0:
        assert after - before and any(path.endswith("/config.json") for path in after - before)
    else:
        assert code == 2 and err.getvalue().startswith("error: "), (code, err.getvalue())
        assert after == before
    assert not (Path(os.path.realpath(EXAMPLE)) / "new").exists()


ARGUMENT_TOKENS = st.sampled_from([
    "status", "redrive", "deploy", "diff", "destroy", "post-deploy", "simulate", "migrate", "--dry-run", "--project",
    str(EXAMPLE), "/dev/null", "/nonexistent", "", "-", "--count", "--feedback-wait", "--layer", "l2", "l9", "--journal",
    "--region", "--gcp-project", "--tf-out", "--terraform", "--device", "--out", "--cdk", "0", "-1", "nan", "inf", "1e309",
    "x" * 300, "caf\udce9", "a\nb", "aws-device-certificates", "gcp-telemetry-topic", "azure-digital-twins", "--help", "-h",
])


@settings(FUZZ, max_examples=100)
@given(argv=st.lists(ARGUMENT_TOKENS, max_size=7))
def test_any_command_line_ends_with_an_exit_code(argv):
    """Whatever is typed: an exit code (argparse's SystemExit included), never another exception.
    Runs that would deploy or synthesize are left out (a plan without --dry-run starts `python app.py`)."""
    from twin_model.config.model import Provider
    from twin_ops import cloud_clients as clouds_module
    from twin_ops.cli import main

    if argv and argv[0] in ("deploy", "diff", "destroy") and "--dry-run" not in argv:
        return
    if argv and argv[0] == "migrate":
        return  # fuzzed above, where what it writes is cleaned up
    count("arguments")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clouds_module, "real_clouds", lambda region, project: clouds_module.Clouds(
            dict.fromkeys(Provider, _unavailable)))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 2
    assert isinstance(code, int) and code in (0, 1, 2, 3), (argv, code)
    assert "Traceback" not in err.getvalue()
    assert not math.isnan(float(code))


def _unavailable() -> None:
    from twin_ops.cloud_clients import CloudUnavailable

    raise CloudUnavailable("no credentials (fuzz)")


def test_examples_were_run():
    """Runs after the fuzz tests of this module: they did run their examples."""
    assert all(EXAMPLES_RUN.get(test, 0) >= 100 for test in ("any_json", "any_bytes", "one_position", "twin_name", "yaml",
                                                             "yaml_workflow", "scene")), EXAMPLES_RUN
    assert all(EXAMPLES_RUN.get(test, 0) >= 50 for test in ("yaml_depth", "migrate", "arguments")), EXAMPLES_RUN
    print(f"fuzz examples run: {EXAMPLES_RUN} (total {sum(EXAMPLES_RUN.values())})")
