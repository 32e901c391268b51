"""Issue #17, synthesized output: every failure destination has an alarm, every function an error
alarm, every alarm an action on the twin's channel, and each cloud in use one health dashboard.

Checked on the bundled examples (all-AWS, all-Azure, Google, AWS + Azure) and on a twin spanning
all three clouds with an alarm e-mail. What must be covered comes from the dead-letter catalogue
(itself checked against hand tables and the templates in test_dead_letters.py) and from the
functions the templates define; what covers it is read from the templates.
"""

from __future__ import annotations

import json
import re

import pytest

from twin_model.config.model import Provider
from tests.conftest import REPO, WITHOUT_EVENTS, synthesize_project, write_project
from tests.ops.test_dead_letters import EXAMPLES, catalogue
from tests.test_cross_cloud_paths import synth_variant
from twin_ops.dead_letters import Kind, dead_letters

ADDRESS = "twin-operators@example.com"
# L1 AWS → L2 Azure → hot Google → cold and archive Azure; twin and dashboards on AWS: every cloud
# sends over a bridge (connector, persister, hot→cold mover; the twin's reader queries).
THREE_CLOUDS = {
    "layer_1_provider": "aws",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "google",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "azure",
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}


@pytest.fixture(scope="module")
def three_clouds(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("three-clouds")
    administrator = {"admin_email": ADDRESS, "admin_first_name": "Ada", "admin_last_name": "Lovelace"}
    project = write_project(workdir / "project", THREE_CLOUDS, **WITHOUT_EVENTS, config_user=administrator)
    return synthesize_project(project, workdir)


# Terraform-only synths of tests/test_cross_cloud_paths.py with the L1 feedback receiver split off
# onto Azure (google-pipeline) and Google (azure-l2-google-l1, whose AWS Grafana reads Azure
# dashboard readers); the examples put it on AWS (factory-floor-aws-azure).
FEEDBACK_TWINS = ("google-pipeline", "azure-l2-google-l1")


@pytest.fixture(scope="module", params=[*sorted(EXAMPLES), "three-clouds", *FEEDBACK_TWINS])
def twin(request, synthesized_examples, tmp_path_factory):
    """(synth, dead-letter catalogue) of each twin."""
    if request.param == "three-clouds":
        synth = request.getfixturevalue("three_clouds")
        return synth, dead_letters(synth.config, synth.topology)
    if request.param in FEEDBACK_TWINS:
        _, synth = synth_variant(request.param, tmp_path_factory)
        return synth, dead_letters(synth.config, synth.topology)
    return synthesized_examples[request.param], catalogue(request.param)


def test_the_twins_split_the_feedback_receiver_off_on_every_cloud(synthesized_examples, tmp_path_factory):
    """So the generic checks below see a part stack on each cloud (item 5 of issue #17)."""
    synths = [synthesized_examples["factory-floor-aws-azure"], *(synth_variant(n, tmp_path_factory)[1] for n in FEEDBACK_TWINS)]
    parts = {(stack.part.value, stack.cloud) for synth in synths for stack in synth.topology.stacks if stack.part}
    assert parts == {("l1-feedback", Provider.AWS), ("l1-feedback", Provider.AZURE), ("l1-feedback", Provider.GOOGLE)}


# -- reading the synthesized output -------------------------------------------------------------------


def cloudformation(synth) -> dict[str, dict]:
    """Stack name → template of every AWS stack (none for a Terraform-only synth)."""
    if not hasattr(synth, "assembly"):
        return {}
    return {stack.stack_name: stack.template for stack in synth.assembly.stacks}


def terraform(synth) -> dict[str, dict]:
    directory = synth.tf_outdir / "stacks"
    return {p.name: json.loads((p / "cdk.tf.json").read_text()) for p in sorted(directory.iterdir())} if directory.is_dir() else {}


def of_type(document: dict, kind: str) -> dict:
    if "Resources" in document:
        return {k: r for k, r in document["Resources"].items() if r["Type"] == kind}
    return document.get("resource", {}).get(kind, {})


def aws_alarms(template: dict) -> list[dict]:
    return [r["Properties"] for r in of_type(template, "AWS::CloudWatch::Alarm").values()]


def aws_alarm_on(template: dict, namespace: str, metric: str, dimension: tuple[str, str]) -> list[dict]:
    name, value = dimension
    return [
        alarm for alarm in aws_alarms(template)
        if alarm.get("Namespace") == namespace and alarm.get("MetricName") == metric
        and {"Name": name, "Value": value} in alarm.get("Dimensions", [])
        and alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    ]


def first_and_last(synth, cloud: Provider) -> tuple[str, str] | None:
    """Names of the cloud's first and last stack in deploy order (parts split off a layer included)."""
    names = [stack.name for stack in synth.topology.stacks if stack.cloud is cloud]
    return (names[0], names[-1]) if names else None


# -- every failure destination has an alarm -------------------------------------------------------------


def test_every_failure_destination_has_an_alarm(twin):
    synth, destinations = twin
    assert destinations, "each of these twins parks failures somewhere"
    templates, documents = cloudformation(synth), terraform(synth)
    for d in destinations:
        stack = synth.topology.stack_name(d.layer)
        if d.kind in (Kind.LAMBDA_ASYNC, Kind.IOT_RULE, Kind.STREAM_BATCH):
            if stack not in templates:
                continue  # a Terraform-only synth of a twin with AWS layers
            alarms = aws_alarm_on(templates[stack], "AWS/SQS", "ApproximateNumberOfMessagesVisible", ("QueueName", d.source))
            assert len(alarms) == 1, f"{d.source} in {stack}"
            assert alarms[0]["TreatMissingData"] == "ignore"  # an untouched queue keeps its alarm
        elif d.kind is Kind.AZURE_POISON:
            alerts = of_type(documents[stack], "azurerm_monitor_scheduled_query_rules_alert_v2").values()
            insights = _only(of_type(documents[stack], "azurerm_application_insights"))
            covering = [
                alert for alert in alerts
                if "MaxDequeueCount" in alert["criteria"][0]["query"] and f'"{d.source}"' in alert["criteria"][0]["query"]
            ]
            assert len(covering) == 1, f"{d.source} in {stack}"
            assert covering[0]["scopes"] == [f"${{azurerm_application_insights.{insights}.id}}"]
        elif d.kind is Kind.EVENT_GRID:
            alerts = of_type(documents[stack], "azurerm_monitor_metric_alert").values()
            topic = _only(of_type(documents[stack], "azurerm_eventgrid_system_topic"))
            covering = [a for a in alerts if a["criteria"][0]["metric_name"] == "DeadLetteredCount"]
            assert len(covering) == 1 and covering[0]["scopes"] == [f"${{azurerm_eventgrid_system_topic.{topic}.id}}"]
            assert covering[0]["criteria"][0]["operator"] == "GreaterThan" and covering[0]["criteria"][0]["threshold"] == 0
        else:
            assert d.kind is Kind.PUBSUB
            filters = [
                condition["condition_threshold"]["filter"]
                for policy in of_type(documents[stack], "google_monitoring_alert_policy").values()
                for condition in policy["conditions"]
            ]
            assert [f for f in filters if "num_undelivered_messages" in f and f'subscription_id="{d.source}"' in f], d.source


def _only(resources: dict) -> str:
    (name,) = resources
    return name


# -- every function has an error alarm --------------------------------------------------------------------


def test_every_function_has_an_error_and_a_throttle_alarm(twin):
    synth, _ = twin
    checked = 0
    for stack, template in cloudformation(synth).items():
        for function in of_type(template, "AWS::Lambda::Function").values():
            name = function["Properties"].get("FunctionName")
            if name is None:
                # Unnamed: CDK's deploy-time handlers of custom resources (their failures fail the deployment).
                assert function["Properties"]["Handler"] in ("index.handler", "framework.onEvent"), function
                continue
            for metric in ("Errors", "Throttles"):
                assert len(aws_alarm_on(template, "AWS/Lambda", metric, ("FunctionName", name))) == 1, (stack, name, metric)
            checked += 1
    for stack, document in terraform(synth).items():
        apps = of_type(document, "azurerm_function_app_flex_consumption")
        for app in apps.values():
            insights = re.fullmatch(r"\$\{azurerm_application_insights\.(\w+)\.connection_string\}",
                                    app["site_config"]["application_insights_connection_string"]).group(1)
            failures = [
                alert for alert in of_type(document, "azurerm_monitor_scheduled_query_rules_alert_v2").values()
                if alert["criteria"][0]["query"].startswith("requests\n| where success == false")
                and alert["scopes"] == [f"${{azurerm_application_insights.{insights}.id}}"]
            ]
            assert len(failures) == 1, stack
            assert failures[0]["criteria"][0]["dimension"][0]["name"] == "function"  # one alert per function
            checked += len(app["app_settings"]["DT_FUNCTIONS"].split(","))
        policies = of_type(document, "google_monitoring_alert_policy").values()
        for function in of_type(document, "google_cloudfunctions2_function").values():
            errors = [
                condition["condition_threshold"]["filter"]
                for policy in policies
                for condition in policy["conditions"]
                if 'run.googleapis.com/request_count' in condition["condition_threshold"]["filter"]
                and f'"{function["name"]}"' in condition["condition_threshold"]["filter"]
            ]
            assert any('response_code_class="5xx"' in f for f in errors), function["name"]
            assert any('response_code="429"' in f for f in errors), function["name"]
            checked += 1
    assert checked, "every twin runs functions"


# -- every alarm has an action on the twin's channel ------------------------------------------------------


def channel_in_first_stack(synth, cloud: Provider, documents: dict[str, dict], kind: str) -> tuple[str, dict]:
    """The cloud's first stack and its `kind` resources, after checking no other stack holds one;
    skips the test for a twin without stacks on the cloud."""
    ends = first_and_last(synth, cloud)
    if not documents or ends is None:
        pytest.skip(f"no {cloud.value} stacks in this synth")
    home = ends[0]
    found = {stack: of_type(document, kind) for stack, document in documents.items()}
    assert {stack for stack, resources in found.items() if resources} == {home}
    return home, found[home]


def test_every_aws_alarm_notifies_the_twins_topic_from_the_first_aws_stack(twin):
    synth, _ = twin
    templates = cloudformation(synth)
    home, topics = channel_in_first_stack(synth, Provider.AWS, templates, "AWS::SNS::Topic")
    (topic_id, topic), = topics.items()
    assert topic["Properties"]["TopicName"] == f"{synth.config.name}-alarms"
    exports = {o["Export"]["Name"]: o["Value"] for o in templates[home].get("Outputs", {}).values() if "Export" in o}
    for stack, template in templates.items():
        for alarm in aws_alarms(template):
            for actions in (alarm["AlarmActions"], alarm["OKActions"]):
                (action,) = actions
                if stack == home:
                    assert action == {"Ref": topic_id}
                else:  # the home stack's export of the topic
                    assert exports[action["Fn::ImportValue"]] == {"Ref": topic_id}, (stack, alarm["AlarmName"])
            assert alarm["AlarmName"].startswith(f"{synth.config.name}-")  # what the topic lets publish


def test_every_azure_alert_notifies_the_twins_action_group(twin):
    synth, _ = twin
    documents = terraform(synth)
    home, groups = channel_in_first_stack(synth, Provider.AZURE, documents, "azurerm_monitor_action_group")
    (group_id, group), = groups.items()
    assert group["name"] == f"{synth.config.name}-alarms"
    home_group = f"/resourceGroups/{home}-rg/providers/Microsoft.Insights/actionGroups/{synth.config.name}-alarms"
    count = 0
    for stack, document in documents.items():
        for kind, read in (("azurerm_monitor_scheduled_query_rules_alert_v2", lambda a: a["action"]["action_groups"]),
                           ("azurerm_monitor_metric_alert", lambda a: [x["action_group_id"] for x in a["action"]])):
            for alert in of_type(document, kind).values():
                (target,) = read(alert)
                if stack == home:
                    assert target == f"${{azurerm_monitor_action_group.{group_id}.id}}"
                else:
                    assert target == "/subscriptions/${data.azurerm_client_config.client.subscription_id}" + home_group
                count += 1
    assert count


def test_every_google_alert_notifies_the_twins_channels(twin):
    synth, _ = twin
    documents = terraform(synth)
    home, channels = channel_in_first_stack(synth, Provider.GOOGLE, documents, "google_monitoring_notification_channel")
    pubsub = [name for name, c in channels.items() if c["type"] == "pubsub"]
    assert len(pubsub) == 1
    count = 0
    for stack, document in documents.items():
        for policy in of_type(document, "google_monitoring_alert_policy").values():
            assert policy["notification_channels"], stack
            for channel in policy["notification_channels"]:
                if stack == home:
                    assert re.fullmatch(r"\$\{google_monitoring_notification_channel\.(\w+)\.id\}", channel)
                else:  # a CDK Terrain cross-stack reference to the home stack's channel
                    assert f"cross-stack-reference-input-{home}.outputs" in channel
                    assert "google_monitoring_notification_channelAlarmChannel" in channel
            count += 1
    assert count


# -- one dashboard per cloud in use ----------------------------------------------------------------------


def test_each_cloud_in_use_has_one_health_dashboard_in_its_last_stack(twin):
    synth, _ = twin
    name = f"{synth.config.name}-health"
    templates, documents = cloudformation(synth), terraform(synth)
    if templates and (ends := first_and_last(synth, Provider.AWS)):
        dashboards = {s: of_type(t, "AWS::CloudWatch::Dashboard") for s, t in templates.items()}
        found = {s: [d["Properties"]["DashboardName"] for d in ds.values()] for s, ds in dashboards.items() if ds}
        assert found == {ends[1]: [name]}
    for cloud, kind, read in (
        (Provider.AZURE, "azurerm_application_insights_workbook", lambda r: r["display_name"]),
        (Provider.GOOGLE, "google_monitoring_dashboard", lambda r: json.loads(r["dashboard_json"])["displayName"]),
    ):
        ends = first_and_last(synth, cloud)
        if ends is None:
            continue
        found = {s: [read(r) for r in of_type(d, kind).values()] for s, d in documents.items() if of_type(d, kind)}
        assert found == {ends[1]: [name]}, cloud


def test_no_alarm_is_per_device(twin):
    """Alarms per function and per queue: a fleet's size never changes them (bench: 1,000 devices)."""
    synth, _ = twin
    text = json.dumps([aws_alarms(t) for t in cloudformation(synth).values()]) + json.dumps([
        of_type(d, kind) for d in terraform(synth).values()
        for kind in ("azurerm_monitor_scheduled_query_rules_alert_v2", "azurerm_monitor_metric_alert",
                     "google_monitoring_alert_policy")
    ])
    assert not [device.id for device in synth.config.devices if device.id in text]


# -- the e-mail from config_user.json, on every cloud -----------------------------------------------------


def test_the_alarm_email_is_subscribed_on_every_cloud(three_clouds):
    templates, documents = cloudformation(three_clouds), terraform(three_clouds)
    twin = three_clouds.config.name
    subscriptions = [r["Properties"] for t in templates.values() for r in of_type(t, "AWS::SNS::Subscription").values()]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", ADDRESS)]
    (group,) = [g for d in documents.values() for g in of_type(d, "azurerm_monitor_action_group").values()]
    assert [(r["email_address"], r["use_common_alert_schema"]) for r in group["email_receiver"]] == [(ADDRESS, True)]
    channels = [c for d in documents.values() for c in of_type(d, "google_monitoring_notification_channel").values()]
    assert sorted((c["type"], c["labels"].get("email_address")) for c in channels) == [("email", ADDRESS), ("pubsub", None)]
    assert twin and ADDRESS not in repr(three_clouds.config)


def test_without_an_email_no_one_is_subscribed(synthesized_examples):
    synth = synthesized_examples["factory-floor-aws-azure"]
    assert not [r for t in cloudformation(synth).values() for r in of_type(t, "AWS::SNS::Subscription").values()]
    (group,) = [g for d in terraform(synth).values() for g in of_type(d, "azurerm_monitor_action_group").values()]
    assert "email_receiver" not in group


def test_every_sending_cloud_alarms_on_bridge_failures(three_clouds):
    """The senders' metric (twin_contract.monitoring) on each cloud that sends over a bridge."""
    templates, documents = cloudformation(three_clouds), terraform(three_clouds)
    twin = three_clouds.config.name
    (alarm,) = [a for t in templates.values() for a in aws_alarms(t) if a.get("Namespace") == "DigitalTwin/Bridges"]
    assert (alarm["MetricName"], alarm["Dimensions"]) == ("DeliveryFailures", [{"Name": "Twin", "Value": twin}])
    azure = [a for d in documents.values() for a in of_type(d, "azurerm_monitor_scheduled_query_rules_alert_v2").values()
             if '"dt.bridge.delivery"' in a["criteria"][0]["query"]]
    assert [a["name"] for a in azure] == [f"{twin}-l2-bridge-delivery-failures"]  # the persister's stack
    metrics = [m for d in documents.values() for m in of_type(d, "google_logging_metric").values()]
    failures = [m for m in metrics if 'jsonPayload.outcome="failed"' in m["filter"]]
    assert len(failures) == 1 and f'jsonPayload.Twin="{twin}"' in failures[0]["filter"]
    policies = [p for d in documents.values() for p in of_type(d, "google_monitoring_alert_policy").values()]
    assert [p for p in policies if f'logging.googleapis.com/user/{failures[0]["name"]}' in json.dumps(p["conditions"])]


def test_alarms_name_no_file_outside_the_repository():
    """The runbook the alarms point to is the README's section (docs must not cite outside files)."""
    assert "## Operating a twin" in (REPO / "README.md").read_text()
