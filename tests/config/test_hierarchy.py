"""config_hierarchy.json: components name known devices and sit under entities; ids unique; quota."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from tests.config.helpers import example_json, only_problem, problems_of, where

FILE = "config_hierarchy.json"
# Paths into the example hierarchy.
PLANT = "$[0]"
PRESS_01_STATION = "$[0].children[0].children[0].children[0]"
PRESS_02_STATION = "$[0].children[0].children[0].children[1]"
PRESS_01_COMPONENT = PRESS_01_STATION + ".children[0]"


def hierarchy():
    return example_json("config_hierarchy")


def press_01_component(tree):
    return tree[0]["children"][0]["children"][0]["children"][0]["children"][0]


def component(name, device="press-01"):
    return {"type": "component", "name": name, "iotDeviceId": device}


def test_component_names_an_unknown_device(make_project):
    tree = hierarchy()
    press_01_component(tree)["iotDeviceId"] = "press-99"
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, PRESS_01_COMPONENT + ".iotDeviceId")
    assert "press-99" in problem.expected


@pytest.mark.parametrize("device", [["press-01"], {"id": "press-01"}, 7], ids=["list", "object", "number"])
def test_component_device_that_is_not_a_string(make_project, device):
    tree = hierarchy()
    press_01_component(tree)["iotDeviceId"] = device
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, PRESS_01_COMPONENT + ".iotDeviceId")


def test_component_without_device(make_project):
    tree = hierarchy()
    del press_01_component(tree)["iotDeviceId"]
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, PRESS_01_COMPONENT + ".iotDeviceId")


def test_component_type_id_in_predecessor_form_names_the_device(make_project):
    tree = hierarchy()
    node = press_01_component(tree)
    del node["iotDeviceId"]
    node["componentTypeId"] = "factory-floor-press-01"
    config = load_project(make_project(config_hierarchy=tree))
    station = config.hierarchy[0].children[0].children[0].children[0]
    assert station.components[0].iot_device_id == "press-01"
    assert station.components[0].component_type_id == "factory-floor-press-01"


def test_component_outside_an_entity(make_project):
    tree = hierarchy() + [component("stray")]
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, "$[1].type")


def test_duplicate_entity_id(make_project):
    tree = hierarchy()
    tree[0]["children"][0]["children"][0]["children"][1]["id"] = "press-01-station"
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, PRESS_02_STATION + ".id")


@pytest.mark.parametrize("entity_id", ["", "a b", None], ids=repr)
def test_bad_entity_id(make_project, entity_id):
    tree = hierarchy()
    tree[0]["children"][0]["children"][0]["children"][1]["id"] = entity_id
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, PRESS_02_STATION + ".id")


@pytest.mark.parametrize("count, ok", [(10, True), (11, False)])
def test_at_most_ten_components_per_entity(make_project, count, ok):
    tree = hierarchy() + [{"type": "entity", "id": "crowded", "children": [component(f"c{i}") for i in range(count)]}]
    project = make_project(config_hierarchy=tree)
    if ok:
        assert len(load_project(project).hierarchy[1].components) == count
    else:
        problem = only_problem(project)
        assert (problem.file, problem.path) == (FILE, "$[1].children")


def test_duplicate_component_names_in_one_entity(make_project):
    tree = hierarchy() + [{"type": "entity", "id": "twice", "children": [component("c"), component("c", "press-02")]}]
    problem = only_problem(make_project(config_hierarchy=tree))
    assert (problem.file, problem.path) == (FILE, "$[1].children")


def test_hierarchy_must_be_an_array(make_project):
    problem = only_problem(make_project(config_hierarchy={"type": "entity", "id": "x"}))
    assert (problem.file, problem.path) == (FILE, "$")


def test_every_hierarchy_mistake_is_reported(make_project):
    tree = hierarchy()
    press_01_component(tree)["iotDeviceId"] = "ghost"
    tree[0]["children"][0]["children"][0]["children"][1]["id"] = "press-01-station"
    tree.append(component("stray"))
    assert where(problems_of(make_project(config_hierarchy=tree))) == {
        (FILE, PRESS_01_COMPONENT + ".iotDeviceId"),
        (FILE, PRESS_02_STATION + ".id"),
        (FILE, "$[1].type"),
    }
