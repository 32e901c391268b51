"""The simulated devices of a local run: their identities on L1's cloud and their links, in one
place (device identities will change with the fleet-scale work of issue #24); which of them a
run uses is L1's cloud's choice (`LocalCloud.device_links`, twin_ops/local/clouds).

- AWS IoT Core: a client certificate per device from the run's CA, CN = the device's MQTT client
  id (its thing name, `twin_contract.devices.client_id`), on the run's MQTT broker;
- Azure IoT Hub: the device identities the `azure-device-identities` post-deploy step registers
  (its local counterpart, twin_ops/post_deploy), and an X.509 client certificate per device, CN =
  the device id (IoT Hub's CA authentication);
- Google: the L1 telemetry topic, and the twin's one feedback subscription, read for every device.
MQTT links are amqtt clients on one asyncio loop, opened side by side.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from twin_model.config.model import Layer
from twin_model.topology import Topology
from twin_contract.devices import client_id, feedback_topic, telemetry_topic
from twin_ops.local.google_clients import Done
from twin_ops.local.standins import azure as azure_standins
from twin_ops.local.tls import LocalTls
from twin_ops.simulator.mqtt_link import MqttLinkError

OPENING = 16  # links opened at once
LINK_TIMEOUT = 60.0  # seconds for a CONNACK or PUBACK: one broker process serves the whole fleet here

Deliver = Callable[[str, str], None]  # (device, feedback text)


def mqtt_links(sessions: list[Any], port: int | None, ca_file: Path, deliver: Deliver) -> tuple[dict[str, Any], Callable[[], None]]:
    """One link per device session on the run's MQTT broker (`send(payload)`), its feedback handed
    to `deliver`; and what closes them all."""
    assert port is not None  # the broker runs whenever L1's devices speak MQTT
    fleet = MqttFleet(port, ca_file, deliver)
    try:
        links = fleet.open(sessions)
    except BaseException:
        fleet.close()
        raise
    return {session.device_id: link for session, link in zip(sessions, links, strict=True)}, fleet.close


def sessions(device_ids: list[str], session: Callable[[str], Any]) -> list[Any]:
    """Each device's MQTT session, made side by side (a client certificate each)."""
    with ThreadPoolExecutor(max_workers=OPENING) as pool:
        return list(pool.map(session, device_ids))


def iot_core_session(twin: str, device: str, tls: LocalTls, port: int, directory: Path) -> Any:
    """AWS IoT Core: the thing name as client id and certificate CN, the topics its policy allows."""
    from twin_ops.simulator.mqtt_link import MqttSession

    identity = client_id(twin, device)
    cert, key = tls.client_certificate(directory, identity)
    return MqttSession(device, "127.0.0.1", port, identity, telemetry_topic(twin, device), feedback_topic(twin, device),
                       str(tls.ca_file), str(cert), str(key))


def iot_hub_session(device: str, tls: LocalTls, port: int, directory: Path) -> Any:
    """Azure IoT Hub: the device id as client id and certificate CN (X.509 CA authentication),
    telemetry with the JSON property bag, feedback as the device twin's desired property."""
    from twin_ops.simulator.mqtt_link import MqttSession
    from twin_ops.simulator.sessions import IOT_HUB_JSON_PROPERTIES, desired_feedback

    cert, key = tls.client_certificate(directory, device)
    return MqttSession(device, "127.0.0.1", port, device, f"devices/{device}/messages/events/{IOT_HUB_JSON_PROPERTIES}",
                       azure_standins.device_feedback_topic(device), str(tls.ca_file), str(cert), str(key),
                       feedback_text=desired_feedback)


