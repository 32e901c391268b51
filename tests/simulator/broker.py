"""The local runs' MQTT broker that installs with the project (amqtt, whatever else the machine
has) on 127.0.0.1 with two TLS listeners, and an observing MQTT client.

`device_port` requires a client certificate from the test CA whose CN is the client id (as AWS
IoT Core's device policy and IoT Hub's X.509 authentication do); `password_port` only checks the
server side and accepts any username/password (standing in for IoT Hub's SAS authentication,
which no local broker can verify).
"""

from __future__ import annotations

import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from twin_ops.local import broker as local_broker
from twin_ops.local.services import free_port, wait_for_port
from tests.simulator.tls_material import IssuedCertificate, TestAuthority


@dataclass(frozen=True)
class Broker:
    authority: TestAuthority
    device_port: int
    password_port: int
    name: str = ""


def start_broker(folder: Path) -> tuple[Broker, subprocess.Popen]:
    authority = TestAuthority(folder)
    server = authority.issue("localhost", server=True)
    device_port, password_port = free_port(), free_port()
    log = folder / "broker.log"
    name, process = local_broker.start(folder, authority.certificate, server.certificate, server.private_key,
                                       [(device_port, True), (password_port, False)], log, mosquitto=False)
    try:
        wait_for_port(device_port, process, name, log, timeout=20)
        wait_for_port(password_port, process, name, log, timeout=20)
    except Exception:
        process.kill()
        process.wait(10)
        raise
    return Broker(authority, device_port, password_port, name), process


@dataclass
class Observer:
    """Subscribes to `topic_filter`; answers each message with `reply(topic, payload)` → (topic, payload) or None."""

    client: mqtt.Client
    received: list[tuple[str, bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def observe(broker: Broker, port: int, topic_filter: str, reply, identity: IssuedCertificate) -> Observer:
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="observer", protocol=mqtt.MQTTv311)
    client.tls_set(
        ca_certs=str(broker.authority.certificate),
        certfile=str(identity.certificate),
        keyfile=str(identity.private_key),
        cert_reqs=ssl.CERT_REQUIRED,
        tls_version=ssl.PROTOCOL_TLS_CLIENT,
    )
    observer = Observer(client)

    def on_message(client, userdata, message) -> None:
        observer.received.append((message.topic, message.payload))
        observer.arrived.set()
        answer = reply(message.topic, message.payload)
        if answer is not None:
            client.publish(*answer, qos=1)

    client.on_message = on_message
    client.on_subscribe = lambda *args: ready.set()
    client.on_connect = lambda client, userdata, flags, code, props: client.subscribe(topic_filter, qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not ready.wait(10):
        observer.close()
        raise RuntimeError("the observer could not subscribe")
    return observer
