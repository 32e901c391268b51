"""The device MQTT broker of local runs and the simulator's tests: amqtt (PyPI, installed by
`make install`), run as `python -m twin_ops.local.broker SPEC.json` in a process of its own.

MQTT 3.1.1 over TLS only. A listener with `require_certificate` accepts a connection only with a
client certificate of the run's CA whose subject CN equals the MQTT client id: the devices'
X.509 identities, as IoT Core checks them against the device policy's `iot:Connect` on
`client/<client id>` (constructs_lib/aws/l1_device_identity.py) and IoT Hub's X.509 CA
authentication checks the CN against the device id. A listener without it checks only the
server side and accepts any username and password (standing in for IoT Hub's SAS tokens, which
no local broker can verify).

SPEC: {"ca", "cert", "key", "listeners": [{"port", "require_certificate"}]}.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IOT_HUB_SERVICE_TOPICS = "$iothub/"


def _peer_common_name(writer: Any) -> str | None:
    ssl_object = writer.get_ssl_info()
    certificate = ssl_object.getpeercert() if ssl_object is not None else None
    for entry in (certificate or {}).get("subject", ()):
        for key, value in entry:
            if key == "commonName":
                return str(value)
    return None


class TopicFilters(dict[str, list[Any]]):
    """amqtt's subscriptions (topic filter → its subscribers), whose repr amqtt makes after each
    SUBSCRIBE for a debug line (`logger.debug(repr(...))`, made even with debug off): every
    session's repr, so each device's connection cost O(devices)."""

    def __repr__(self) -> str:
        return f"<{len(self)} topic filters>"


def _broker_class(certificate_binds: set[str]) -> type:
    """`certificate_binds`: the listeners ("127.0.0.1:<port>") that require a client certificate."""
    from amqtt.broker import Broker
    from amqtt.contexts import Action
    from amqtt.mqtt.constants import QOS_1, QOS_2

    class DeviceBroker(Broker):  # type: ignore[misc]
        """amqtt's broker with mosquitto's `require_certificate` and `use_identity_as_username`, and
        a message's subscribers found by its topic: amqtt tries every topic filter on every message,
        and each device subscribes to its own feedback topic, so a message cost O(devices)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._subscriptions = TopicFilters()
            self.dt_wildcards: dict[str, None] = {}  # filters with + or #, in subscription order

        async def add_subscription(self, subscription: tuple[str, int], session: Any) -> int:
            granted: int = await super().add_subscription(subscription, session)
            if subscription[0] in self._subscriptions and {"+", "#"} & set(subscription[0]):
                self.dt_wildcards[subscription[0]] = None
            return granted

        def dt_filters(self, topic: str) -> list[str]:
            """The topic filters that match `topic`: the topic itself (a filter without wildcards
            matches only its own topic, and a published topic has none) and each wildcard filter
            amqtt's matching accepts. amqtt drops a filter once its last subscriber leaves."""
            for gone in [f for f in self.dt_wildcards if f not in self._subscriptions]:
                del self.dt_wildcards[gone]
            return ([topic] if topic in self._subscriptions else []) + [
                f for f in self.dt_wildcards if self._matches(topic, f)]

        async def _run_broadcast(self, running_tasks: Any) -> None:
            """amqtt's `_run_broadcast` (amqtt/broker.py, 0.12) over `dt_filters` instead of every filter."""
            broadcast = await self._broadcast_queue.get()
            topic = broadcast["topic"]
            for a_filter in self.dt_filters(topic):
                for target_session, sub_qos in list(self._subscriptions.get(a_filter, ())):
                    qos = broadcast.get("qos", sub_qos)
                    if not await self._topic_filtering(target_session, topic=topic, action=Action.RECEIVE):
                        continue
                    connected = target_session.transitions.state == "connected"
                    if (not connected and not target_session.clean_session and qos in (QOS_1, QOS_2)
                            and not target_session.is_anonymous):  # kept for the session's return [MQTT 3.1.2.4]
                        await self._retain_broadcast_message(broadcast, qos, target_session)
                        continue
                    handler = self._get_handler(target_session) if connected else None
                    if handler:
                        running_tasks.append(asyncio.ensure_future(handler.mqtt_publish(topic, broadcast["data"], qos, retain=False)))

        async def _publish_retained_messages_for_subscription(self, subscription: tuple[str, int], session: Any) -> None:
            """amqtt calls this for every filter of the broker at each connection: with no retained
            message (devices publish none) there is nothing to send, so each connection cost O(devices)."""
            if self._retained_messages:
                await super()._publish_retained_messages_for_subscription(subscription, session)

        def _create_ssl_context(self, listener: Any) -> ssl.SSLContext:  # a static method there, called on self
            context = Broker._create_ssl_context(listener)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if listener.get("bind") in certificate_binds:
                context.verify_mode = ssl.CERT_REQUIRED
            return context

        async def _handle_client_session(self, reader: Any, writer: Any, client_session: Any, handler: Any,
                                         server: Any, listener_name: str) -> None:
            client_session.dt_certificate_listener = self.listeners_config[listener_name].get("bind") in certificate_binds
            if client_session.dt_certificate_listener:
                common_name = _peer_common_name(writer)
                client_session.username = common_name  # the certificate's identity, never the CONNECT's
                client_session.dt_certificate_ok = common_name is not None and common_name == client_session.client_id
            else:
                client_session.dt_certificate_ok = True
            await super()._handle_client_session(reader, writer, client_session, handler, server, listener_name)

        async def _authenticate(self, session: Any, listener: Any) -> bool:
            return bool(getattr(session, "dt_certificate_ok", False))

        async def _handle_message_delivery(self, client_session: Any, handler: Any, wait_deliver: Any) -> bool:
            """amqtt refuses every client's publish to a `$` topic (MQTT 4.7.2); on the IoT Hub
            listener the service side's `$iothub/` topics (desired-property patches) pass."""
            message = wait_deliver.result()
            service_side = not getattr(client_session, "dt_certificate_listener", True)
            if (service_side and message is not None and message.topic.startswith(IOT_HUB_SERVICE_TOPICS)
                    and not {"+", "#"} & set(message.topic)):
                await self._broadcast_message(client_session, message.topic, message.data)
                return True
            return bool(await super()._handle_message_delivery(client_session, handler, wait_deliver))

    return DeviceBroker


