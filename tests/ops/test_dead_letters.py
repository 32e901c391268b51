"""The dead-letter catalogue names exactly the failure destinations the stacks create, each with
the place its messages came from.

Two sources of truth, neither the catalogue: a hand-written table for the bundled examples, and
the synthesized templates themselves (queues wired as on-failure destinations, error actions,
poison queues of the Function Apps' queues, the dispatcher's dead-letter topic).
"""

from __future__ import annotations

import json
import re

import pytest

from twin_model.config import load_project
from twin_model.config.model import Layer
from twin_model.topology import plan_project
from tests.conftest import REPO
from twin_ops.dead_letters import Kind, dead_letters, select

T = "factory-floor"
# (layer, kind, source, target) of the all-AWS example, written from the README's layer table.
AWS_EXAMPLE = {
    ("l3-hot", "stream-batch", f"{T}-hot-to-cold-failed", f"{T}-hot-to-cold"),
    ("l2", "lambda-async", f"{T}-processor-failed", f"{T}-processor"),
    ("l2", "lambda-async", f"{T}-persister-failed", f"{T}-persister"),
    ("l2", "lambda-async", f"{T}-event-checker-failed", f"{T}-event-checker"),
    ("l2", "lambda-async", f"{T}-feedback-failed", f"{T}-feedback"),
    ("l2", "lambda-async", f"{T}-action-high-temperature-callback-failed", f"{T}-action-high-temperature-callback"),
    ("l2", "lambda-async", f"{T}-action-log-incident-failed", f"{T}-action-log-incident"),
    ("l2", "lambda-async", f"{T}-action-notify-operator-failed", f"{T}-action-notify-operator"),
    ("l1", "lambda-async", f"{T}-dispatcher-failed", f"{T}-dispatcher"),
    ("l1", "iot-rule", f"{T}-telemetry-rejected", f"{T}-dispatcher"),
}
AZURE_EXAMPLE = {
    ("l2", "azure-poison", "processor-poison", "processor"),
    ("l2", "azure-poison", "persister-poison", "persister"),
    ("l2", "azure-poison", "event-checker-poison", "event-checker"),
    ("l2", "azure-poison", "event-actions-poison", "event-actions"),
    ("l2", "azure-poison", "feedback-poison", "feedback"),
    ("l1", "azure-poison", "telemetry-poison", "telemetry"),
    ("l1", "event-grid", "telemetry-deadletter", "telemetry"),
}
G = "factory-floor-gcp"
GCP_EXAMPLE = {("l1", "pubsub", f"{G}-telemetry-dead-letter-retained", f"{G}-telemetry")}
M = "factory-floor-mix"
MIXED_EXAMPLE = {  # L1 aws, L2 azure, hot azure, cold aws, archive azure
    ("l3-cold", "lambda-async", f"{M}-cold-to-archive-failed", f"{M}-cold-to-archive"),
    ("l2", "azure-poison", "processor-poison", "processor"),
    ("l2", "azure-poison", "persister-poison", "persister"),
    ("l2", "azure-poison", "event-checker-poison", "event-checker"),
    ("l2", "azure-poison", "event-actions-poison", "event-actions"),
    ("l2", "azure-poison", "feedback-poison", "feedback"),
    ("l1", "lambda-async", f"{M}-dispatcher-failed", f"{M}-dispatcher"),
    ("l1", "lambda-async", f"{M}-connector-failed", f"{M}-connector"),
    ("l1", "iot-rule", f"{M}-telemetry-rejected", f"{M}-dispatcher"),
}
EXAMPLES = {
    "factory-floor": AWS_EXAMPLE,
    "factory-floor-azure": AZURE_EXAMPLE,
    "factory-floor-gcp": GCP_EXAMPLE,
    "factory-floor-aws-azure": MIXED_EXAMPLE,
}


def catalogue(example: str):
    config = load_project(REPO / "examples" / example)
    return dead_letters(config, plan_project(config))


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_example_has_exactly_the_expected_destinations(example):
    found = {(d.layer.value, d.kind.value, d.source, d.target) for d in catalogue(example)}
    assert found == EXAMPLES[example]


def test_destinations_come_in_deploy_order_and_filter_by_layer():
    found = catalogue("factory-floor")
    assert [d.layer for d in found] == sorted((d.layer for d in found), key=[
        Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_HOT, Layer.L4, Layer.L2, Layer.L1, Layer.L5].index)
    assert {d.source for d in select(found, Layer.L1)} == {f"{T}-dispatcher-failed", f"{T}-telemetry-rejected"}
    assert select(found, Layer.L4) == ()
    assert len({d.key for d in found}) == len(found)


# -- the same, read from what synth wrote ------------------------------------------------------------


