"""DTDL bundles (twin_hierarchy/azure_hierarchy.json): the official DTDL parser's verdict on models,
Azure Digital Twins' on twins and relationships (twin_model/config/azure_hierarchy.py).

Expected verdicts are written by hand from the DTDL v2/v3 language description and the ADT
documentation; each models set runs through the real parser (Node.js), so the tables also show that
the loader agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twin_model.config import azure_hierarchy, dtdl_parser
from twin_model.config.context import LoadContext
from twin_model.config.errors import Problems

FILE = "twin_hierarchy/azure_hierarchy.json"
V2, V3 = "dtmi:dtdl:context;2", "dtmi:dtdl:context;3"


def interface(dtmi: str, *contents: dict, context: object = V3, **extra: object) -> dict:
    return {"@id": dtmi, "@type": "Interface", "@context": context, "contents": list(contents), **extra}


def prop(name: str, schema: object, **extra: object) -> dict:
    return {"@type": "Property", "name": name, "schema": schema, **extra}


def check(bundle: dict) -> tuple[object, list[tuple[str, str]]]:
    ctx = LoadContext(Path("."), Problems())
    result = azure_hierarchy.bundle(ctx, FILE, json.loads(json.dumps(bundle)))
    return result, [(p.path, p.expected) for p in ctx.problems.problems]


def verdict(models: list[dict]) -> str:
    _, problems = check({"models": models})
    return "valid" if not problems else "invalid"


# --- models: the parser's verdict, nothing of ours ----------------------------------------------

CONTENTS_AS_ONE_OBJECT = {**interface("dtmi:x:A;1"), "contents": prop("p", "string")}
OBJECT_MAP_ENUM = prop("settings", {"@type": "Map", "mapKey": {"name": "zone", "schema": "string"}, "mapValue": {
    "name": "setting", "schema": {"@type": "Object", "fields": [
        {"name": "mode", "schema": {"@type": "Enum", "valueSchema": "string",
                                    "enumValues": [{"name": "eco", "enumValue": "ECO"}]}},
        {"name": "target", "schema": "double"}]}}})
COMMAND = {"@type": "Command", "name": "reboot", "request": {"name": "delay", "schema": "duration"},
           "response": {"name": "accepted", "schema": "boolean"}}
AGREEMENT = [  # (case, models, the DTDL language's verdict)
    ("contents-as-one-object", [CONTENTS_AS_ONE_OBJECT], "valid"),
    ("v2-semantic-type", [interface("dtmi:x:A;1", prop("t", "double", **{"@type": ["Property", "Temperature"],
                                                                          "unit": "degreeCelsius"}), context=V2)], "valid"),
    ("v3-semantic-type-with-extension", [interface("dtmi:x:A;1", prop("t", "double", **{
        "@type": ["Property", "Temperature"], "unit": "degreeCelsius"}),
        context=[V3, "dtmi:dtdl:extension:quantitativeTypes;1"])], "valid"),
    ("v3-semantic-type-without-extension", [interface("dtmi:x:A;1", prop("t", "double", **{
        "@type": ["Property", "Temperature"], "unit": "degreeCelsius"}))], "invalid"),
    ("object-map-enum", [interface("dtmi:x:A;1", OBJECT_MAP_ENUM)], "valid"),
    ("enum-value-of-the-wrong-type", [interface("dtmi:x:A;1", prop("e", {
        "@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "a", "enumValue": "x"}]}))], "invalid"),
    ("map-key-not-a-string", [interface("dtmi:x:A;1", prop("m", {
        "@type": "Map", "mapKey": {"name": "k", "schema": "integer"}, "mapValue": {"name": "v", "schema": "string"}}))],
     "invalid"),
    ("object-fields-named-twice", [interface("dtmi:x:A;1", prop("o", {
        "@type": "Object", "fields": [{"name": "f", "schema": "string"}, {"name": "f", "schema": "double"}]}))], "invalid"),
    ("command", [interface("dtmi:x:A;1", COMMAND)], "valid"),
    ("command-request-without-name", [interface("dtmi:x:A;1", {**COMMAND, "request": {"schema": "integer"}})], "invalid"),
    ("array-property-in-v2", [interface("dtmi:x:A;1", prop("a", {"@type": "Array", "elementSchema": "string"}),
                                        context=V2)], "invalid"),
    ("writable-telemetry", [interface("dtmi:x:A;1", {"@type": "Telemetry", "name": "t", "schema": "double",
                                                     "writable": True})], "invalid"),
    ("relationship-target-outside-the-file", [interface("dtmi:x:A;1", {"@type": "Relationship", "name": "feeds",
                                                                        "target": "dtmi:elsewhere:B;1"})], "valid"),
    ("schema-defined-in-schemas", [interface("dtmi:x:A;1", prop("s", "dtmi:x:Point3;1"), schemas=[
        {"@id": "dtmi:x:Point3;1", "@type": "Object", "fields": [{"name": "z", "schema": "double"}]}])], "valid"),
]


@pytest.mark.parametrize("models, expected", [(m, e) for _, m, e in AGREEMENT], ids=[c for c, _, _ in AGREEMENT])
def test_the_loader_agrees_with_the_dtdl_language(models, expected):
    assert verdict(models) == expected


CYCLE = [interface("dtmi:x:A;1", extends="dtmi:x:B;1"), interface("dtmi:x:B;1", extends="dtmi:x:A;1")]
NESTED_ERROR = [interface("dtmi:x:A;1", prop("ok", "string"), prop("o", {"@type": "Object", "fields": [
    {"name": "fine", "schema": "string"}, {"name": "bad", "schema": "text"}]}))]
UNKNOWN_CONTEXT = [{**interface("dtmi:x:A;1"), "@context": "dtmi:dtdl:context;9"}]
USED_OUTSIDE = [interface("dtmi:x:A;1", {"@type": "Component", "name": "c", "schema": "dtmi:y:C;1"})]
V4 = [interface("dtmi:x:A;1", context="dtmi:dtdl:context;4")]


def test_an_extends_cycle_is_refused_at_synth_with_the_parsers_reason():
    _, problems = check({"models": CYCLE})
    assert ("$.models[0].extends", "DTDL parser: dtmi:x:A;1 is at the root of a chain of 'extends' properties that "
            "includes itself. Change the value of one or more 'extends' properties in the hierarchy to remove the "
            "recursion.") in problems
    assert any(path == "$.models[1].extends" for path, _ in problems)


def test_a_parser_error_points_at_the_element_it_names():
    _, problems = check({"models": NESTED_ERROR})
    assert problems[0][0] == "$.models[0].contents[1].schema.fields[1].schema"
    assert "'text' that is neither a valid DTMI reference nor a DTDL v3 term" in problems[0][1]
    _, problems = check({"models": UNKNOWN_CONTEXT})
    assert problems[0][0] == "$.models[0].@context"


def test_an_interface_used_but_not_in_the_file_is_refused_where_it_is_used():
    _, problems = check({"models": USED_OUTSIDE})
    assert problems == [("$.models[0].contents[0].schema", problems[0][1])]
    assert problems[0][1].startswith("DTDL parser: dtmi:y:C;1 is used here but no model of this file defines it")


def test_dtdl_v4_is_refused_as_azure_digital_twins_refuses_it():
    _, problems = check({"models": V4})
    assert problems == [("$.models[0].@context", "DTDL v2 or v3 (dtmi:dtdl:context;2 or ;3): Azure Digital Twins refuses "
                         "other versions (ModelVersionNotSupported; got v4)")]


def test_a_missing_node_is_one_problem_not_a_traceback(monkeypatch):
    monkeypatch.setattr(dtdl_parser.shutil, "which", lambda name: None)
    _, problems = check({"models": [interface("dtmi:x:Unseen;7")]})
    assert problems == [("$.models", "models checked by the official DTDL parser, which could not run: Node.js is not on "
                         "PATH (the synth needs it for jsii too)")]


def test_node_starts_only_for_a_project_with_a_dtdl_bundle(monkeypatch):
    from twin_model.config import load_project
    from tests.conftest import REPO

    def refuse(*args, **kwargs):
        raise AssertionError("the DTDL parser ran for a project without a DTDL bundle")

    monkeypatch.setattr(dtdl_parser.subprocess, "run", refuse)
    for example in ("factory-floor", "factory-floor-azure", "factory-floor-aws-azure"):
        load_project(REPO / "examples" / example)


# --- diamond inheritance: each ancestor once, linear work ---------------------------------------


def diamond(levels: int, width: int, leaves: int) -> list[dict]:
    """A root, `levels` levels of `width` Interfaces each extending every Interface of the level
    above, and `leaves` Interfaces extending the whole last level: every ancestor is reached by
    many paths (width ** levels)."""
    models = [interface("dtmi:d:Root;1", prop("root", "double"))]
    above = ["dtmi:d:Root;1"]
    for level in range(1, levels + 1):
        here = [f"dtmi:d:L{level}x{i};1" for i in range(width)]
        models += [interface(dtmi, prop(f"l{level}x{i}", "double"), extends=above) for i, dtmi in enumerate(here)]
        above = here
    models += [interface(f"dtmi:d:Leaf{i};1", prop(f"leaf{i}", "double"), extends=above) for i in range(leaves)]
    return models


def forty_interface_diamond() -> list[dict]:
    """A root, two towers of 8 levels of 2 Interfaces (each extending both of the level above, the
    first level the root) and 7 leaves extending one top of each tower: 40 Interfaces, the root
    reached from a leaf by 2 * 2**7 paths, within DTDL's limits (depth 10, 1,024 `extends`)."""
    models = [interface("dtmi:d:Root;1", prop("root", "double"))]
    tops = []
    for tower in ("a", "b"):
        above = ["dtmi:d:Root;1"]
        for level in range(1, 9):
            here = [f"dtmi:d:{tower}{level}x{i};1" for i in range(2)]
            models += [interface(dtmi, prop(f"{tower}{level}x{i}", "double"), extends=above) for i, dtmi in enumerate(here)]
            above = here
        tops.append(above[0])
    models += [interface(f"dtmi:d:Leaf{i};1", prop(f"leaf{i}", "double"), extends=tops) for i in range(7)]
    return models


