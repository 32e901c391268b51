"""config_user.json: the twin's administrator (the predecessor's format, V18)."""

from __future__ import annotations

import json

import pytest

from twin_model.config import UserSettings, load_project
from tests.config.helpers import only_problem

FILE = "config_user.json"


def test_without_the_file_there_is_no_user(make_project):
    assert load_project(make_project()).user is None


def test_the_administrator_is_read(make_project):
    project = make_project(config_user={"admin_email": "ops@example.com", "admin_first_name": "Ada",
                                        "admin_last_name": "Lovelace"})
    config = load_project(project)
    assert config.user == UserSettings("ops@example.com", "Ada", "Lovelace")
    assert config.user.has_admin
    assert not [w for w in config.warnings if w.file == FILE]


def test_an_empty_address_means_no_administrator(make_project):
    config = load_project(make_project(config_user={"admin_email": "", "admin_first_name": "", "admin_last_name": ""}))
    assert config.user == UserSettings("") and not config.user.has_admin


@pytest.mark.parametrize(
    "content, path",
    [
        ({"admin_email": "not-an-address", "admin_first_name": "A", "admin_last_name": "B"}, "$.admin_email"),
        ({"admin_email": "a b@example.com", "admin_first_name": "A", "admin_last_name": "B"}, "$.admin_email"),
        ({"admin_email": 7, "admin_first_name": "A", "admin_last_name": "B"}, "$.admin_email"),
        ({"admin_email": "ops@example.com", "admin_first_name": "", "admin_last_name": "B"}, "$.admin_first_name"),
        ({"admin_email": "ops@example.com", "admin_first_name": "A"}, "$.admin_last_name"),
        ({"admin_email": "ops@example.com", "admin_first_name": "A", "admin_last_name": "B", "admin_phone": "1"},
         "$.admin_phone"),
        ([], "$"),
    ],
    ids=["no-at", "space", "not-text", "empty-first-name", "missing-last-name", "unknown-key", "array"],
)
def test_bad_administrator_is_reported(make_project, content, path):
    problem = only_problem(make_project(config_user=content))
    assert (problem.file, problem.path) == (FILE, path)


def test_null_is_not_a_missing_file(make_project):
    project = make_project()
    (project / FILE).write_text(json.dumps(None))
    assert (only_problem(project).file, only_problem(project).path) == (FILE, "$")


# -- the address as the alarm e-mail (README, Alarms) -------------------------------------------------

ADDRESS = "twin-operators@example.com"
NAMES = {"admin_first_name": "Ada", "admin_last_name": "Lovelace"}


@pytest.mark.parametrize(
    "content, expected",
    [({"admin_email": ADDRESS, **NAMES}, ADDRESS), ({"admin_email": ""}, None), (None, None)],
    ids=["address", "empty", "no-file"],
)
def test_the_administrators_address_is_the_alarm_email(make_project, content, expected):
    project = make_project(config_user=content) if content is not None else make_project()
    assert load_project(project).alarm_email == expected


@pytest.mark.parametrize(
    "value",
    ["operators", "ops@localhost", "ops@@example.com", "ops @example.com", "${var.x}@example.com",
     "{{resolve:ssm:x}}@example.com", "ops@example.com\n", "o" * 250 + "@example.com", 42, None, [ADDRESS]],
)
def test_anything_but_a_plain_address_is_refused_without_quoting_it(make_project, value):
    """It goes into CloudFormation and Terraform JSON: nothing either could read as an expression."""
    problem = only_problem(make_project(config_user={"admin_email": value, **NAMES}))
    assert (problem.file, problem.path) == (FILE, "$.admin_email")
    if isinstance(value, str):
        assert value.strip() not in str(problem)


def test_the_address_is_not_in_the_configs_repr(make_project):
    config = load_project(make_project(config_user={"admin_email": ADDRESS, **NAMES}))
    assert ADDRESS not in repr(config) and ADDRESS not in repr(config.user)
