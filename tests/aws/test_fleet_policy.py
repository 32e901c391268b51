"""The one IoT policy of every device, evaluated as IoT Core evaluates it: each device may connect
as itself and use only its own topics; another device's topic, client id or feedback is denied.

The evaluator (twin_ops/local/standins/iot_policy.py) is checked first against the IoT Core
documentation's own examples and rules (inputs we did not write), then applied to the synthesized
policy document."""

from __future__ import annotations

import pytest

from tests.aws import TWIN, resolve, resources_of_type
from twin_ops.local.standins.iot_policy import Connection, PolicyError, is_allowed, resource_arn

PREFIX = "arn:aws:iot:eu-central-1:123456789012:"
L1 = f"{TWIN}-l1"


def allowed(documents, action, name, connection) -> bool:
    return is_allowed(documents, action, resource_arn(PREFIX, action, name), connection)


# --- the evaluator against the IoT Core documentation ----------------------------------------------

# "Connect and publish policy examples": registered things, thing name from the client id.
THING_NAME_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["iot:Publish"], "Resource": [f"{PREFIX}topic/${{iot:Connection.Thing.ThingName}}"]},
        {"Effect": "Allow", "Action": ["iot:Connect"], "Resource": [f"{PREFIX}client/${{iot:Connection.Thing.ThingName}}"]},
    ],
}
# "AWS IoT Core policy variables": the client id in a topic.
CLIENT_ID_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["iot:Connect"], "Resource": [f"{PREFIX}client/clientid1"]},
        {"Effect": "Allow", "Action": ["iot:Publish"], "Resource": [f"{PREFIX}topic/my/topic/${{iot:ClientId}}"]},
    ],
}


def test_documented_thing_name_policy_needs_the_thing_attached_and_named_like_the_client():
    attached = Connection("thing1", attached_things={"thing1": {}})
    assert allowed([THING_NAME_POLICY], "iot:Connect", "thing1", attached)
    assert allowed([THING_NAME_POLICY], "iot:Publish", "thing1", attached)
    assert not allowed([THING_NAME_POLICY], "iot:Publish", "thing2", attached)
    # The certificate attached to no thing: the variable does not resolve, nothing is allowed.
    assert not allowed([THING_NAME_POLICY], "iot:Connect", "thing1", Connection("thing1"))
    # Attached to a thing of another name: the client id must match the thing name.
    assert not allowed([THING_NAME_POLICY], "iot:Connect", "other", Connection("other", attached_things={"thing1": {}}))


def test_documented_client_id_policy_and_implicit_deny():
    client = Connection("clientid1")
    assert allowed([CLIENT_ID_POLICY], "iot:Connect", "clientid1", client)
    assert not allowed([CLIENT_ID_POLICY], "iot:Connect", "clientid2", Connection("clientid2"))
    assert allowed([CLIENT_ID_POLICY], "iot:Publish", "my/topic/clientid1", client)
    assert not allowed([CLIENT_ID_POLICY], "iot:Publish", "my/topic/clientid2", client)
    assert not allowed([CLIENT_ID_POLICY], "iot:Subscribe", "my/topic/clientid1", client)  # not granted: denied