def test_a_40_interface_diamond_loads_with_each_ancestor_once_and_linear_work(monkeypatch):
    models = forty_interface_diamond()
    assert len(models) == 40
    inherited = [m["contents"][0]["name"] for m in models  # all but the leaves and the towers' other tops
                 if not m["@id"].startswith("dtmi:d:Leaf") and not m["@id"].endswith("8x1;1")]
    twin = {"$dtId": "leaf", "$metadata": {"$model": "dtmi:d:Leaf0;1"}, "leaf0": 1.0, **dict.fromkeys(inherited, 2.0)}
    parsed = []
    original = dtdl_parser.check
    monkeypatch.setattr(dtdl_parser, "check", lambda *args: parsed.append(original(*args)) or parsed[-1])
    result, problems = check({"models": models, "twins": [twin]})
    assert problems == [] and result is not None
    model = parsed[0]
    properties = model.contents(model.interface("dtmi:d:Leaf0;1"), "properties")
    assert sorted(properties) == sorted(["leaf0", *inherited])  # each ancestor's property once
    # Structural bound on the twin checks: a few reads per declared element and value, none per
    # inheritance path (256 paths lead from the leaf to the root).
    model.lookups = 0
    assert azure_hierarchy._twins(LoadContext(Path("."), Problems()), FILE, [twin], {"dtmi:d:Leaf0;1"}, model)
    assert model.lookups <= 3 * len(properties) + 10


