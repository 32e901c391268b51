"""Issue #23 (4): Step Functions definitions are checked by asl-validator, in the loader's one-line form.

Inputs nobody here wrote (tests/config/fixtures/asl/README.md): AWS documentation examples, the
predecessor's placeholder, and definitions rendered by aws-cdk-lib's Step Functions constructs.
The expected verdicts and places come from the Amazon States Language's rules (the table below),
not from the code under test. Node is started only for a project with a Step Functions workflow.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from twin_model.config import asl, load_project
from twin_model.config.documents import json_path
from tests.config.helpers import example_json, flags, problems_of, where
from tests.conftest import write_project

FIXTURES = Path(__file__).parent / "fixtures" / "asl"
STATE_MACHINE = "state_machines/aws_step_function.json"
PREDECESSOR_PLACEHOLDER = {"StartAt": "x", "States": {}}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _parallel_branch_leaving_its_branch() -> Any:
    """AWS docs: a state in a Parallel branch may not transition to a state outside the branch."""
    definition = fixture("aws-docs-parallel.json")
    branch = definition["States"]["LookupCustomerInfo"]["Branches"][0]["States"]["LookupAddress"]
    del branch["End"]
    branch["Next"] = "LookupCustomerInfo"
    return definition


def _choice_with_end() -> Any:
    """AWS docs: Choice states don't support the End field."""
    definition = fixture("aws-docs-choice.json")
    definition["States"]["ChoiceState"]["End"] = True
    return definition


# (definition, every (JSON path, asl-validator error code) the language's rules make of it)
INVALID = {
    "aws-docs-task-placeholder-arn": (
        lambda: fixture("aws-docs-task-placeholder-arn.json"),
        {("$.States.TaskState.Resource", "SCHEMA_VALIDATION_FAILED")},
    ),
    "predecessor-placeholder": (
        lambda: PREDECESSOR_PLACEHOLDER,
        {("$.StartAt", "MISSING_TRANSITION_TARGET"), ("$.States", "MISSING_TERMINAL_STATE")},
    ),
    "parallel-branch-leaves-its-branch": (
        _parallel_branch_leaving_its_branch,
        {("$.States.LookupCustomerInfo.Branches[0].States.LookupAddress.Next", "BRANCH_OUTBOUND_TRANSITION_TARGET"),
         ("$.States.LookupCustomerInfo.Branches[0].States", "MISSING_TERMINAL_STATE")},
    ),
}


def verdict(definition: Any) -> set[tuple[str, str]]:
    """(JSON path, asl-validator code) of every problem, read off the one-line form."""
    found = set()
    for parts, reason in asl.problems(definition):
        assert reason.endswith(")") and "(asl-validator " in reason, reason
        found.add((json_path(parts), reason.rsplit("(asl-validator ", 1)[1].rstrip(")")))
    return found


@pytest.mark.parametrize("name", ["aws-docs-choice.json", "aws-docs-parallel.json"])
def test_aws_documentation_examples_are_accepted(name):
    assert asl.problems(fixture(name)) == []


def _cdk_rendered() -> list[Any]:
    """Definitions written by aws-cdk-lib (JSONPath: every state type, Retry, Catch; JSONata)."""
    import aws_cdk as cdk
    from aws_cdk import aws_stepfunctions as sfn

    stack = cdk.Stack(cdk.App(), "Rendered")
    failed = sfn.Fail(stack, "Failed", error="E", cause="c")
    both = sfn.Parallel(stack, "Both", result_path="$.both").branch(sfn.Pass(stack, "Left")).branch(
        sfn.Pass(stack, "Right"))
    both.add_retry(max_attempts=2).add_catch(failed, errors=["States.ALL"]).next(sfn.Succeed(stack, "Done"))
    each = sfn.Map(stack, "Each", items_path="$.items", max_concurrency=2, result_path="$.mapped")
    each.item_processor(sfn.Pass(stack, "Item", parameters={"v.$": "$"})).next(both)
    wait = sfn.Wait(stack, "Wait", time=sfn.WaitTime.duration(cdk.Duration.seconds(5))).next(both)
    which = sfn.Choice(stack, "Which").when(sfn.Condition.number_greater_than("$.n", 1), each).otherwise(wait)
    start = sfn.Pass(stack, "Start", result=sfn.Result.from_object({"n": 2, "items": [1, 2]})).next(which)
    jsonata = sfn.Pass.jsonata(stack, "Add", outputs={"sum": "{% $states.input.a + $states.input.b %}"})
    return [sfn.StateGraph(start.start_state, "paths").to_graph_json(),
            sfn.StateGraph(jsonata, "jsonata").to_graph_json()]


