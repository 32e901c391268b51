"""The movers' use cases on every cloud: hot → cold, cold → archive, and the writers that store
mover payloads (runtime.core.mover has the payload format).

Ports are plain callables: where a payload goes (an object store at a tier, or a bridge client),
how a stored object is read and removed. Errors raise, so the platform retries (stream, timer,
scheduler), except for an object that can never be forwarded: it is logged at ERROR and left
where it is, so it does not stop the objects after it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.http_client import InterCloudClient
from runtime.core.mover import MoverPayload, build_payloads, parse_payload, stored_payloads
from runtime.core.receiver import receipt

logger = logging.getLogger(__name__)

Deliver = Callable[[MoverPayload], Any]
# Payloads a mover sends at once: enough to hide the round trips' latency, few enough to stay far
# below a serverless store's throughput (Cosmos DB serverless: 5,000 RU/s; a delete costs about 5).
MOVERS_IN_FLIGHT = 4


def payload_sink(
    mode: str | None, local: Callable[[], Deliver], remote: Callable[[], InterCloudClient]
) -> Deliver:
    """Where payloads go in a mover's `local` or `remote` mode (runtime.core.config.Environment.mode);
    both ports are built on first use, once."""
    local, remote = functools.cache(local), functools.cache(remote)

    def deliver(payload: MoverPayload) -> Any:
        if mode == "local":
            return local()(payload)
        return remote().post(payload.to_dict())

    return deliver


def move_records(
    records: Sequence[Mapping[str, Any]], source_cloud: str, deliver: Deliver,
    delivered: Callable[[MoverPayload], Any] | None = None,
) -> int:
    """Group records per device and day into payloads and deliver each; `delivered(payload)` runs
    after its delivery (removing its records from the hot store). Returns the payload count.

    A payload per device and day makes a run of a large fleet thousands of round trips (a write,
    then a delete per record on Cosmos DB), each waiting on the network: MOVERS_IN_FLIGHT payloads
    move side by side. The first error raises once the payloads in flight ended; the ones not
    started stay where they are for the next run."""
    payloads = build_payloads(records, source_cloud)

    def move(payload: MoverPayload) -> None:
        deliver(payload)
        if delivered is not None:
            delivered(payload)

    with ThreadPoolExecutor(max_workers=MOVERS_IN_FLIGHT, thread_name_prefix="mover") as pool:
        # Each in its own copy of the caller's context: the logs keep the function's role.
        futures = [pool.submit(contextvars.copy_context().run, move, payload) for payload in payloads]
        for future in futures:
            if future.exception() is not None:
                pool.shutdown(cancel_futures=True)
                future.result()
    logger.info("moved %d records in %d objects", len(records), len(payloads), extra={"count": len(records)})
    return len(payloads)


@dataclass(frozen=True)
class StoredObject:
    """A cold object to archive: its name (for logs), how to read its JSON, and how to remove it
    after it was forwarded (None where the store expires it by itself)."""

    name: str
    read: Callable[[], Any]
    remove: Callable[[], Any] | None = None


def forward_objects(objects: Iterable[StoredObject], send: Callable[[dict[str, Any]], Any]) -> int:
    """Forward each object's mover payloads (objects that predate record ids are re-keyed by
    `stored_payloads`), then remove it; returns how many objects were forwarded."""
    forwarded = 0
    for stored in objects:
        try:
            payloads = stored_payloads(stored.read())
        except (InvalidInput, ValueError) as exc:
            logger.error("cold object %r cannot be archived and stays in cold: %s", stored.name, exc)
            continue
        for payload in payloads:
            send(payload.to_dict())
        if stored.remove is not None:
            stored.remove()
        forwarded += 1
    return forwarded


def payload_receiver(put: Deliver) -> Callable[[Any], dict[str, Any]]:
    """A `handle_inbound` handler of a cold or archive writer: mover payload → `put` → receipt.
    The key comes from the content, so a retried move overwrites the same object."""

    def handle(body: Any) -> dict[str, Any]:
        payload = parse_payload(body)
        put(payload)
        logger.info("stored %d records as %s", len(payload.records), payload.object_key,
                    extra={"count": len(payload.records), "source_cloud": payload.source_cloud})
        return receipt(None, len(payload.records))  # mover payloads carry no trace id

    return handle
