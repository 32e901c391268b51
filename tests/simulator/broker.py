"""A real mosquitto on 127.0.0.1 with two TLS listeners, and an observing MQTT client.

`device_port` requires a client certificate from the test CA (as AWS IoT Core does);
`password_port` only checks the server side and accepts any username/password (standing in for
IoT Hub's SAS authentication, which mosquitto cannot verify).
"""

from __future__ import annotations

import getpass
import shutil
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

from twin_ops.local.services import free_port, wait_for_port
from tests.simulator.tls_material import IssuedCertificate, TestAuthority

MOSQUITTO = shutil.which("mosquitto") or next(
    (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).is_file()), None
)


@dataclass(frozen=True)
class Broker:
    authority: TestAuthority
    device_port: int
    password_port: int


def start_broker(folder: Path) -> tuple[Broker, subprocess.Popen]:
    authority = TestAuthority(folder)
    server = authority.issue("localhost", server=True)
    device_port, password_port = free_port(), free_port()
    tls = f"cafile {authority.certificate}\ncertfile {server.certificate}\nkeyfile {server.private_key}\n"
    config = folder / "mosquitto.conf"
    config.write_text(
        f"user {getpass.getuser()}\npersistence false\nallow_anonymous true\nlog_type error\n"
        f"listener {device_port} 127.0.0.1\n{tls}require_certificate true\n"
        f"listener {password_port} 127.0.0.1\n{tls}require_certificate false\n"
    )
    log = folder / "mosquitto.log"
    with log.open("w") as sink:  # the child keeps its own descriptor
        process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_port(device_port, process, "mosquitto", log, timeout=10)
        wait_for_port(password_port, process, "mosquitto", log, timeout=10)
    except Exception:
        process.kill()
        raise
    return Broker(authority, device_port, password_port), process


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
