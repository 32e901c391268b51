"""The device fleet's sending (twin_ops/local/devices.send_all): each device's messages in order,
each after the run's closed loop has room for it, on the fleet's asyncio loop for MQTT links."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from twin_ops.local.devices import FleetLink, MqttFleet, send_all


class Client:
    """amqtt's client as the fleet uses it: `publish` returns once the broker's PUBACK came."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, int, str]] = []

    async def publish(self, topic: str, payload: bytes, qos: int) -> None:
        await asyncio.sleep(0.001)
        self.published.append((topic, payload, qos, threading.current_thread().name))


class ClosedLoop:
    """The runner's ledger as send_all sees it: room while fewer than `limit` records are published
    and not processed; `wait` blocks (off the loop) until the twin processed one more."""

    def __init__(self, limit: int) -> None:
        self.limit, self.published, self.processed = limit, 0, 0
        self.lock = threading.Lock()
        self.waits: list[str] = []
        self.waiting = self.most_waiting = 0

    def room(self) -> bool:
        with self.lock:
            return self.published - self.processed < self.limit

    def wait(self) -> None:
        with self.lock:
            self.waits.append(threading.current_thread().name)
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
        time.sleep(0.01)
        with self.lock:
            self.processed += 1
            self.waiting -= 1

    def sent(self) -> None:
        with self.lock:
            self.published += 1


@pytest.fixture
def fleet():
    fleet = MqttFleet(1, Path("ca.pem"), lambda device, text: None)
    yield fleet
    fleet.close()


def link(fleet: MqttFleet, device: str, client: Client) -> FleetLink:
    return FleetLink(fleet, SimpleNamespace(client_id=device, telemetry_topic=f"t/{device}"), client)


def test_a_device_sends_in_order_on_the_loop_and_waits_for_room_off_it(fleet):
    client, loop = Client(), ClosedLoop(limit=3)
    payloads = [f"m{n}".encode() for n in range(5)]
    send_all(link(fleet, "d1", client), payloads, loop.room, loop.wait, loop.sent)
    assert [(topic, payload, qos) for topic, payload, qos, _ in client.published] == [("t/d1", p, 1) for p in payloads]
    assert {thread for *_, thread in client.published} == {"mqtt-fleet"}  # published by the fleet's loop
    # 3 had room; the 4th and 5th each waited for the twin to process one, on a thread (the loop goes on)
    assert loop.published == 5 and len(loop.waits) == 2 and "mqtt-fleet" not in loop.waits


def test_devices_side_by_side_wait_for_room_one_at_a_time(fleet):
    clients, loop = {f"d{n}": Client() for n in range(4)}, ClosedLoop(limit=2)
    payloads = {device: [f"{device}-{n}".encode() for n in range(5)] for device in clients}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(send_all, link(fleet, device, client), payloads[device], loop.room, loop.wait, loop.sent)
                       for device, client in clients.items()]:
            future.result()
    for device, client in clients.items():
        assert [payload for _, payload, _, _ in client.published] == payloads[device]
    assert loop.published == 20 and loop.waits and loop.most_waiting == 1


def test_a_link_outside_a_fleet_sends_one_message_at_a_time_after_each_wait():
    calls: list[str] = []
    plain = SimpleNamespace(send=lambda payload: calls.append(payload.decode()))
    send_all(plain, [b"a", b"b"], lambda: True, lambda: calls.append("wait"), lambda: calls.append("sent"))
    assert calls == ["wait", "a", "sent", "wait", "b", "sent"]
