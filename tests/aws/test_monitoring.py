"""Alarms, alarm channel and health dashboard of the all-AWS example (README, Operating a twin).

The expected alarms are written by hand from the README's layer table: per function errors and
throttles, per failure queue "not empty", the telemetry rule's errors; no bridge alarm (no bridge).
"""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from tests.aws import resources_of_type

T = "factory-floor"
HOME, LAST = f"{T}-l3-archive", f"{T}-l5"  # first and last AWS stacks in deploy order


def functions(*roles: str) -> set[str]:
    return {f"{T}-{role}-{metric}" for role in roles for metric in ("errors", "throttles")}


def queues(*names: str) -> set[str]:
    return {f"{T}-{name}-not-empty" for name in names}


ACTIONS = ("action-high-temperature-callback", "action-log-incident", "action-notify-operator")
EXPECTED = {
    f"{T}-l3-archive": set(),
    f"{T}-l3-cold": set(),
    f"{T}-l3-hot": functions("hot-reader", "hot-reader-last-entry", "hot-to-cold") | queues("hot-to-cold-failed"),
    f"{T}-l4": set(),
    f"{T}-l2": functions("processor", "persister", "event-checker", "feedback", *ACTIONS)
    | queues(*(f"{role}-failed" for role in ("processor", "persister", "event-checker", "feedback", *ACTIONS))),
    f"{T}-l1": functions("dispatcher")
    | queues("dispatcher-failed", "telemetry-rejected")
    | {f"{T}-iot-rule-errors"},
    f"{T}-l5": set(),
}


def alarm_names(example, stack: str) -> set[str]:
    return {a["Properties"]["AlarmName"] for a in resources_of_type(example.template(stack), "AWS::CloudWatch::Alarm").values()}


def test_each_stack_alarms_exactly_its_own_functions_queues_and_rule(example):
    assert {stack: alarm_names(example, stack) for stack in EXPECTED} == EXPECTED


def test_alarms_fire_on_the_first_failure_and_notify_when_they_fire_and_clear(example):
    template = Template.from_json(example.template(f"{T}-l2"))
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmName": f"{T}-persister-errors", "Namespace": "AWS/Lambda", "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": f"{T}-persister"}], "Statistic": "Sum", "Period": 300,
        "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching", "AlarmActions": [Match.any_value()], "OKActions": [Match.any_value()],
    })
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmName": f"{T}-persister-failed-not-empty", "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible", "Statistic": "Maximum", "Threshold": 1,
        "TreatMissingData": "ignore",
    })


def test_the_rule_alarm_adds_parse_errors_and_throttled_messages(example):
    (alarm,) = [a["Properties"] for a in resources_of_type(example.template(f"{T}-l1"), "AWS::CloudWatch::Alarm").values()
                if a["Properties"]["AlarmName"] == f"{T}-iot-rule-errors"]
    stats = {m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Dimensions"]
             for m in alarm["Metrics"] if "MetricStat" in m}
    assert stats == {"ParseError": [{"Name": "RuleName", "Value": "factory_floor_telemetry"}],
                     "RuleMessageThrottled": [{"Name": "RuleName", "Value": "factory_floor_telemetry"}]}
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert expression == "FILL(parse, 0) + FILL(throttled, 0)"


def test_the_channel_is_an_encrypted_tls_only_topic_cloudwatch_may_publish_to(example):
    template = Template.from_json(example.template(HOME))
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.has_resource_properties("AWS::SNS::Topic", {"TopicName": f"{T}-alarms", "KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    (policy,) = resources_of_type(example.template(HOME), "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    publish = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(publish) == 1 and publish[0]["Effect"] == "Allow" and publish[0]["Action"] == "sns:Publish"
    source = json.dumps(publish[0]["Condition"]["ArnLike"]["aws:SourceArn"])
    assert f":alarm:{T}-*" in source  # only the twin's own alarms
    assert [s for s in statements if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}]
    (key,) = resources_of_type(example.template(HOME), "AWS::KMS::Key").values()
    cloudwatch = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                  if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(cloudwatch) == 1 and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_the_dashboard_shows_every_layer_in_data_order_in_the_last_stack(example):
    (dashboard,) = resources_of_type(example.template(LAST), "AWS::CloudWatch::Dashboard").values()
    body = "".join(part if isinstance(part, str) else "REF" for part in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1])
    widgets = json.loads(body)["widgets"]
    titles = [w["properties"].get("title", "") for w in widgets]
    layer_rows = [t.split(":")[0] for t in titles if ":" in t]
    assert list(dict.fromkeys(layer_rows)) == ["L1 ingestion", "L2 processing", "L3 hot storage"]
    assert f"{T}-dispatcher" in body and f"{T}-hot-to-cold-failed" in body and "factory_floor_telemetry" in body
    for role in ("processor", "persister", "event-checker", "feedback", "hot-reader", "hot-to-cold", *ACTIONS):
        assert f'"FunctionName","{T}-{role}"' in body.replace(" ", "")
    assert "DigitalTwin/Bridges" not in body  # no bridge in an all-AWS twin