def broker_config(spec: dict[str, Any]) -> dict[str, Any]:
    # amqtt requires a listener named "default" (the others inherit its settings): the first one.
    names = ["default", *(f"listener-{index}" for index in range(1, len(spec["listeners"])))]
    listeners = {
        name: {"type": "tcp", "bind": f"127.0.0.1:{listener['port']}", "ssl": True, "cafile": spec["ca"],
               "certfile": spec["cert"], "keyfile": spec["key"], "max_connections": 0}
        for name, listener in zip(names, spec["listeners"], strict=True)
    }
    return {"listeners": listeners, "plugins": {}, "timeout_disconnect_delay": 2}


async def _serve(spec: dict[str, Any]) -> None:
    binds = {f"127.0.0.1:{listener['port']}" for listener in spec["listeners"] if listener["require_certificate"]}
    broker = _broker_class(binds)(broker_config(spec))
    await broker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await broker.shutdown()


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(path).is_file()), None)


def start(directory: Path, ca: Path, cert: Path, key: Path, listeners: Sequence[tuple[int, bool]],
          log: Path, mosquitto: bool = True) -> tuple[str, subprocess.Popen]:
    """The broker process on `listeners` ((port, require_certificate) each): mosquitto when it is
    installed (and `mosquitto`), else amqtt. Returns its name and process; the caller waits for the
    ports and stops it. mosquitto checks the client certificate but not its CN against the client id."""
    binary = mosquitto_binary() if mosquitto else None
    if binary is not None:
        config = directory / "mosquitto.conf"
        lines = [f"user {getpass.getuser()}",  # as root, mosquitto would switch to its own user, who cannot read the key
                 "persistence false", "max_queued_messages 0", "max_inflight_messages 0", "log_dest stderr", "log_type error",
                 "per_listener_settings false", "allow_anonymous true"]
        for port, require_certificate in listeners:
            lines += [f"listener {port} 127.0.0.1", f"cafile {ca}", f"certfile {cert}", f"keyfile {key}",
                      f"require_certificate {str(require_certificate).lower()}",
                      f"use_identity_as_username {str(require_certificate).lower()}"]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command, name = [binary, "-c", str(config)], "mosquitto"
    else:
        spec = directory / "amqtt.json"
        spec.write_text(json.dumps({"ca": str(ca), "cert": str(cert), "key": str(key), "listeners": [
            {"port": port, "require_certificate": require_certificate} for port, require_certificate in listeners]}), "utf-8")
        command, name = [sys.executable, "-m", "twin_ops.local.broker", str(spec)], "amqtt"
    with log.open("wb") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=directory, start_new_session=True)
    return name, process


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python -m twin_ops.local.broker SPEC.json", file=sys.stderr)
        return 2
    spec_file = Path(sys.argv[1])
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    asyncio.run(_serve(json.loads(spec_file.read_text("utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
