"""Azure alerts, action group and health workbook of the Azure examples (README, Alarms and Health dashboard).

The expected alerts are written by hand from the README's tables: per layer with functions one
failure alert over its Application Insights, one poison alert over the layer's queues, on L1 the
Event Grid metrics, and a bridge alert where a layer's functions send over a bridge.
"""

from __future__ import annotations

import json

import pytest

from cdk_app.stacks.azure.bundle import HOST_JSON
from tests import found
from tests.azure.conftest import resources

LOG_ALERT = "azurerm_monitor_scheduled_query_rules_alert_v2"
METRIC_ALERT = "azurerm_monitor_metric_alert"
AZ, MIX = "factory-floor-az", "factory-floor-mix"

# stack -> {alert name: what it watches (poison queues of the layer, Event Grid metric, or None)}
EXPECTED = {
    ("azure_example", f"{AZ}-l1"): {
        f"{AZ}-l1-function-failures": None,
        f"{AZ}-l1-poison-messages": ("telemetry-poison",),
        f"{AZ}-l1-telemetry-dead-lettered": "DeadLetteredCount",
        f"{AZ}-l1-telemetry-dropped": "DroppedEventCount",
        f"{AZ}-l1-telemetry-not-published": "PublishFailCount",
    },
    ("azure_example", f"{AZ}-l2"): {
        f"{AZ}-l2-function-failures": None,
        f"{AZ}-l2-poison-messages": ("processor-poison", "persister-poison", "event-checker-poison",
                                     "event-actions-poison", "feedback-poison"),
    },
    ("azure_example", f"{AZ}-l3-hot"): {f"{AZ}-l3-hot-function-failures": None},
    # Lifecycle rules, Azure Digital Twins and Grafana run no functions: nothing to alert on.
    ("azure_example", f"{AZ}-l3-cold"): {},
    ("azure_example", f"{AZ}-l3-archive"): {},
    ("azure_example", f"{AZ}-l4"): {},
    ("azure_example", f"{AZ}-l5"): {},
    # L2 receives from AWS L1 and writes to the hot store on Azure; hot sends to cold on AWS.
    ("mixed_example", f"{MIX}-l3-hot"): {
        f"{MIX}-l3-hot-function-failures": None,
        f"{MIX}-l3-hot-bridge-delivery-failures": None,
    },
}


def alert_names(synth, stack: str) -> set[str]:
    return {a["name"] for kind in (LOG_ALERT, METRIC_ALERT) for a in resources(synth, stack, kind).values()}


@pytest.mark.parametrize(("example", "stack"), list(EXPECTED))
def test_each_layer_alerts_exactly_on_what_it_runs(request, example, stack):
    synth = request.getfixturevalue(example)
    assert alert_names(synth, stack) == set(EXPECTED[(example, stack)])


def test_alerts_fire_on_the_first_failure_and_notify_when_they_fire_and_clear(azure_example):
    for layer in ("l1", "l2", "l3-hot"):
        for alert in found(resources(azure_example, f"{AZ}-{layer}", LOG_ALERT).values(), f"log alerts of {layer}"):
            (criteria,) = alert["criteria"]
            assert (criteria["time_aggregation_method"], criteria["operator"], criteria["threshold"]) == (
                "Count", "GreaterThanOrEqual", 1)
            assert criteria["failing_periods"] == {"minimum_failing_periods_to_trigger_alert": 1,
                                                   "number_of_evaluation_periods": 1}
            assert (alert["window_duration"], alert["evaluation_frequency"]) == ("PT5M", "PT5M")
            assert alert["auto_mitigation_enabled"] is True  # resolved: the action group hears it clear
    for alert in found(resources(azure_example, f"{AZ}-l1", METRIC_ALERT).values(), "metric alerts"):
        (criteria,) = alert["criteria"]
        assert (criteria["metric_namespace"], criteria["aggregation"], criteria["operator"], criteria["threshold"]) == (
            "Microsoft.EventGrid/systemTopics", "Total", "GreaterThan", 0)
        assert alert["auto_mitigate"] is True
        (topic,) = resources(azure_example, f"{AZ}-l1", "azurerm_eventgrid_system_topic")
        assert alert["scopes"] == [f"${{azurerm_eventgrid_system_topic.{topic}.id}}"]