class MqttFleet:
    """Every device's MQTT connection (TLS, its own client certificate), on one asyncio loop of
    amqtt's client: a thousand connections need neither a thousand threads nor select()'s
    1,024-descriptor ceiling (paho's network loop uses select)."""

    def __init__(self, port: int, ca_file: Path, deliver: Deliver) -> None:
        self._port, self._ca, self._deliver = port, ca_file, deliver
        self._clients: list[Any] = []
        self._listeners: list[asyncio.Task[None]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mqtt-fleet", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Disconnect every device, then end the loop and its thread."""
        async def disconnect_all() -> None:
            for task in self._listeners:
                task.cancel()
            await asyncio.gather(*self._listeners, *(client.disconnect() for client in self._clients), return_exceptions=True)

        with contextlib.suppress(Exception):  # closing must not hide the run's outcome
            asyncio.run_coroutine_threadsafe(disconnect_all(), self._loop).result(LINK_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def open(self, sessions: list[Any]) -> list["FleetLink"]:
        async def connect_all() -> list[Any]:
            gate = asyncio.Semaphore(OPENING)

            async def one(session: Any) -> Any:
                async with gate:
                    return await self._connect(session)

            return await asyncio.gather(*(one(session) for session in sessions))

        clients = asyncio.run_coroutine_threadsafe(connect_all(), self._loop).result(LINK_TIMEOUT * 10)
        return [FleetLink(self, session, client) for session, client in zip(sessions, clients, strict=True)]

    async def _connect(self, session: Any) -> Any:
        from amqtt.client import MQTTClient
        from amqtt.mqtt.constants import QOS_1

        client = MQTTClient(client_id=session.client_id, config={
            "keep_alive": 60, "auto_reconnect": False, "connection_timeout": int(LINK_TIMEOUT), "plugins": {},
            "connection": {"uri": f"mqtts://127.0.0.1:{self._port}", "cafile": str(self._ca),
                           "certfile": session.certificate, "keyfile": session.private_key},
        })
        try:
            await client.connect()
        except Exception as error:
            raise MqttLinkError(f"{session.client_id}: 127.0.0.1 refused the connection: {error}") from error
        self._clients.append(client)
        await client.subscribe([(session.feedback_topic, QOS_1)])
        self._listeners.append(asyncio.ensure_future(self._listen(session, client)))
        return client

    async def _listen(self, session: Any, client: Any) -> None:
        while True:
            try:
                message = await client.deliver_message()
            except Exception:  # noqa: BLE001 - disconnected: the link is closing
                return
            if message is not None:
                self._deliver(session.device_id, session.feedback_text(bytes(message.data)))

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(LINK_TIMEOUT)


class FleetLink:
    def __init__(self, fleet: MqttFleet, session: Any, client: Any) -> None:
        self._fleet, self._session, self._client = fleet, session, client

    def send(self, payload: bytes) -> None:
        from amqtt.mqtt.constants import QOS_1

        try:
            self._fleet.call(self._client.publish(self._session.telemetry_topic, payload, qos=QOS_1))
        except Exception as error:
            raise MqttLinkError(f"{self._session.client_id}: publish failed: {error}") from error


def pubsub_links(topology: Topology, deployment: Any, platform: Any, device_ids: list[str], deliver: Deliver) -> dict[str, Any]:
    """Google: each device publishes to the L1 stack's telemetry topic; the twin's one feedback
    subscription is read once for every device (docs/design.md §7a), under the key ""."""
    from twin_contract.gcp_names import DEVICE_FEEDBACK_ROLE, resource_name
    from twin_ops.simulator.pubsub_link import PubSubFeedback, PubSubLink

    l1_stack = topology.stack_name(Layer.L1)
    topic = next(topic for label, topic, _ in deployment.google_triggers if label.startswith(f"{l1_stack}/"))
    publisher = SimpleNamespace(publish=lambda topic, data, **attrs: Done(platform.pubsub.publish(topic, data, attrs)))
    links: dict[str, Any] = {device: PubSubLink(topic, device, publisher=publisher) for device in device_ids}
    feedback = resource_name(topology.twin_name, DEVICE_FEEDBACK_ROLE)
    subscription = next((name for name in platform.pubsub.subscriptions if name.rsplit("/", 1)[-1] == feedback), None)
    if subscription is not None:

        def listen(name: str, callback: Callable) -> Any:
            def on_message(message: dict) -> None:
                callback(SimpleNamespace(data=base64.b64decode(message["data"]), attributes=message["attributes"], ack=lambda: None))

            platform.pubsub.listen(name, on_message)
            return SimpleNamespace(cancel=lambda: None)

        links[""] = PubSubFeedback(subscription, deliver, subscriber=SimpleNamespace(subscribe=listen))
    return links
