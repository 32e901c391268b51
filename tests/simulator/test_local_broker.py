"""The local runs' broker holds devices to their X.509 identity, as IoT Core and IoT Hub do: a
client certificate of the run's CA is required, and its CN must be the MQTT client id (the
device policy's `iot:Connect` on `client/<client id>`; IoT Hub's X.509 CN = device id)."""

from __future__ import annotations

import ssl
import threading

import paho.mqtt.client as mqtt
import pytest

from tests.simulator.tls_material import TestAuthority


def connect(broker, client_id: str, identity=None, port: int | None = None) -> str:
    """'accepted', or the broker's refusal."""
    outcome: dict[str, str] = {}
    done = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    client.tls_set(ca_certs=str(broker.authority.certificate),
                   certfile=str(identity.certificate) if identity else None,
                   keyfile=str(identity.private_key) if identity else None,
                   cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)

    def on_connect(client, userdata, flags, code, properties):
        outcome["result"] = "accepted" if not code.is_failure else f"refused: {code}"
        done.set()

    client.on_connect = on_connect
    client.on_disconnect = lambda *args: done.set()
    try:
        client.connect("127.0.0.1", port or broker.device_port, keepalive=10)
    except (ssl.SSLError, OSError) as error:
        return f"TLS refused: {error}"
    client.loop_start()
    try:
        done.wait(10)
    finally:
        client.disconnect()
        client.loop_stop()
    return outcome.get("result", "closed without CONNACK")


def test_a_device_connects_with_its_own_certificate(broker):
    assert connect(broker, "twin-press-01", broker.authority.issue("twin-press-01")) == "accepted"


def test_a_certificate_of_another_device_is_refused(broker):
    assert connect(broker, "twin-press-02", broker.authority.issue("twin-press-01")).startswith("refused")


@pytest.mark.parametrize("identity", ["none", "foreign CA"])
def test_a_connection_without_a_certificate_of_the_run_is_refused(broker, tmp_path, identity):
    issued = TestAuthority(tmp_path, name="other-ca").issue("twin-press-01") if identity == "foreign CA" else None
    assert connect(broker, "twin-press-01", issued) != "accepted"


def test_the_sas_listener_accepts_a_device_without_a_certificate(broker):
    assert connect(broker, "press-01", port=broker.password_port) == "accepted"
