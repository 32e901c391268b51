"""Google alert policies, notification channel and health dashboard (README, Alarms and Health dashboard).

The expected policies are written by hand from the README's tables: per layer with functions one
policy on their 5xx and 429 responses, one per dead-letter subscription, and where a Google
function sends over a bridge, the log-based metrics and their alert in the first Google stack.
"""

from __future__ import annotations

import json
import re

import pytest

TWIN = "factory-floor-gcp"
POLICY = "google_monitoring_alert_policy"
FUNCTION_ERRORS = "function errors and throttles"

# Example (L1-L3 on Google): deploy order l3-archive, l3-cold, l3-hot, (l4, AWS), l2, l1, (l5, AWS).
EXAMPLE_POLICIES = {
    "l1": {f"{TWIN} l1: {FUNCTION_ERRORS}", f"{TWIN}-telemetry-dead-letter-retained holds messages"},
    "l2": {f"{TWIN} l2: {FUNCTION_ERRORS}"},
    "l3-hot": {f"{TWIN} l3-hot: {FUNCTION_ERRORS}"},
    "l3-cold": set(),  # Google cold and archive behind a Google hot store: lifecycle rules, no functions
    "l3-archive": set(),
}


def of_type(document: dict, kind: str) -> dict:
    return document.get("resource", {}).get(kind, {})


@pytest.fixture(scope="module")
def example(gcp_synth):
    return gcp_synth("example")


@pytest.fixture(scope="module")
def sending(gcp_synth):
    """Google L2 (persister → AWS hot) and cold (cold → AWS archive) send over bridges; Google
    stacks in deploy order: l3-cold, then l2."""
    return gcp_synth("google-l2-and-cold")


def stack(example, layer: str) -> dict:
    return example.stack_json(f"{TWIN}-{layer}")


def test_each_layer_has_exactly_its_policies(example):
    found = {layer: {p["display_name"] for p in of_type(stack(example, layer), POLICY).values()} for layer in EXAMPLE_POLICIES}
    assert found == EXAMPLE_POLICIES


def test_policies_open_on_the_first_failure_and_notify_when_they_open_and_close(example, sending):
    count = 0
    for synth in (example, sending):
        for name in synth.stack_names:
            for policy in of_type(synth.stack_json(name), POLICY).values():
                assert policy["alert_strategy"]["notification_prompts"] == ["OPENED", "CLOSED"]
                assert "Operating a twin" in policy["documentation"]["content"]
                for condition in policy["conditions"]:
                    threshold = condition["condition_threshold"]
                    assert (threshold["comparison"], threshold["threshold_value"], threshold["duration"]) == (
                        "COMPARISON_GT", 0, "0s")
                    assert threshold["trigger"] == {"count": 1}
                count += 1
    assert count >= 5


def test_function_errors_open_one_incident_per_function_on_5xx_and_429(example):
    for layer in ("l1", "l2", "l3-hot"):
        document = stack(example, layer)
        services = sorted(f["name"] for f in of_type(document, "google_cloudfunctions2_function").values())
        (policy,) = [p for p in of_type(document, POLICY).values() if p["display_name"].endswith(FUNCTION_ERRORS)]
        filters = {}
        for condition in policy["conditions"]:
            threshold = condition["condition_threshold"]
            (aggregation,) = threshold["aggregations"]
            assert aggregation["group_by_fields"] == ["resource.label.service_name"]  # an incident per function
            assert aggregation["per_series_aligner"] == "ALIGN_DELTA" and aggregation["cross_series_reducer"] == "REDUCE_SUM"
            filters[condition["display_name"]] = threshold["filter"]
        assert set(filters) == {"5xx responses (failed executions)", "429 responses (throttled)"}
        assert 'metric.labels.response_code_class="5xx"' in filters["5xx responses (failed executions)"]
        assert 'metric.labels.response_code="429"' in filters["429 responses (throttled)"]
        for text in filters.values():
            assert 'metric.type="run.googleapis.com/request_count"' in text
            (listed,) = re.findall(r"resource\.labels\.service_name=one_of\(([^)]*)\)", text)
            assert sorted(name.strip().strip('"') for name in listed.split(",")) == services