def _aws_wiring(synth) -> set[tuple[str, str, str]]:
    """(kind, queue name, function name) for every failure queue wired in the CloudFormation templates."""
    found = set()
    for stack in synth.assembly.stacks:
        resources = stack.template.get("Resources", {})
        names = {
            logical: r["Properties"].get("QueueName") or r["Properties"].get("FunctionName")
            for logical, r in resources.items()
            if r["Type"] in ("AWS::SQS::Queue", "AWS::Lambda::Function")
        }

        def ref(value, names: dict[str, str] = names) -> str:
            logical = value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
            return names[logical]

        for r in resources.values():
            props = r.get("Properties", {})
            if r["Type"] == "AWS::Lambda::EventInvokeConfig" and "OnFailure" in props.get("DestinationConfig", {}):
                found.add(("lambda-async", ref(props["DestinationConfig"]["OnFailure"]["Destination"]), ref(props["FunctionName"])))
            elif r["Type"] == "AWS::Lambda::EventSourceMapping" and "DestinationConfig" in props:
                found.add(("stream-batch", ref(props["DestinationConfig"]["OnFailure"]["Destination"]), ref(props["FunctionName"])))
            elif r["Type"] == "AWS::IoT::TopicRule":
                payload = props["TopicRulePayload"]
                (action,) = payload["Actions"]
                found.add(("iot-rule", ref(payload["ErrorAction"]["Sqs"]["QueueUrl"]), ref(action["Lambda"]["FunctionArn"])))
        queues = {r["Properties"]["QueueName"] for r in resources.values() if r["Type"] == "AWS::SQS::Queue"}
        assert queues <= {queue for _, queue, _ in found}, "a queue that is nobody's failure destination"
    return found


def _terraform_stacks(synth) -> dict[str, dict]:
    directory = synth.tf_outdir / "stacks"
    return {path.name: json.loads((path / "cdk.tf.json").read_text()) for path in sorted(directory.iterdir())} if directory.is_dir() else {}


def _resolve(resources: dict, reference: str) -> dict:
    kind, logical = re.fullmatch(r"\$\{(\w+)\.(\w+)\.(?:id|name)\}", reference).groups()
    return resources[kind][logical]


def _azure_wiring(synth) -> set[tuple[str, str, str, str]]:
    """(kind, account, source, target): each Function App queue's poison queue, and Event Grid's
    dead-letter container with the queue it delivers to."""
    found = set()
    for document in _terraform_stacks(synth).values():
        resources = document.get("resource", {})
        for queue in resources.get("azurerm_storage_queue", {}).values():
            account = _resolve(resources, queue["storage_account_id"])["name"]
            found.add(("azure-poison", account, f"{queue['name']}-poison", queue["name"]))
        for subscription in resources.get("azurerm_eventgrid_system_topic_event_subscription", {}).values():
            dead_letter, endpoint = subscription["storage_blob_dead_letter_destination"], subscription["storage_queue_endpoint"]
            account = _resolve(resources, dead_letter["storage_account_id"])["name"]
            assert _resolve(resources, endpoint["storage_account_id"])["name"] == account
            found.add(("event-grid", account, dead_letter["storage_blob_container_name"], endpoint["queue_name"]))
    return found


def _gcp_wiring(synth) -> set[tuple[str, str, str]]:
    """(kind, dead-letter subscription, topic the dispatcher is triggered by)."""
    found = set()
    for document in _terraform_stacks(synth).values():
        resources = document.get("resource", {})
        for function in resources.get("google_cloudfunctions2_function", {}).values():
            dead_letter_topic = function["service_config"].get("environment_variables", {}).get("DEAD_LETTER_TOPIC")
            if dead_letter_topic is None:
                continue
            source_topic = _resolve(resources, function["event_trigger"]["pubsub_topic"])["name"]
            for subscription in resources["google_pubsub_subscription"].values():
                if subscription["topic"] == dead_letter_topic:
                    found.add(("pubsub", subscription["name"], source_topic))
    return found


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_catalogue_matches_what_the_stacks_create(name, synthesized_examples):
    synth = synthesized_examples[name]
    found = catalogue(name)
    aws = {(d.kind.value, d.source, d.target) for d in found if d.kind in (Kind.LAMBDA_ASYNC, Kind.IOT_RULE, Kind.STREAM_BATCH)}
    azure = {(d.kind.value, d.account, d.source, d.target) for d in found if d.kind in (Kind.AZURE_POISON, Kind.EVENT_GRID)}
    gcp = {(d.kind.value, d.source, d.target) for d in found if d.kind is Kind.PUBSUB}
    assert aws == (_aws_wiring(synth) if hasattr(synth, "assembly") else set())
    assert azure == _azure_wiring(synth)
    assert gcp == _gcp_wiring(synth)
