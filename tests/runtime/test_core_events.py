import pytest

from runtime.core.events import load_rules
from twin_contract.events import Constant, PropertyRef, parse_condition


@pytest.mark.parametrize(
    ("text", "record", "fires"),
    [
        ("room.sensor.temperature > DOUBLE(30)", {"temperature": 30.5}, True),
        ("room.sensor.temperature > DOUBLE(30)", {"temperature": 30}, False),
        ("room.sensor.temperature < INTEGER(0)", {"temperature": -1}, True),
        ("room.sensor.status == STRING(alarm)", {"status": "alarm"}, True),
        ("room.sensor.status == STRING(alarm)", {"status": "ok"}, False),
        ("DOUBLE(10) < room.sensor.level", {"level": 11}, True),
        ("a.b.inside > a.b.outside", {"inside": 22, "outside": 5}, True),
        ("room.sensor.temperature > DOUBLE(30)", {"humidity": 99}, False),
        ("room.sensor.temperature > DOUBLE(30)", {"temperature": "hot"}, False),
    ],
)
def test_conditions_evaluate_against_the_record(text: str, record: dict, fires: bool) -> None:
    assert parse_condition(text).holds(record) is fires


def test_only_the_last_segment_of_a_reference_is_used() -> None:
    condition = parse_condition("entity.component.temperature == INTEGER(3)")
    assert condition.left == PropertyRef("temperature") and condition.right == Constant(3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("temperature > ", "three"),
        ("a.b.c >= DOUBLE(1)", "unknown operator"),
        ("a.b.c > 30", "neither a property reference"),
        ("a.b.c > DOUBLE(warm)", "not a valid DOUBLE"),
        ("a.b.c > INTEGER(1.5)", "not a valid INTEGER"),
        ("DOUBLE(1) < DOUBLE(2)", "two constants"),
        ("a..c > DOUBLE(1)", "neither a property reference"),
        (None, "three"),
    ],
)
def test_bad_conditions_raise_value_error(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_condition(text)


def test_rules_are_loaded_with_their_definition() -> None:
    definition = {"condition": "a.b.t > DOUBLE(1)", "action": {"type": "lambda", "functionName": "alarm"}}
    (rule,) = load_rules([definition])
    assert rule.definition == definition and rule.action["functionName"] == "alarm"
    assert rule.condition.holds({"t": 2})


@pytest.mark.parametrize(
    "definitions", [{"not": "a list"}, [{"condition": "a.b.t > DOUBLE(1)"}], [{"condition": "bad", "action": {}}]]
)
def test_bad_rule_files_raise(definitions: object) -> None:
    with pytest.raises(ValueError):
        load_rules(definitions)
