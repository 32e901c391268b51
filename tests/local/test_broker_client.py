"""The runner's own MQTT client (twin_ops/local/mqtt.py: the IoT rules' and IoT Hub routing's
subscriptions) hands each message to the callbacks whose topic filter matches it, MQTT 3.1.1 §4.7."""

from __future__ import annotations

from types import SimpleNamespace

import paho.mqtt.client as paho

from twin_ops.local.mqtt import MqttClient, matches

# (filter, topic, matches): '+' one whole level, '#' the rest and its parent level, '$' topics not
# matched by a filter starting with a wildcard
CASES = [
    ("dt/t/+/telemetry", "dt/t/press-01/telemetry", True),
    ("dt/t/+/telemetry", "dt/t/press-01/feedback", False),
    ("dt/t/+/telemetry", "dt/t/a/b/telemetry", False),
    ("dt/t/#", "dt/t", True),
    ("dt/t/#", "dt/t/press-01/telemetry", True),
    ("dt/t/#", "dt/other", False),
    ("devices/+/messages/events/#", "devices/press-01/messages/events/$.ct=application%2Fjson&$.ce=utf-8", True),
    ("#", "$iothub/twin/PATCH/properties/desired/?$version=2", False),
    ("dt/t/press-01/telemetry", "dt/t/press-01/telemetry", True),
    ("dt/t/press-01/telemetry", "dt/t/press-011/telemetry", False),
]


def test_each_filter_matches_the_topics_mqtt_matches():
    assert [(topic_filter, topic, matches(topic_filter, topic)) for topic_filter, topic, _ in CASES] == CASES


def test_a_message_reaches_each_matching_callback_and_paho_matches_a_topic_once(monkeypatch):
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(paho, "topic_matches_sub", lambda f, t: asked.append((f, t)) or f.split("/")[0] == t.split("/")[0])
    matches.cache_clear()
    client, got = MqttClient.__new__(MqttClient), []
    client._callbacks = [("dt/+", lambda topic, payload: got.append(("dt", topic))),
                         ("other/+", lambda topic, payload: got.append(("other", topic)))]
    for _ in range(100):
        client._on_message(None, None, SimpleNamespace(topic="dt/press-01", payload=b"{}"))
    assert got == [("dt", "dt/press-01")] * 100
    assert sorted(asked) == [("dt/+", "dt/press-01"), ("other/+", "dt/press-01")]  # once each, not per message
    matches.cache_clear()
