"""Azure dead letters: the Functions host's poison queues, and Event Grid's dead-letter blobs.

Both live in the storage account of the layer's Function App (twin_contract.azure_names).
"""

from __future__ import annotations

import base64
import json

from twin_ops.azure_storage import BlobService, QueueService
from twin_ops.redrive.engine import Deliver, Parked, Refused

VISIBILITY_SECONDS = 120
# Fields Event Grid adds to an event it dead-letters; the event it delivers has none of them.
DEAD_LETTER_FIELDS = ("deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome", "publishTime",
                      "lastDeliveryAttemptTime", "lastHttpStatusCode")


class PoisonQueue:
    """`<queue>-poison` as a redrive source: its messages keep the text the host read from `<queue>`."""

    def __init__(self, service: QueueService, name: str) -> None:
        self.service, self.name = service, name

    def receive(self, limit: int) -> list[Parked]:
        return [
            Parked(m.id, m.text, m.inserted, m.pop_receipt)
            for m in self.service.get_messages(self.name, limit, VISIBILITY_SECONDS)
        ]

    def delete(self, message: Parked) -> None:
        self.service.delete_message(self.name, message.id, message.handle)

    def release(self, message: Parked) -> None:
        self.service.update_visibility(self.name, message.id, message.handle, 0)

    def depth(self) -> int:
        return self.service.approximate_count(self.name) or 0


def to_queue(service: QueueService, queue: str) -> Deliver:
    """The same message text, back into the queue its function reads."""

    def deliver(message: Parked) -> None:
        service.put_message(queue, message.body)

    return deliver


class EventGridDeadLetters:
    """Event Grid writes each undeliverable batch as one blob holding a JSON array of events;
    each event is one parked message (`<blob>#<event id>`). Deleting an event rewrites its blob
    without it (the blob goes with its last event), so a later run never sees a moved event again."""

    def __init__(self, service: BlobService, container: str) -> None:
        self.service, self.container = service, container
        self._handed_out: set[str] = set()
        self._events: dict[str, dict[str, dict]] = {}  # blob → message id → event, not yet deleted

    def receive(self, limit: int) -> list[Parked]:
        for blob in self.service.list(self.container):
            if blob.name in self._handed_out:
                continue
            self._handed_out.add(blob.name)
            data = self.service.get(self.container, blob.name)
            if data is None:
                continue
            events = {f"{blob.name}#{event.get('id')}": event for event in _events(data)}
            if not events:  # not an array of events: reported as kept, never deleted
                return [Parked(f"{blob.name}#", None, blob.last_modified, blob.name)]
            self._events[blob.name] = events
            return [Parked(message_id, event, blob.last_modified, blob.name) for message_id, event in events.items()]
        return []

    def delete(self, message: Parked) -> None:
        events = self._events.get(message.handle, {})
        events.pop(message.id, None)
        if events:
            self.service.put(self.container, message.handle, json.dumps(list(events.values())).encode())
        else:
            self.service.delete(self.container, message.handle)

    def release(self, message: Parked) -> None:
        """Blobs have no visibility: an event not moved simply stays in its blob."""

    def depth(self) -> int:
        return sum(len(_events(self.service.get(self.container, blob.name) or b"[]"))
                   for blob in self.service.list(self.container))


def _events(data: bytes) -> list[dict]:
    try:
        events = json.loads(data)
    except ValueError:
        return []
    events = events if isinstance(events, list) else [events]
    return [event for event in events if isinstance(event, dict)]


def event_to_queue(service: QueueService, queue: str) -> Deliver:
    """The event as Event Grid delivers it to a Storage queue: its JSON, base64-encoded."""

    def deliver(message: Parked) -> None:
        if not isinstance(message.body, dict):
            raise Refused("the blob does not hold a JSON array of Event Grid events")
        event = {k: v for k, v in message.body.items() if k not in DEAD_LETTER_FIELDS}
        if not event.get("id") or "data" not in event:
            raise Refused("not an Event Grid event")
        service.put_message(queue, base64.b64encode(json.dumps(event).encode()).decode())

    return deliver