def test_the_dead_letter_policy_watches_the_retained_subscription(example):
    (policy,) = [p for p in of_type(stack(example, "l1"), POLICY).values() if p["display_name"].endswith("holds messages")]
    (condition,) = policy["conditions"]
    assert condition["condition_threshold"]["filter"] == (
        'metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages" AND resource.type="pubsub_subscription" '
        f'AND resource.labels.subscription_id="{TWIN}-telemetry-dead-letter-retained"'
    )
    subscriptions = [s["name"] for s in of_type(stack(example, "l1"), "google_pubsub_subscription").values()]
    assert f"{TWIN}-telemetry-dead-letter-retained" in subscriptions


def test_the_channel_is_a_pubsub_topic_cloud_monitoring_may_publish_to(example):
    home = stack(example, "l3-archive")  # the first Google stack in deploy order
    (topic_id,) = [k for k, t in of_type(home, "google_pubsub_topic").items() if t["name"] == f"{TWIN}-alarms"]
    (channel,) = of_type(home, "google_monitoring_notification_channel").values()
    assert (channel["type"], channel["display_name"], channel["labels"]) == (
        "pubsub", f"{TWIN}-alarms", {"topic": f"${{google_pubsub_topic.{topic_id}.id}}"})
    topic_ref = f"${{google_pubsub_topic.{topic_id}.id}}"
    members = [m for m in of_type(home, "google_pubsub_topic_iam_member").values() if m["topic"] == topic_ref]
    assert len(members) == 1 and members[0]["role"] == "roles/pubsub.publisher"
    assert members[0]["member"].endswith("@gcp-sa-monitoring-notification.iam.gserviceaccount.com")
    for layer in ("l1", "l2", "l3-hot", "l3-cold"):
        assert not of_type(stack(example, layer), "google_monitoring_notification_channel"), layer


def test_the_dashboard_is_in_the_last_google_stack_with_every_layer_in_data_order(example):
    for layer in ("l2", "l3-hot", "l3-cold", "l3-archive"):
        assert not of_type(stack(example, layer), "google_monitoring_dashboard"), layer
    (dashboard,) = of_type(stack(example, "l1"), "google_monitoring_dashboard").values()
    document = json.loads(dashboard["dashboard_json"])
    assert document["displayName"] == f"{TWIN}-health"
    titles = [w["title"] for w in document["gridLayout"]["widgets"]]
    assert titles == [
        "L1 ingestion: records per hop", "L1 ingestion: failed (5xx) and throttled (429) responses",
        f"L1 ingestion: dead letters in {TWIN}-telemetry-dead-letter-retained",
        "L2 processing: records per hop", "L2 processing: failed (5xx) and throttled (429) responses",
        "L3 hot storage: records per hop", "L3 hot storage: failed (5xx) and throttled (429) responses",
    ]  # no bridge row: no Google function sends over a bridge here


def test_bridge_failures_are_log_based_metrics_and_an_alert_in_the_first_google_stack(sending):
    first, last = sending.stack_json(f"{TWIN}-l3-cold"), sending.stack_json(f"{TWIN}-l2")
    assert not of_type(last, "google_logging_metric")
    metrics = {m["name"]: m for m in of_type(first, "google_logging_metric").values()}
    assert set(metrics) == {f"{TWIN}-bridge-failures", f"{TWIN}-bridge-retried", f"{TWIN}-bridge-latency"}
    lines = f'jsonPayload.event="dt.bridge.delivery" AND jsonPayload.Twin="{TWIN}"'
    assert metrics[f"{TWIN}-bridge-failures"]["filter"] == f'{lines} AND jsonPayload.outcome="failed"'
    assert metrics[f"{TWIN}-bridge-retried"]["filter"] == f"{lines} AND jsonPayload.DeliveryRetries>0"
    assert metrics[f"{TWIN}-bridge-latency"]["value_extractor"] == "EXTRACT(jsonPayload.DeliveryLatency)"
    (alert,) = [p for p in of_type(first, POLICY).values() if p["display_name"].endswith("bridge delivery failures")]
    (condition,) = alert["conditions"]
    assert f'metric.type="logging.googleapis.com/user/{TWIN}-bridge-failures"' in condition["condition_threshold"]["filter"]
    (dashboard,) = of_type(last, "google_monitoring_dashboard").values()
    titles = [w["title"] for w in json.loads(dashboard["dashboard_json"])["gridLayout"]["widgets"]]
    assert titles[-2:] == ["Bridges: delivery latency (ms, 99th percentile)", "Bridges: retried and failed deliveries"]
