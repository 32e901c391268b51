"""The loader's shortcuts for fleet-sized files give exactly what the full checks give.

documents._clean accepts a document without visiting its strings only when check_tree would report
nothing; a property object is checked once per distinct content only when it was valid."""

from __future__ import annotations

import json

import pytest

from tests.config.helpers import example_json, problems_of
from twin_model.config.documents import MAX_DEPTH, check_tree, parse
from twin_model.config.errors import Problems


def nested(depth: int, leaf: str = "1") -> str:
    """A document whose deepest value sits `depth` levels below the root."""
    return "[" * depth + leaf + "]" * depth


DOCUMENTS = {
    "plain": '{"a": [1, 2.5, "x", {"b": null}]}',
    "deepest allowed": nested(MAX_DEPTH),
    "scalar one level too deep": nested(MAX_DEPTH + 1),
    "empty container one level too deep": nested(MAX_DEPTH, "[]"),
    "escaped NUL": '{"a": "x\\u0000y"}',
    "escaped NUL in a key": '{"x\\u0000": 1}',
    "lone surrogate": '["\\ud800"]',
    "token marker": '{"a": "${Token[TOKEN.1]}"}',
    "escaped token marker": '{"a": "\\u0024{Token[TOKEN.1]}"}',
    "terraform token marker in a key": '{"#{TfToken[x]}": 1}',
    "harmless escape": '{"a": "\\u00e9 and \\n"}',
    "NaN": '{"a": NaN}',
    "refused number deep inside": '[[{"a": [1e999]}]]',
    "long integer": '[123456789012345678901]',
    "duplicate key": '{"a": 1, "a": 2}',
    "duplicate key deep inside": '[{"b": {"a": 1, "a": 2}}]',
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_parse_reports_what_the_full_walk_reports(name):
    text = DOCUMENTS[name]
    fast = Problems()
    accepted, value = parse(text, "f.json", fast)
    slow = Problems()
    duplicates = {}

    def pairs(items):  # the reference: every object through the full walk, duplicates as parse finds them
        obj = {}
        for key, item in items:
            if key in obj:
                duplicates.setdefault(id(obj), []).append(key)
            obj[key] = item
        return obj

    from twin_model.config import documents

    reference = json.loads(text, object_pairs_hook=pairs, parse_constant=lambda c: documents.Refused(f"{c} is not a JSON number"),
                           parse_int=documents._integer, parse_float=documents._float)
    expected = check_tree(reference, duplicates, "f.json", slow)
    assert accepted == expected and fast.problems == slow.problems


def test_an_invalid_property_object_is_reported_for_every_device_that_repeats_it(make_project):
    reserved = {"name": "id", "dataType": "DOUBLE"}  # a reserved name: refused however often it appears
    good = {"name": "level", "dataType": "DOUBLE"}
    fleet = example_json("config_iot_devices") + [
        {"id": f"tank-{n}", "properties": [good, dict(reserved)]} for n in range(3)
    ]
    problems = problems_of(make_project(config_iot_devices=fleet))
    assert [p.path for p in problems] == [f"$[{4 + n}].properties[1].name" for n in range(3)]


def test_a_valid_property_object_repeated_keeps_its_own_init_value_type(make_project):
    fleet = example_json("config_iot_devices") + [
        {"id": "tank-1", "properties": [{"name": "level", "dataType": "INTEGER", "initValue": 1}]},
        {"id": "tank-2", "properties": [{"name": "level", "dataType": "INTEGER", "initValue": 1.5}]},
        {"id": "tank-3", "properties": [{"name": "level", "dataType": "INTEGER", "initValue": True}]},
    ]
    problems = problems_of(make_project(config_iot_devices=fleet))
    assert [p.path for p in problems] == ["$[5].properties[0].initValue", "$[6].properties[0].initValue"]
