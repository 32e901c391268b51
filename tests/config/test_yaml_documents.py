"""Issue #28: YAML workflows read as the JSON values Cloud Workflows reads, bounded while being read.

Expected values come from the YAML 1.2.2 specification's core schema (§10.3.2, its table of plain
scalars) and from Cloud Workflows' data types (integer, double, string, boolean written
true/false, True/False or TRUE/FALSE, null, list, map), written out here by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
import shutil
from pathlib import Path

import pytest
import yaml

from twin_model.config import ProjectConfigError, load_project
from twin_model.config.errors import Problems
from twin_model.config.yaml_documents import MAX_NODES, parse_yaml
from tests.conftest import REPO

WORKFLOW = "state_machines/google_cloud_workflow.yaml"


@contextmanager
def yaml_events_counted() -> Iterator[Callable[[], int]]:
    """How many YAML events the reader consumed: a limit that holds while reading stops the stream at
    the limit, before the rest of the document is parsed (deterministic, unlike a clock)."""
    consumed = [0]
    parse = yaml.parse

    def counted(*args, **kwargs):
        for event in parse(*args, **kwargs):
            consumed[0] += 1
            yield event

    yaml.parse = counted
    try:
        yield lambda: consumed[0]
    finally:
        yaml.parse = parse


@pytest.fixture
def events_read():
    with yaml_events_counted() as consumed:
        yield consumed


def read(text: str, **limits: int) -> tuple[bool, object, list[tuple[str, str]], list[tuple[str, str]]]:
    problems, warnings = Problems(), Problems()
    ok, value = parse_yaml(text, "w.yaml", problems, warnings, **limits)
    return ok, value, [(p.path, p.expected) for p in problems.problems], [(w.path, w.expected) for w in warnings.problems]


CORE_SCHEMA = [  # (plain scalar, value under the YAML 1.2 core schema)
    ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("0", 0), ("-19", -19), ("+12", 12), ("0o14", 12), ("0x3A", 58), ("0755", 755),
    ("0.", 0.0), ("-0.0", -0.0), (".5", 0.5), ("+12e03", 12000.0), ("-2E+05", -200000.0),
    # Text under YAML 1.2 (and under Cloud Workflows, which has no date, sexagesimal or yes/no type):
    ("2024-01-01", "2024-01-01"), ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("OFF", "OFF"), ("y", "y"), ("1:30", "1:30"), ("1_000", "1_000"),
    ("0b101", "0b101"), ("=", "="), ("tRUE", "tRUE"), ("nULL", "nULL"), ("0o8", "0o8"), ("${a + 1}", "${a + 1}"),
]


@pytest.mark.parametrize("scalar, expected", CORE_SCHEMA, ids=[repr(s) for s, _ in CORE_SCHEMA])
def test_plain_scalars_are_read_under_the_core_schema(scalar, expected):
    ok, value, problems, _ = read(f"v: {scalar}\n")
    assert ok and not problems
    assert value == {"v": expected} and type(value["v"]) is type(expected)  # type: ignore[index]


@pytest.mark.parametrize("scalar, older", [("2024-01-01", "the date 2024-01-01"), ("yes", "true"), ("1:30", "the number 90"),
                                           ("0755", "the number 493"), ("1_000", "the number 1000")])
def test_a_scalar_yaml_1_1_reads_otherwise_is_named_in_a_warning(scalar, older):
    ok, _, _, warnings = read(f"main:\n  v: {scalar}\n")
    assert ok
    ((path, text),) = warnings
    assert path == "$.main.v" and f"YAML 1.1 would read {older}" in text and "quote it" in text


def test_quoted_and_block_scalars_are_text_without_a_warning():
    ok, value, problems, warnings = read("a: '2024-01-01'\nb: \"yes\"\nc: |\n  true\n")
    assert ok and not problems and not warnings
    assert value == {"a": "2024-01-01", "b": "yes", "c": "true\n"}


REFUSED = [  # (document, JSON path, fragment of what was expected): one problem each
    ("a: !!binary aGVsbG8=\n", "$.a", "without a YAML tag: text, a number, a boolean, null, a list or a map (!!binary at line 1)"),
    ("a: !!set {x, y}\n", "$.a", "without a YAML tag"),
    ("a: !!timestamp 2024-01-01\n", "$.a", "(!!timestamp at line 1)"),
    ("a: !!str 5\n", "$.a", "(!!str at line 1)"),
    ("a: !custom x\n", "$.a", "(!custom at line 1)"),
    ("a: !!python/object/apply:os.system [echo]\n", "$.a", "!!python/object/apply:os.system"),
    ("b: &x 1\n", "$.b", "without a YAML anchor (&): write each value out (&x at line 1)"),
    ("b: 1\nc: *x\n", "$.c", "not a YAML alias (*x at line 2)"),  # an alias of no anchor: the same
    ("<<: {a: 1}\nb: 2\n", '$["<<"]', "no YAML merge key (<<)"),
    ("1: a\n", '$["1"]', "a mapping key that is text (got '1', read as a number at line 1: quote it)"),
    ("true: a\n", "$.true", "read as a boolean"),
    ("~: a\n", '$["~"]', "read as null"),
    ("? [a]\n: b\n", "$ (a key)", "a mapping key that is text (a list as a key at line 1)"),
    ("? {a: 1}\n: b\n", "$ (a key)", "a map as a key"),
    ("a: .nan\n", "$.a", ".nan is not a JSON number"),
    ("a: -.Inf\n", "$.a", "-.Inf is not a JSON number"),
    ("a: 1e999\n", "$.a", "beyond a 64-bit float"),
    ("a: 123456789012345678901\n", "$.a", "an integer of 21 digits (at most 20)"),
    ("a: 0x" + "f" * 30 + "\n", "$.a", "an integer of 30 digits"),
    ("a: 1\n---\na: 2\n", "$", "one YAML document (this file holds several)"),
    ("%YAML 1.1\n---\na: 1\n", "$", "without YAML directives"),
    ("%TAG !e! tag:example.com,2000:\n---\na: 1\n", "$", "without YAML directives"),
    ("a: 1\na: 2\n", "$.a", "a key that appears once per object"),
    ("a: \"\\0\"\n", "$.a", "text without NUL characters"),
    ("a: \"${Token[TOKEN.1]}\"\n", "$.a", "CDK placeholders"),
    ("a: [1, 2\n", "$", "valid YAML (did not find expected ',' or ']' at line 2 column 1)"),
    ("a: \x01\n", "$", "valid YAML (control characters are not allowed at line 1 column 4)"),
]


@pytest.mark.parametrize("text, path, fragment", REFUSED, ids=[t[:30] for t, _, _ in REFUSED])
def test_what_json_cannot_hold_is_one_problem_with_its_path(text, path, fragment):
    ok, _, problems, _ = read(text)
    assert not ok
    assert len(problems) == 1, problems
    ((found_path, expected),) = problems
    assert path is None or found_path == path, problems
    assert fragment in expected, problems


def test_every_refusal_of_a_file_is_listed_at_once():
    ok, value, problems, _ = read("a: !!binary aGk=\nb: !!set {x}\n1: c\nd: &e 1\nok: [1, 2]\n")
    assert not ok
    assert sorted(path for path, _ in problems) == sorted(['$["1"]', "$.a", "$.b", "$.d"])
    assert value["ok"] == [1, 2]  # type: ignore[index]


def test_a_billion_laughs_is_refused_at_its_first_anchor_without_expanding(events_read):
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]
    ok, value, problems, _ = read("\n".join(lines) + "\n")
    # every event of the text read once and none expanded (all refusals are listed, so reading goes
    # on): stream, document and map starts, 9 keys, 9 lists of 9 values (11 events each), 3 ends
    assert events_read() == 3 + 9 + 9 * 11 + 3
    assert not ok and problems[0] == ("$.a", "a value without a YAML anchor (&): write each value out (&a at line 1)")
    assert len(json.dumps(value, default=lambda _: "refused")) < 2000  # nothing was expanded


@pytest.mark.parametrize("text", [
    "[" * 3000 + "]" * 3000,  # the file: 6 KB
    "[\n" * 2500 + "]\n" * 2500,
    "{a: " * 2500 + "}" * 2500,
    "- " * 4000 + "x\n",
    "".join(" " * n + "a:\n" for n in range(140)),
], ids=["flow-lists", "flow-lists-on-lines", "flow-maps", "block-lists", "block-maps"])
def test_deep_nesting_is_refused_while_reading(text, events_read):
    ok, _, problems, _ = read(text)
    assert not ok and len(problems) == 1 and "nested at most 64 levels deep" in problems[0][1], problems
    # the 65th level is the last event read (stream, document, and a key per level of the maps);
    # the composer that built the tree first took over a minute on the flow lists
    assert events_read() <= 2 + 2 * 65, events_read()


def test_64_levels_are_read_and_65_are_not():
    assert read("[" * 64 + "]" * 64)[0]
    assert not read("[" * 65 + "]" * 65)[0]


def test_a_document_of_more_values_than_the_limit_is_refused_while_reading(events_read):
    text = "[" + "0," * MAX_NODES + "0," * MAX_NODES + "0]"
    ok, _, problems, _ = read(text)
    assert not ok and problems == [("$", f"a YAML document of at most {MAX_NODES:,} values")]
    assert events_read() <= MAX_NODES + 4  # stream, document, list: the value past the limit is the last read


def test_the_size_limit_holds_before_parsing():
    ok, _, problems, _ = read("a: " + "x" * 2000 + "\n", max_bytes=1000)
    assert not ok and problems == [("$", "a YAML document of at most 1,000 bytes (it has 2,004)")]


def test_the_c_parser_reads_the_events():
    """The speed above holds with libyaml (PyYAML's wheels bundle it); PyYAML's own parser is far slower."""
    assert yaml.__with_libyaml__


# -- through the loader: the workflow deployed is the one read ----------------------------------------------------


@pytest.fixture
def google_project(tmp_path) -> Path:
    project = Path(shutil.copytree(REPO / "examples" / "factory-floor-gcp", tmp_path / "gcp"))
    (project / "state_machines" / "google_cloud_workflow.json").unlink()
    return project


UNAUTHENTICATED = """\
main:
  params: [input]
  steps:
    - notify:
        call: http.post
        args:
          url: ${input.FunctionA_URL}
          body: {since: 2024-01-01, enabled: yes, at: 12:30:00, text: "${input.InputData}"}
        result: first
    - record:
        call: http.post
        args:
          url: ${input.FunctionB_URL}
          body: ${first.body}
    - done:
        return: ok
"""


def test_a_workflow_the_contract_adapts_is_deployed_as_json_with_dates_as_text(google_project):
    """The issue's crash: a date in a workflow that needs OIDC added became `Object of type date is not
    JSON serializable`. Under the service's reading it is the text it always was."""
    (google_project / WORKFLOW).write_text(UNAUTHENTICATED)
    config = load_project(google_project)
    deployed = json.loads(config.workflow_definition)
    body = deployed["main"]["steps"][0]["notify"]["args"]["body"]
    assert body == {"since": "2024-01-01", "enabled": "yes", "at": "12:30:00", "text": "${input.InputData}"}
    assert deployed["main"]["steps"][0]["notify"]["args"]["auth"] == {"type": "OIDC"}
    warned = {(w.path, w.expected.split(" (")[0]) for w in config.warnings if w.file == WORKFLOW}
    assert ("$.main.steps[0].notify.args.body.since", "read as the text '2024-01-01', as Cloud Workflows reads YAML 1.2") in warned


def test_a_workflow_with_a_binary_value_is_refused_at_synth(google_project):
    (google_project / WORKFLOW).write_text(UNAUTHENTICATED.replace("return: ok", "return: !!binary b2s="))
    with pytest.raises(ProjectConfigError) as error:
        load_project(google_project)
    ((problem),) = error.value.problems
    assert (problem.file, problem.path) == (WORKFLOW, "$.main.steps[2].done.return")
    assert "!!binary at line 16" in problem.expected