def test_star_is_a_wildcard_plus_and_hash_are_literal_and_an_explicit_deny_wins():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:*", "Resource": f"{PREFIX}topicfilter/a/*"},
        {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{PREFIX}topicfilter/b/+"},
        {"Effect": "Deny", "Action": "iot:Subscribe", "Resource": f"{PREFIX}topicfilter/a/secret"},
    ]}
    client = Connection("c")
    assert allowed([policy], "iot:Subscribe", "a/x/y", client)
    assert not allowed([policy], "iot:Subscribe", "a/secret", client)
    assert allowed([policy], "iot:Subscribe", "b/+", client)  # the literal filter `b/+`
    assert not allowed([policy], "iot:Subscribe", "b/x", client)  # `+` is no wildcard in a policy


def test_a_substituted_value_is_literal_and_special_characters_have_variables():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:Publish", "Resource": f"{PREFIX}topic/t/${{iot:ClientId}}"},
        {"Effect": "Allow", "Action": "iot:Publish", "Resource": f"{PREFIX}topic/lit/${{*}}"},
    ]}
    assert not allowed([policy], "iot:Publish", "t/anything", Connection("*"))  # a client id `*` is no wildcard
    assert allowed([policy], "iot:Publish", "t/*", Connection("*"))
    assert allowed([policy], "iot:Publish", "lit/*", Connection("c")) and not allowed([policy], "iot:Publish", "lit/x", Connection("c"))


def test_a_condition_with_several_values_matches_any_of_them_and_a_negated_one_none_of_them():
    # IAM's condition rules ("Creating a condition with multiple keys or values"): several values of
    # one key are ORed; for a negated operator (StringNotEquals, ArnNotLike, ...) the key must match
    # none of them.
    def policy(operator):
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
                                                         "Condition": {operator: {"iot:ClientId": ["a", "b*"]}}}]}

    for client, like, not_like in (("a", True, False), ("bee", True, False), ("c", False, True)):
        assert allowed([policy("StringLike")], "iot:Connect", client, Connection(client)) is like, client
        assert allowed([policy("StringNotLike")], "iot:Connect", client, Connection(client)) is not_like, client
    assert not allowed([policy("StringNotEquals")], "iot:Connect", "a", Connection("a"))
    assert allowed([policy("StringNotEquals")], "iot:Connect", "c", Connection("c"))


def test_variables_are_literal_in_old_documents_and_unknown_elements_are_refused():
    old = {"Version": "2008-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{PREFIX}client/${{iot:ClientId}}"}]}
    assert not allowed([old], "iot:Connect", "c", Connection("c"))
    assert allowed([old], "iot:Connect", "${iot:ClientId}", Connection("c"))
    for broken in (
        {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "iot:Connect", "Resource": "*"}]},
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*", "Principal": "*"}]},
        {"Version": "2099-01-01", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]},
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "${iot:Nope}"}]},
    ):
        with pytest.raises(PolicyError):
            allowed([broken], "iot:Connect", "c", Connection("c"))


# --- the twin's fleet policy ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet(example):
    (policy,) = resources_of_type(example.template(L1), "AWS::IoT::Policy").values()
    return [resolve(policy["Properties"]["PolicyDocument"])]


def device(name: str, provisioned: bool = True) -> Connection:
    """A device connected with its own certificate, as provisioning left it (thing <twin>-<id>)."""
    thing = f"{TWIN}-{name}"
    return Connection(thing, attached_things={thing: {"device_id": name}} if provisioned else {})


def test_a_device_connects_only_as_its_own_thing(fleet):
    assert allowed(fleet, "iot:Connect", f"{TWIN}-press-01", device("press-01"))
    # Connecting with another device's client id resolves to no attached thing: denied.
    impostor = Connection(f"{TWIN}-conveyor-01", attached_things={f"{TWIN}-press-01": {"device_id": "press-01"}})
    assert not allowed(fleet, "iot:Connect", f"{TWIN}-conveyor-01", impostor)
    # A certificate not (yet) attached to its thing connects to nothing.
    assert not allowed(fleet, "iot:Connect", f"{TWIN}-press-01", device("press-01", provisioned=False))


def test_a_device_publishes_only_its_own_telemetry(fleet):
    press = device("press-01")
    assert allowed(fleet, "iot:Publish", f"dt/{TWIN}/press-01/telemetry", press)
    assert not allowed(fleet, "iot:Publish", f"dt/{TWIN}/conveyor-01/telemetry", press)  # another device's topic
    assert not allowed(fleet, "iot:Publish", f"dt/{TWIN}/press-01/feedback", press)  # its feedback is not its to send
    assert not allowed(fleet, "iot:Publish", "dt/other-twin/press-01/telemetry", press)
    assert not allowed(fleet, "iot:Publish", f"dt/{TWIN}/press-01/telemetry", device("press-01", provisioned=False))


def test_a_device_subscribes_to_and_receives_only_its_own_feedback(fleet):
    press = device("press-01")
    assert allowed(fleet, "iot:Subscribe", f"dt/{TWIN}/press-01/feedback", press)
    assert allowed(fleet, "iot:Receive", f"dt/{TWIN}/press-01/feedback", press)
    for other in (f"dt/{TWIN}/conveyor-01/feedback", f"dt/{TWIN}/+/feedback", f"dt/{TWIN}/#", "#"):
        assert not allowed(fleet, "iot:Subscribe", other, press), other
    assert not allowed(fleet, "iot:Receive", f"dt/{TWIN}/conveyor-01/feedback", press)
    assert not allowed(fleet, "iot:RetainPublish", f"dt/{TWIN}/press-01/telemetry", press)


def test_a_device_id_with_mqtt_wildcards_gains_nothing(fleet):
    """Device ids are [A-Za-z0-9_-]+ (the loader); were one `+`, its filter would still be literal."""
    plus = device("+")
    assert allowed(fleet, "iot:Subscribe", f"dt/{TWIN}/+/feedback", plus)  # the literal filter only
    assert not allowed(fleet, "iot:Receive", f"dt/{TWIN}/press-01/feedback", plus)
