"""config_iot_devices.json: ids, property data types, reserved and duplicate property names."""

from __future__ import annotations

import pytest

from tests.config.helpers import example_json, only_problem, problems_of, where

FILE = "config_iot_devices.json"
EXTRA = 4  # index of a device appended after the example's four


def devices_with(*extra):
    return example_json("config_iot_devices") + list(extra)


def device(device_id="extra-01", properties=None, **more):
    if properties is None:
        properties = [{"name": "level", "dataType": "DOUBLE"}]
    return {"id": device_id, "properties": properties, **more}


def test_duplicate_device_id(make_project):
    problem = only_problem(make_project(config_iot_devices=devices_with(device("press-01"))))
    assert (problem.file, problem.path) == (FILE, f"$[{EXTRA}].id")
    assert "press-01" in problem.expected


@pytest.mark.parametrize(
    "device_id", ["", "has space", "a.b", "a/b", "größe", "dev\n", 7, None], ids=repr
)
def test_bad_device_id(make_project, device_id):
    problem = only_problem(make_project(config_iot_devices=devices_with(device(device_id))))
    assert (problem.file, problem.path) == (FILE, f"$[{EXTRA}].id")


def test_device_without_properties_key(make_project):
    bad = device()
    del bad["properties"]
    problem = only_problem(make_project(config_iot_devices=devices_with(bad)))
    assert (problem.file, problem.path) == (FILE, f"$[{EXTRA}].properties")


def test_device_must_be_an_object(make_project):
    problem = only_problem(make_project(config_iot_devices=devices_with("extra-01")))
    assert (problem.file, problem.path) == (FILE, f"$[{EXTRA}]")


@pytest.mark.parametrize("content", [[], {}, "press-01"], ids=["empty", "object", "string"])
def test_devices_file_must_be_a_non_empty_array(make_project, content):
    assert (FILE, "$") in where(problems_of(make_project(config_iot_devices=content)))


@pytest.mark.parametrize("data_type", ["FLOAT", "double", "", None], ids=repr)
@pytest.mark.parametrize("kind", ["properties", "constProperties"])
def test_bad_data_type(make_project, kind, data_type):
    devices = example_json("config_iot_devices")
    devices[0][kind][1]["dataType"] = data_type
    problem = only_problem(make_project(config_iot_devices=devices))
    assert (problem.file, problem.path) == (FILE, f"$[0].{kind}[1].dataType")


@pytest.mark.parametrize("data_type", ["STRING", "DOUBLE", "INTEGER", "BOOLEAN", "LONG"])
def test_every_data_type_is_accepted(make_project, data_type):
    from twin_model.config import load_project

    extra = device(properties=[{"name": "v", "dataType": data_type}])
    config = load_project(make_project(config_iot_devices=devices_with(extra)))
    assert config.device("extra-01").properties[0].data_type == data_type


@pytest.mark.parametrize("name", ["iotDeviceId", "device_id", "timestamp", "ttl"])
@pytest.mark.parametrize("kind", ["properties", "constProperties"])
def test_reserved_property_name(make_project, kind, name):
    devices = example_json("config_iot_devices")
    devices[0][kind][0]["name"] = name
    problem = only_problem(make_project(config_iot_devices=devices))
    assert (problem.file, problem.path) == (FILE, f"$[0].{kind}[0].name")


@pytest.mark.parametrize("name", ["", "a b", "x.y", None], ids=repr)
def test_bad_property_name(make_project, name):
    devices = example_json("config_iot_devices")
    devices[2]["properties"][0]["name"] = name
    problem = only_problem(make_project(config_iot_devices=devices))
    assert (problem.file, problem.path) == (FILE, "$[2].properties[0].name")


def test_const_property_without_value(make_project):
    devices = example_json("config_iot_devices")
    del devices[0]["constProperties"][0]["value"]
    problem = only_problem(make_project(config_iot_devices=devices))
    assert (problem.file, problem.path) == (FILE, "$[0].constProperties[0]")


@pytest.mark.parametrize(
    "properties, consts",
    [
        ([{"name": "a", "dataType": "DOUBLE"}, {"name": "a", "dataType": "STRING"}], []),
        ([{"name": "a", "dataType": "DOUBLE"}], [{"name": "a", "dataType": "STRING", "value": "x"}]),
    ],
    ids=["within-properties", "property-and-const"],
)
def test_duplicate_property_names(make_project, properties, consts):
    bad = device(properties=properties, constProperties=consts)
    problem = only_problem(make_project(config_iot_devices=devices_with(bad)))
    assert (problem.file, problem.path) == (FILE, f"$[{EXTRA}]")
    assert "'a'" in problem.expected


def test_every_device_mistake_is_reported(make_project):
    devices = devices_with(
        device("press-01"),
        device("bad id"),
        device("extra-02", properties=[{"name": "ttl", "dataType": "DOUBLE"}, {"name": "v", "dataType": "FLOAT"}]),
    )
    assert where(problems_of(make_project(config_iot_devices=devices))) == {
        (FILE, "$[4].id"),
        (FILE, "$[5].id"),
        (FILE, "$[6].properties[0].name"),
        (FILE, "$[6].properties[1].dataType"),
    }