def test_definitions_rendered_by_aws_cdk_lib_are_accepted():
    rendered = _cdk_rendered()
    assert {state["Type"] for state in rendered[0]["States"].values()} == {
        "Pass", "Choice", "Wait", "Parallel", "Map", "Succeed", "Fail"}
    for definition in rendered:
        assert asl.problems(definition) == [], json.dumps(definition)


@pytest.mark.parametrize("name", INVALID)
def test_definitions_the_language_refuses_are_refused_at_their_place(name):
    build, expected = INVALID[name]
    assert verdict(build()) == expected


@pytest.mark.xfail(strict=True, reason="asl-validator 4.0.0 accepts End on a Choice state, which Step Functions "
                   "refuses; strict: an upgrade that closes the gap shows here")
def test_a_choice_state_with_end_is_refused():
    assert verdict(_choice_with_end()) == {("$.States.ChoiceState", "SCHEMA_VALIDATION_FAILED")}


def test_the_worker_agrees_with_asl_validator_run_as_published():
    """The worker compiles the schemas once; a fresh asl-validator per definition must agree."""
    definitions = [fixture("aws-docs-choice.json"), *(build() for build, _ in INVALID.values())]
    script = ("const v = require('asl-validator'); const ds = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(ds.map(d => v(d).errors)));")
    completed = subprocess.run(["node", "-e", script], input=json.dumps(definitions), capture_output=True,
                               text=True, cwd=asl.REPO_ROOT, check=True)
    published = json.loads(completed.stdout)
    for definition, errors in zip(definitions, published, strict=True):
        assert asl._WORKER.ask(json.dumps(definition))["errors"] == errors


def test_loader_reports_the_validators_problems_in_one_line_form(make_project):
    project = make_project()
    (project / STATE_MACHINE).write_text(json.dumps(_parallel_branch_leaving_its_branch()))
    problems = problems_of(project)
    assert where(problems) == {
        (STATE_MACHINE, "$.States.LookupCustomerInfo.Branches[0].States.LookupAddress.Next"),
        (STATE_MACHINE, "$.States.LookupCustomerInfo.Branches[0].States"),
    }
    outbound = next(p for p in problems if p.path.endswith(".Next"))
    assert "'LookupCustomerInfo' is outside it" in outbound.expected
    assert outbound.expected.endswith("(asl-validator BRANCH_OUTBOUND_TRANSITION_TARGET)")


def test_an_unusable_validator_is_a_problem_not_a_crash(make_project, monkeypatch):
    project = make_project()
    (project / STATE_MACHINE).write_text(json.dumps({"StartAt": "only-here", "States": {}}))
    monkeypatch.setattr(asl, "SCRIPT", asl.SCRIPT.with_name("missing.js"))
    monkeypatch.setattr(asl, "_WORKER", asl._Worker())
    problem, = problems_of(project)
    assert (problem.file, problem.path) == (STATE_MACHINE, "$")
    assert "asl-validator could not run" in problem.expected and "make install" in problem.expected


class _Refuse:
    def ask(self, line: str) -> dict:
        raise AssertionError("Node was started for a project without a Step Functions workflow")


def test_node_starts_only_for_a_step_functions_workflow(make_project, monkeypatch, tmp_path):
    asl._validated.cache_clear()
    monkeypatch.setattr(asl, "_WORKER", _Refuse())
    lambda_rule_only = example_json("config_events")[:1]
    no_workflow = make_project(config_optimization=flags(useEventChecking=True), config_events=lambda_rule_only)
    assert load_project(no_workflow).state_machine_file is None
    with pytest.raises(AssertionError, match="Node was started"):
        load_project(write_project(tmp_path / "with-workflow"))  # the guard works: the example has one
