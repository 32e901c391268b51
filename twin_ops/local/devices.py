"""The simulated devices of a local run: their identities on L1's cloud and their links, in one
place (device identities will change with the fleet-scale work of issue #24).

- AWS IoT Core: a client certificate per device from the run's CA, CN = the device's MQTT client
  id (its thing name, `twin_contract.devices.client_id`), on the run's MQTT broker;
- Azure IoT Hub: the device identities the `azure-device-identities` post-deploy step registers,
  and an X.509 client certificate per device, CN = the device id (IoT Hub's CA authentication);
- Google: the L1 telemetry topic, and each device's filtered feedback subscription.
Links open side by side (a fleet of 1,000 opens in seconds, not one TLS handshake after another).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cdk_app.config.model import Layer, ProjectConfig, Provider
from cdk_app.topology import Topology
from twin_contract.devices import client_id, feedback_topic, telemetry_topic
from twin_ops.local.google_clients import Done
from twin_ops.local.standins import azure as azure_standins
from twin_ops.local.tls import LocalTls

OPENING = 16  # links opened at once
LINK_TIMEOUT = 60.0  # seconds for a CONNACK or PUBACK: one broker process serves the whole fleet here

Deliver = Callable[[str, str], None]  # (device, feedback text)


def register(config: ProjectConfig, platform: Any) -> None:
    """What the post-deploy steps register beyond the stacks: the IoT Hub device identities."""
    platform.iot_hub.devices = {device.id for device in config.devices}


def open_links(config: ProjectConfig, topology: Topology, deployment: Any, platform: Any, tls: LocalTls,
               mqtt_port: int | None, workdir: Path, deliver: Deliver) -> dict[str, Any]:
    """One link per device (`send(payload)`, `close()`), its feedback handed to `deliver`."""
    device_ids = sorted({device.id for device in config.devices})
    if topology.cloud(Layer.L1) is Provider.GOOGLE:
        return _pubsub_links(topology, deployment, platform, device_ids, deliver)
    aws = topology.cloud(Layer.L1) is Provider.AWS
    with ThreadPoolExecutor(max_workers=OPENING) as pool:
        links = list(pool.map(lambda device: _mqtt_link(config.name, device, aws, tls, mqtt_port, workdir / "tls", deliver),
                              device_ids))
    return dict(zip(device_ids, links, strict=True))


def _mqtt_link(twin: str, device: str, aws: bool, tls: LocalTls, port: int | None, directory: Path, deliver: Deliver) -> Any:
    from twin_ops.simulator.mqtt_link import MqttLink, MqttSession
    from twin_ops.simulator.sessions import IOT_HUB_JSON_PROPERTIES, desired_feedback

    ca = str(tls.ca_file)
    if aws:
        identity = client_id(twin, device)
        cert, key = tls.client_certificate(directory, identity)
        session = MqttSession(device, "127.0.0.1", port, identity, telemetry_topic(twin, device), feedback_topic(twin, device),
                              ca, str(cert), str(key))
    else:
        cert, key = tls.client_certificate(directory, device)
        session = MqttSession(device, "127.0.0.1", port, device, f"devices/{device}/messages/events/{IOT_HUB_JSON_PROPERTIES}",
                              azure_standins.device_feedback_topic(device), ca, str(cert), str(key), feedback_text=desired_feedback)
    return MqttLink(session, deliver, timeout=LINK_TIMEOUT)


def _pubsub_links(topology: Topology, deployment: Any, platform: Any, device_ids: list[str], deliver: Deliver) -> dict[str, Any]:
    from twin_ops.simulator.pubsub_link import PubSubLink

    l1_stack = topology.stack_name(Layer.L1)
    topic = next(topic for label, topic, _ in deployment.google_triggers if label.startswith(f"{l1_stack}/"))
    feedback = {}
    for name, subscription in platform.pubsub.subscriptions.items():
        if subscription.filter({"device_id": "\x00"}):
            continue  # not one device's feedback subscription
        feedback.update({device: name for device in device_ids if subscription.filter({"device_id": device})})
    publisher = SimpleNamespace(publish=lambda topic, data, **attrs: Done(platform.pubsub.publish(topic, data, attrs)))

    def listen(subscription: str, callback: Callable) -> Any:
        def on_message(message: dict) -> None:
            callback(SimpleNamespace(data=base64.b64decode(message["data"]), attributes=message["attributes"], ack=lambda: None))

        platform.pubsub.listen(subscription, on_message)
        return SimpleNamespace(cancel=lambda: None)

    subscriber = SimpleNamespace(subscribe=listen)
    return {device: PubSubLink(topic, device, feedback.get(device), deliver, publisher=publisher, subscriber=subscriber)
            for device in device_ids}
