"""The runner's own MQTT connection to the local broker: it plays IoT Core's rules engine and data
plane, and IoT Hub's routing, so it subscribes to device topics and publishes feedback."""

from __future__ import annotations

import functools
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

Callback = Callable[[str, bytes], None]


class MqttClient:
    def __init__(self, port: int, client_id: str, ca_file: Path, cert: Path, key: Path, timeout: float = 10.0) -> None:
        import paho.mqtt.client as mqtt

        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        self._client.tls_set(ca_certs=str(ca_file), certfile=str(cert), keyfile=str(key),
                             cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.max_inflight_messages_set(1000)
        self._client.max_queued_messages_set(0)
        self._callbacks: list[tuple[str, Callback]] = []
        self._connected = threading.Event()
        self._client.on_connect = lambda *args: self._connected.set()
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", port, keepalive=60)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            raise RuntimeError(f"the local MQTT broker did not accept {client_id} within {timeout:g} s")

    def subscribe(self, topic_filter: str, callback: Callback) -> None:
        self._callbacks.append((topic_filter, callback))
        self._client.subscribe(topic_filter, qos=1)

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        self._client.publish(topic, payload, qos=qos)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_message(self, client, userdata, message) -> None:
        for topic_filter, callback in self._callbacks:
            if matches(topic_filter, message.topic):
                callback(message.topic, message.payload)


@functools.lru_cache(maxsize=1 << 16)
def matches(topic_filter: str, topic: str) -> bool:
    """paho's `topic_matches_sub`, remembered: it builds a matcher at each call (10 µs here), and
    every record asked it again; a fleet has a topic per device."""
    import paho.mqtt.client as mqtt

    return bool(mqtt.topic_matches_sub(topic_filter, topic))
