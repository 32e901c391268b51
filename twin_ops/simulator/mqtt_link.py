"""One device's MQTT-over-TLS connection (paho-mqtt): publish telemetry at QoS 1, hear feedback.

AWS IoT Core and Azure IoT Hub both speak MQTT 3.1.1 on 8883, so one link serves both; only the
session (topics, client certificate or SAS password) differs (cdk_app/simulator/sessions.py).
Calls block until the broker acknowledges, so a refused connection, subscription or publish is
an error here rather than a silently lost message.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from twin_ops.simulator.errors import SimulatorError

MQTT_KEEPALIVE_SECONDS = 30
SUBACK_FAILURE = 0x80


@dataclass(frozen=True)
class MqttSession:
    device_id: str  # what the user sees in messages; the client id may differ (AWS: <twin>-<device>)
    host: str
    port: int
    client_id: str
    telemetry_topic: str
    feedback_topic: str  # a topic filter
    ca_file: str | None = None  # None: the system trust store
    certificate: str | None = None  # client certificate (AWS)
    private_key: str | None = None
    username: str | None = None  # SAS authentication (Azure)
    password: str | None = None
    feedback_text: Callable[[bytes], str] = lambda payload: payload.decode("utf-8", "replace")
    # Seconds to wait before each further attempt when the broker refuses or drops a connection:
    # AWS IoT Core provisions a device on its first connection (JITP) and fails that attempt.
    reconnect_waits: tuple[float, ...] = ()


class MqttLinkError(SimulatorError):
    pass


class MqttLinkRefused(MqttLinkError):
    """The broker refused or dropped the connection (worth another attempt where the session says so)."""


def _paho():
    try:
        import paho.mqtt.client as mqtt
    except ImportError as error:  # a runtime extra, not needed by `make synth`
        raise MqttLinkError("the simulator needs paho-mqtt: pip install -e '.[deploy]'") from error
    return mqtt


class MqttLink:
    """Connected and subscribed on construction; `deliver(device_id, text)` gets each feedback."""

    def __init__(self, session: MqttSession, deliver: Callable[[str, str], None], timeout: float = 10.0) -> None:
        self._session, self._deliver, self._timeout = session, deliver, timeout
        for wait in (*session.reconnect_waits, None):
            try:
                self._open()
                return
            except MqttLinkRefused:
                if wait is None:
                    raise
                time.sleep(wait)

    def _open(self) -> None:
        mqtt = _paho()
        session = self._session
        self._connected, self._subscribed = threading.Event(), threading.Event()
        self._refusal: str | None = None
        self._suback: list[int] = []
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=session.client_id, protocol=mqtt.MQTTv311)
        try:
            client.tls_set(
                ca_certs=session.ca_file,
                certfile=session.certificate,
                keyfile=session.private_key,
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        except OSError as error:  # includes ssl.SSLError: a missing or unreadable certificate, key or CA
            raise MqttLinkError(f"{session.client_id}: cannot load its TLS credentials: {error}") from error
        if session.username is not None:
            client.username_pw_set(session.username, session.password)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        self._client = client
        try:
            client.connect(session.host, session.port, keepalive=MQTT_KEEPALIVE_SECONDS)
        except OSError as error:  # refused, unreachable, TLS handshake failed
            raise MqttLinkRefused(f"{session.client_id}: cannot connect to {session.host}:{session.port}: {error}") from error
        client.loop_start()
        try:
            self._await(self._connected, "CONNACK")
            if self._refusal is not None:
                raise MqttLinkRefused(f"{session.client_id}: {session.host} refused the connection: {self._refusal}")
            client.subscribe(session.feedback_topic, qos=1)
            self._await(self._subscribed, "SUBACK")
            if not self._suback or any(code >= SUBACK_FAILURE for code in self._suback):
                raise MqttLinkError(f"{session.client_id}: subscription to {session.feedback_topic} refused")
        except Exception:
            self.close()
            raise

    def send(self, payload: bytes) -> None:
        info = self._client.publish(self._session.telemetry_topic, payload, qos=1)
        try:
            info.wait_for_publish(self._timeout)
        except (RuntimeError, ValueError) as error:  # disconnected: the broker dropped us (e.g. not allowed)
            raise MqttLinkError(f"{self._session.client_id}: publish failed: {error}") from error
        if not info.is_published():
            raise MqttLinkError(f"{self._session.client_id}: no PUBACK within {self._timeout:g} s")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _await(self, event: threading.Event, packet: str) -> None:
        if not event.wait(self._timeout):
            raise MqttLinkError(f"{self._session.client_id}: no {packet} from {self._session.host} within {self._timeout:g} s")

    # paho callbacks (its network thread)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        # E.g. the broker rejected the client certificate after the TLS handshake: stop waiting now.
        if not self._connected.is_set():
            self._refusal = f"disconnected ({reason_code})"
        self._connected.set()
        self._subscribed.set()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self._refusal = str(reason_code) if reason_code.is_failure else None
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._suback = [code.value for code in reason_codes]
        self._subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        self._deliver(self._session.device_id, self._session.feedback_text(message.payload))