def test_one_failure_alert_per_function_and_one_poison_alert_per_queue(azure_example, mixed_example):
    """Each log alert splits by a dimension, so each function, queue or receiver fires on its own."""
    dimension = {"function-failures": "function", "poison-messages": "queue", "bridge-delivery-failures": "receiver"}
    seen = set()
    for (example, stack), expected in EXPECTED.items():
        synth = azure_example if example == "azure_example" else mixed_example
        for alert in resources(synth, stack, LOG_ALERT).values():
            kind = alert["name"].removeprefix(f"{stack}-")
            (criteria,) = alert["criteria"]
            assert criteria["dimension"] == [{"name": dimension[kind], "operator": "Include", "values": ["*"]}]
            if kind == "poison-messages":
                # The Functions host's warning when it moves a message: "Message has reached
                # MaxDequeueCount of 5. Moving message to queue '<queue>-poison'."
                assert 'message has "MaxDequeueCount"' in criteria["query"]
                assert f'where queue in ({", ".join(f"{chr(34)}{q}{chr(34)}" for q in expected[alert["name"]])})' in criteria["query"]
            if kind == "bridge-delivery-failures":
                assert '"dt.bridge.delivery"' in criteria["query"] and '== "failed"' in criteria["query"]
            seen.add(kind)
    assert seen == set(dimension)


def test_executions_are_never_sampled_so_every_failure_is_counted():
    """Application Insights may sample traces; requests (executions) are excluded (README, Alarms)."""
    sampling = HOST_JSON["logging"]["applicationInsights"]["samplingSettings"]
    assert "Request" in sampling["excludedTypes"].split(";")


def test_the_action_group_has_no_receiver_without_an_email(azure_example):
    (group,) = resources(azure_example, f"{AZ}-l3-archive", "azurerm_monitor_action_group").values()
    assert (group["name"], group["location"]) == (f"{AZ}-alarms", "global")
    assert "email_receiver" not in group


def test_the_workbook_shows_every_layer_with_functions_and_the_bridges(azure_example, mixed_example):
    (workbook,) = resources(azure_example, f"{AZ}-l5", "azurerm_application_insights_workbook").values()
    assert (workbook["display_name"], workbook["category"]) == (f"{AZ}-health", "workbook")
    titles = [item["content"].get("title") for item in json.loads(workbook["data_json"])["items"] if item["type"] == 3]
    assert titles == [
        "L1 ingestion: records per hop", "L1 ingestion: failures", "L1 ingestion: messages parked in poison queues",
        "L2 processing: records per hop", "L2 processing: failures", "L2 processing: messages parked in poison queues",
        "L3 hot storage: records per hop", "L3 hot storage: failures",
    ]  # no bridge group: an all-Azure twin has no bridge
    (workbook,) = resources(mixed_example, f"{MIX}-l2", "azurerm_application_insights_workbook").values()
    items = [item["content"] for item in json.loads(workbook["data_json"])["items"] if item["type"] == 3]
    bridges = {item["title"]: item["query"] for item in items if item["title"].startswith("Bridges:")}
    assert set(bridges) == {"Bridges: delivery latency (ms)", "Bridges: retries and failed deliveries"}
    assert "avg(todouble(line.DeliveryLatency))" in bridges["Bridges: delivery latency (ms)"]
    assert "percentile(todouble(line.DeliveryLatency), 99)" in bridges["Bridges: delivery latency (ms)"]
    assert "sum(toint(line.DeliveryRetries))" in bridges["Bridges: retries and failed deliveries"]
    assert "sum(toint(line.DeliveryFailures))" in bridges["Bridges: retries and failed deliveries"]


@pytest.fixture(scope="module")
def grafana_only(tmp_path_factory):
    """All-AWS but L5 on Azure: the Azure side runs no function (Terraform-only synth)."""
    from tests.conftest import ALL_AWS, write_project
    from tests.gcp.synth import synth_terraform

    workdir = tmp_path_factory.mktemp("grafana-only")
    return synth_terraform(write_project(workdir / "project", {**ALL_AWS, "layer_5_provider": "azure"}), workdir)


def test_a_cloud_without_functions_gets_its_channel_but_no_alert_or_workbook(grafana_only):
    assert grafana_only.stack_names == ["factory-floor-l5"]
    document = grafana_only.stack_json("factory-floor-l5")
    assert [g["name"] for g in document["resource"]["azurerm_monitor_action_group"].values()] == ["factory-floor-alarms"]
    for kind in (LOG_ALERT, METRIC_ALERT, "azurerm_application_insights_workbook", "azurerm_application_insights"):
        assert kind not in document["resource"], kind