def test_a_diamond_past_the_languages_limits_is_refused_with_the_parsers_reason():
    _, problems = check({"models": diamond(9, 4, 3)})  # 4 ** 9 paths: the denial of service
    assert problems and all(p.startswith("DTDL parser: ") for _, p in problems)
    assert any("'extends' properties, but the allowed maximum count is 1024" in p for _, p in problems)


# --- twins and relationships, as Azure Digital Twins checks them --------------------------------

SCHEMAS = {
    "i": "integer", "l": "long", "d": "double", "f": "float", "b": "boolean", "s": "string", "dt": "dateTime",
    "da": "date", "t": "time", "du": "duration",
    "es": {"@type": "Enum", "valueSchema": "string", "enumValues": [{"name": "on", "enumValue": "ON"}]},
    "ei": {"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "one", "enumValue": 1}]},
    "o": {"@type": "Object", "fields": [{"name": "x", "schema": "integer"}]},
    "m": {"@type": "Map", "mapKey": {"name": "k", "schema": "string"}, "mapValue": {"name": "v", "schema": "date"}},
    "a": {"@type": "Array", "elementSchema": "long"},
    "p": "point",
}
GOOD = {"i": -(2**31), "l": 2**62, "d": 1.5, "f": 3.0e38, "b": False, "s": "é" * 2048, "dt": "2024-05-31T07:20:50.5+02:00",
        "da": "2024-02-29", "t": "07:20:50.52Z", "du": "P1Y2M3W4DT5H6M7.5S", "es": "ON", "ei": 1, "o": {"x": 1}, "m": {"k": "2024-01-01"},
        "a": [1, 2], "p": {"type": "Point", "coordinates": [14.3, 48.3]}}
BAD = [  # (property, value, what the problem says)
    ("i", 2**31, "a whole number from -2,147,483,648 to 2,147,483,647"), ("i", 1.5, "a whole number"),
    ("i", True, "a whole number"), ("l", 2**63, "a whole number"), ("d", "1.5", "a number (double"),
    ("f", 1e39, "a number (float"), ("b", 1, "true or false"), ("s", "é" * 2049, "at most 4 KB of UTF-8"),
    ("dt", "2024-05-31 07:20:50", "an RFC 3339 date-time"), ("dt", "2024-05-31T07:20:50", "an RFC 3339 date-time"),
    ("da", "2023-02-29", "an RFC 3339 full-date"), ("da", "2024-5-1", "an RFC 3339 full-date"),
    ("t", "25:00:00Z", "an RFC 3339 full-time"), ("du", "P", "an ISO 8601 duration"), ("du", "PT", "an ISO 8601 duration"),
    ("du", "3 days", "an ISO 8601 duration"), ("es", "on", "one of the Enum's values 'ON'"), ("ei", "1", "one of the Enum's values 1"),
    ("o", {"y": 1}, "a field of the Object (x)"), ("o", {"x": "1"}, "a whole number"), ("m", {"k": "soon"}, "full-date"),
    ("a", [1, "2"], "a whole number"), ("p", {"type": "Polygon", "coordinates": []}, "one of the Enum's values 'Point'"),
    ("s", None, "refuses null"),
]
VALUES_MODEL = interface("dtmi:v:Thing;1", *[prop(name, schema) for name, schema in SCHEMAS.items()],
                         {"@type": "Component", "name": "meter", "schema": "dtmi:v:Meter;1"},
                         {"@type": "Relationship", "name": "feeds", "target": "dtmi:v:Thing;1",
                          "properties": [prop("since", "date"), prop("share", "double")]},
                         {"@type": "Telemetry", "name": "reading", "schema": "double"})
METER = interface("dtmi:v:Meter;1", prop("unit", "string"))
SUB = interface("dtmi:v:SubThing;1", extends="dtmi:v:Thing;1")


def thing(twin_id: str, model: str = "dtmi:v:Thing;1", **values: object) -> dict:
    return {"$dtId": twin_id, "$metadata": {"$model": model}, "meter": {"$metadata": {}}, **values}


def test_property_values_are_checked_against_their_schemas():
    bad = [thing(f"bad{i}", **{name: value}) for i, (name, value, _) in enumerate(BAD)]
    result, problems = check({"models": [VALUES_MODEL, METER], "twins": [thing("good", **GOOD), *bad]})
    expected_paths = [f"$.twins[{i + 1}].{name}" for i, (name, _, _) in enumerate(BAD)]
    assert [path.rsplit(".", 1)[0] if path.endswith(".type") else path for path, _ in problems] == [
        p.replace(".o", ".o.y") if i == BAD.index(("o", {"y": 1}, "a field of the Object (x)")) else
        p.replace(".o", ".o.x") if i == BAD.index(("o", {"x": "1"}, "a whole number")) else
        p.replace(".m", ".m.k") if name == "m" else p.replace(".a", ".a[1]") if name == "a" else p
        for i, (p, (name, _, _)) in enumerate(zip(expected_paths, BAD, strict=True))]
    for (path, message), (_, _, says) in zip(problems, BAD, strict=True):
        assert says in message, (path, message)
    assert result is None


def test_components_must_be_initialised_and_hold_their_interfaces_properties():
    twins = [thing("ok", meter={"$metadata": {}, "unit": "kWh"}), {**thing("none"), "meter": None},
             {k: v for k, v in thing("missing").items() if k != "meter"}, thing("extra", meter={"$metadata": {}, "volts": 1}),
             thing("inherited", model="dtmi:v:SubThing;1", reading=1.0)]
    twins[1].pop("meter")
    twins[1]["meter"] = {"unit": "kWh"}
    _, problems = check({"models": [VALUES_MODEL, METER, SUB], "twins": twins})
    assert problems == [
        ("$.twins[1].meter", 'the component as an object with "$metadata": {} and properties of \'dtmi:v:Meter;1\' '
         "(got {'unit': 'kWh'})"),
        ("$.twins[2]", 'component \'meter\' of dtmi:v:Thing;1 initialised: "meter": {"$metadata": {}} (Azure Digital '
         "Twins requires every component of a twin in its create request)"),
        ("$.twins[3].meter.volts", "a Property or Component its model dtmi:v:Meter;1 declares (the upload refuses others; "
         "it declares unit)"),
        ("$.twins[4].reading", "a Property or Component its model dtmi:v:SubThing;1 declares ('reading' is a Telemetry: "
         "telemetry is not stored on a twin)"),
    ]


def test_relationship_properties_are_the_relationships_own():
    twins = [thing("a"), thing("b"), thing("c", model="dtmi:v:SubThing;1")]
    relationships = [
        {"$dtId": "a", "$targetId": "b", "$relationshipName": "feeds", "since": "2024-01-01", "share": 0.5},
        {"$dtId": "a", "$targetId": "c", "$relationshipName": "feeds"},  # a SubThing is a Thing
        {"$dtId": "b", "$targetId": "a", "$relationshipName": "feeds", "since": "yesterday"},
        {"$dtId": "b", "$targetId": "c", "$relationshipName": "feeds", "colour": "red"},
    ]
    result, problems = check({"models": [VALUES_MODEL, METER, SUB], "twins": twins, "relationships": relationships})
    assert problems == [
        ("$.relationships[2].since", "an RFC 3339 full-date such as 2024-05-31 (date) (got 'yesterday'), as property "
         "'since' of relationship 'feeds' declares"),
        ("$.relationships[3].colour", "a property relationship 'feeds' of dtmi:v:Thing;1 declares (share, since); the "
         "upload refuses others"),
    ]
    result, problems = check({"models": [VALUES_MODEL, METER, SUB], "twins": twins, "relationships": relationships[:2]})
    assert problems == [] and result.relationships[0] == {
        "$sourceId": "a", "$targetId": "b", "$relationshipName": "feeds", "since": "2024-01-01", "share": 0.5,
        "$relationshipId": "a-feeds-b"}


def generated_models() -> list[dict]:
    """What the L4 stack generates for the Azure example (constructs_lib/azure/dtdl_models.py)."""
    from twin_model.config import load_project
    from cdk_app.stacks.azure.dtdl_upload import dtdl_upload
    from tests.conftest import REPO

    return dtdl_upload(load_project(REPO / "examples" / "factory-floor-azure"))[0]


def test_the_models_we_generate_are_valid_dtdl():
    assert verdict(generated_models()) == "valid"


@pytest.fixture(scope="module", autouse=True)
def parsed_at_once():
    """Every model set of this module through the parser in one Node.js process (the loader then
    finds the parser's result for each; ~1 s of Node start-up each otherwise)."""
    sets = [m for _, m, _ in AGREEMENT] + [CYCLE, NESTED_ERROR, UNKNOWN_CONTEXT, USED_OUTSIDE, V4,
                                            forty_interface_diamond(), diamond(9, 4, 3), [VALUES_MODEL, METER],
                                            [VALUES_MODEL, METER, SUB], generated_models()]
    dtdl_parser.prepare([dtdl_parser.models_text(json.loads(json.dumps(m))) for m in sets])
