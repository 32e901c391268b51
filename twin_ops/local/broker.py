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


def _broker_class(certificate_binds: set[str]) -> type:
    """`certificate_binds`: the listeners ("127.0.0.1:<port>") that require a client certificate."""
    from amqtt.broker import Broker

    class DeviceBroker(Broker):  # type: ignore[misc]
        """amqtt's broker with mosquitto's `require_certificate` and `use_identity_as_username`."""

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
