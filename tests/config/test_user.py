"""config_user.json: the predecessor's administrator file now gives the alarm e-mail.

`admin_email` is optional (missing file or `""`: alarms go to the channel only); any other value
must be a plain address, refused without being quoted back; the predecessor's name keys are read
with a warning.
"""

from __future__ import annotations

import json

import pytest

from cdk_app.config import load_project
from tests.config.helpers import only_problem

ADDRESS = "twin-operators@example.com"


def with_user(make_project, content) -> object:
    project = make_project()
    (project / "config_user.json").write_text(json.dumps(content), encoding="utf-8")
    return project


def test_without_the_file_there_is_no_alarm_email(make_project):
    config = load_project(make_project())
    assert config.alarm_email is None
    assert not any(w.file == "config_user.json" for w in config.warnings)


def test_the_address_is_read(make_project):
    config = load_project(with_user(make_project, {"admin_email": ADDRESS}))
    assert config.alarm_email == ADDRESS
    assert not any(w.file == "config_user.json" for w in config.warnings)


def test_an_empty_address_means_none(make_project):
    assert load_project(with_user(make_project, {"admin_email": ""})).alarm_email is None


def test_the_predecessors_file_loads_and_its_name_keys_are_warnings(make_project):
    content = {"admin_email": "admin@contoso.onmicrosoft.com", "admin_first_name": "Ada", "admin_last_name": "L"}
    config = load_project(with_user(make_project, content))
    assert config.alarm_email == "admin@contoso.onmicrosoft.com"
    user_warnings = {(w.file, w.path) for w in config.warnings if w.file == "config_user.json"}
    assert user_warnings == {("config_user.json", "$.admin_first_name"), ("config_user.json", "$.admin_last_name")}


@pytest.mark.parametrize(
    "value",
    [
        "operators",
        "ops@localhost",
        "ops@@example.com",
        "ops @example.com",
        "${var.x}@example.com",
        "ops@example.com\n",
        "o" * 250 + "@example.com",
        42,
        None,
        ["ops@example.com"],
    ],
)
def test_anything_but_an_address_is_refused_without_quoting_it(make_project, value):
    problem = only_problem(with_user(make_project, {"admin_email": value}))
    assert (problem.file, problem.path) == ("config_user.json", "$.admin_email")
    if isinstance(value, str):
        assert value.strip() not in str(problem)


def test_an_unknown_key_is_refused_with_a_hint(make_project):
    problem = only_problem(with_user(make_project, {"adminEmail": ADDRESS}))
    assert (problem.file, problem.path) == ("config_user.json", "$.adminEmail")
    assert "admin_email" in problem.expected and ADDRESS not in str(problem)


def test_a_file_that_is_no_object_is_refused(make_project):
    problem = only_problem(with_user(make_project, [ADDRESS]))
    assert (problem.file, problem.path) == ("config_user.json", "$")
    assert ADDRESS not in str(problem)


def test_the_address_is_not_in_the_configs_repr(make_project):
    config = load_project(with_user(make_project, {"admin_email": ADDRESS}))
    assert ADDRESS not in repr(config)
