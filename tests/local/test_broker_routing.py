"""The local broker (amqtt's, twin_ops/local/broker.py) delivers a message to every subscription
whose filter matches its topic, by MQTT 3.1.1's rules (§4.7), and finds them without trying every
filter: each device subscribes to its own feedback topic, so trying them all made a message's
cost grow with the fleet."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from twin_ops.local.broker import _broker_class, broker_config
from twin_ops.local.tls import make_tls

FLEET = 500
# topic published → the clients that must receive it (each once), from MQTT 3.1.1 §4.7: '+' one
# level, '#' any number of levels (its parent too), a '$' topic matched by no filter starting with
# a wildcard, a filter without wildcards only by its own topic.
EXPECTED = {
    "dt/t/d0007/feedback": {"d0007", "everything", "dt-tree"},
    "dt/t/d0007/telemetry": {"rule", "everything", "dt-tree"},
    "dt/t": {"everything", "dt-tree"},
    "dt/t/d0007/feedback/extra": {"everything", "dt-tree"},
    "$iothub/twin/PATCH/properties/desired/?$version=2": {"iothub"},
    "other": {"everything"},
}
FILTERS = {"rule": "dt/t/+/telemetry", "everything": "#", "dt-tree": "dt/t/#",
           "iothub": "$iothub/twin/PATCH/properties/desired/#"}


class Handler:
    def __init__(self, client_id: str, sent: list[tuple[str, str, int]]) -> None:
        self.client_id, self.sent = client_id, sent

    async def mqtt_publish(self, topic: str, data: bytes, qos: int, retain: bool) -> None:
        self.sent.append((self.client_id, topic, qos))


def _session(client_id: str, state: str = "connected", clean: bool = True) -> SimpleNamespace:
    return SimpleNamespace(client_id=client_id, transitions=SimpleNamespace(state=state), clean_session=clean,
                           is_anonymous=False, retained_messages=asyncio.Queue())


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    tls = make_tls(tmp_path_factory.mktemp("tls"))
    return {"ca": str(tls.ca_file), "cert": str(tls.cert_file), "key": str(tls.key_file),
            "listeners": [{"port": 1883, "require_certificate": True}]}


async def _broker_with_fleet(spec: dict, amqtts_own: bool = False) -> tuple[object, list[tuple[str, str, int]], dict[str, SimpleNamespace]]:
    from amqtt.broker import Broker

    broker = (Broker if amqtts_own else _broker_class({"127.0.0.1:1883"}))(broker_config(spec))
    sent: list[tuple[str, str, int]] = []
    sessions = {}
    subscriptions = [(f"d{index:04d}", f"dt/t/d{index:04d}/feedback") for index in range(FLEET)] + list(FILTERS.items())
    for client_id, topic_filter in subscriptions:
        session = sessions[client_id] = _session(client_id)
        broker._sessions[client_id] = (session, Handler(client_id, sent))
        assert await broker.add_subscription((topic_filter, 1), session) == 1
    return broker, sent, sessions


async def _deliver(broker, topic: str) -> None:
    tasks: list[asyncio.Task] = []
    await broker._broadcast_message(None, topic, b"{}")
    await broker._run_broadcast(tasks)
    await asyncio.gather(*tasks)


@pytest.mark.parametrize("amqtts_own", [False, True], ids=["ours", "amqtt's own"])
def test_each_message_reaches_exactly_the_matching_subscriptions_at_their_qos(spec, amqtts_own):
    async def scenario() -> None:
        broker, sent, _ = await _broker_with_fleet(spec, amqtts_own)
        for topic, receivers in EXPECTED.items():
            sent.clear()
            await _deliver(broker, topic)
            assert sorted(client for client, _, _ in sent) == sorted(receivers), topic
            assert {(delivered, qos) for _, delivered, qos in sent} == {(topic, 1)}

    asyncio.run(scenario())


def test_a_message_tries_the_wildcard_filters_only_not_every_devices_filter(spec):
    async def scenario() -> None:
        broker, sent, _ = await _broker_with_fleet(spec)
        tried: list[str] = []
        matches = broker._matches
        broker._matches = lambda topic, topic_filter: tried.append(topic_filter) or matches(topic, topic_filter)
        await _deliver(broker, "dt/t/d0007/telemetry")
        assert sorted(tried) == sorted(FILTERS.values())  # 4 wildcard filters, none of the 500 devices' own
        assert sorted(client for client, _, _ in sent) == ["dt-tree", "everything", "rule"]

    asyncio.run(scenario())


def test_an_unsubscribed_or_disconnected_client_gets_nothing_and_a_persistent_one_gets_it_later(spec):
    async def scenario() -> None:
        broker, sent, sessions = await _broker_with_fleet(spec)
        broker._del_subscription("dt/t/+/telemetry", sessions["rule"])  # UNSUBSCRIBE
        await broker._del_all_subscriptions(sessions["dt-tree"])  # a clean session's end
        sessions["everything"].transitions.state = "disconnected"  # clean session: nothing kept
        sessions["d0007"].transitions.state, sessions["d0007"].clean_session = "disconnected", False
        for topic in ("dt/t/d0007/telemetry", "dt/t/d0007/feedback"):
            await _deliver(broker, topic)
        assert sent == []
        kept = sessions["d0007"].retained_messages
        assert kept.qsize() == 1 and kept.get_nowait().topic == "dt/t/d0007/feedback"  # MQTT 3.1.2.4: QoS 1, kept
        assert await broker.add_subscription(("dt/t/+/telemetry", 1), sessions["rule"]) == 1  # subscribed again
        tried: list[str] = []
        matches = broker._matches
        broker._matches = lambda topic, topic_filter: tried.append(topic_filter) or matches(topic, topic_filter)
        await _deliver(broker, "dt/t/d0007/telemetry")
        assert [client for client, _, _ in sent] == ["rule"]
        assert "dt/t/#" not in tried  # its last subscriber gone, no message tries it any more

    asyncio.run(scenario())


def test_a_connection_costs_nothing_per_topic_filter_when_no_message_is_retained(spec):
    """amqtt passes every topic filter of the broker to the retained-message publisher at each
    connection (and logs the subscriptions' repr after each SUBSCRIBE, with debug off too)."""
    async def scenario() -> None:
        broker, sent, sessions = await _broker_with_fleet(spec)
        assert len(repr(broker._subscriptions)) < 40  # not every session's repr
        logged: list[str] = []
        broker.logger.debug = logged.append
        for topic_filter in list(broker._subscriptions):
            await broker._publish_retained_messages_for_subscription((topic_filter, 0), sessions["rule"])
        assert logged == [] and sent == []
        await broker.retain_message(None, "dt/t/d0007/telemetry", b"{}", 1)  # a retained message still reaches a new subscriber
        await broker._publish_retained_messages_for_subscription(("dt/t/+/telemetry", 1), sessions["rule"])
        assert sent == [("rule", "dt/t/d0007/telemetry", 1)]

    asyncio.run(scenario())
