"""Google dead letters: the dispatcher's dead-letter topic, kept by its `-retained` subscription.

`subscriber` and `publisher` are google-cloud-pubsub's SubscriberClient and PublisherClient
(an in-memory stand-in in the tests: there is no Pub/Sub emulator without the gcloud SDK).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twin_ops.redrive.engine import Deliver, Parked

ACK_DEADLINE_SECONDS = 120
PULL_TIMEOUT_SECONDS = 10.0
# Added by the dispatcher when it dead-letters a message (runtime/gcp/dispatcher.py).
DEAD_LETTER_ATTRIBUTES = ("dead_letter_reason",)


class DeadLetterSubscription:
    def __init__(self, subscriber: Any, subscription: str, count: Callable[[], int | None] = lambda: None) -> None:
        self.subscriber, self.subscription = subscriber, subscription  # projects/<p>/subscriptions/<name>
        self._count = count  # Pub/Sub counts undelivered messages in Cloud Monitoring only

    def receive(self, limit: int) -> list[Parked]:
        from google.api_core.exceptions import DeadlineExceeded

        try:
            answer = self.subscriber.pull(
                request={"subscription": self.subscription, "max_messages": limit}, timeout=PULL_TIMEOUT_SECONDS
            )
        except DeadlineExceeded:
            return []
        received = list(answer.received_messages)
        if received:
            self.subscriber.modify_ack_deadline(request={
                "subscription": self.subscription, "ack_ids": [r.ack_id for r in received],
                "ack_deadline_seconds": ACK_DEADLINE_SECONDS,
            })
        return [
            Parked(
                r.message.message_id,
                {"data": bytes(r.message.data), "attributes": dict(r.message.attributes)},
                r.message.publish_time.timestamp(),
                r.ack_id,
            )
            for r in received
        ]

    def delete(self, message: Parked) -> None:
        self.subscriber.acknowledge(request={"subscription": self.subscription, "ack_ids": [message.handle]})

    def release(self, message: Parked) -> None:
        self.subscriber.modify_ack_deadline(request={
            "subscription": self.subscription, "ack_ids": [message.handle], "ack_deadline_seconds": 0,
        })

    def depth(self) -> int | None:
        """The newest Cloud Monitoring sample, None when there is none."""
        return self._count()


def to_topic(publisher: Any, topic: str) -> Deliver:
    """The same data and attributes (without the dead-letter reason), published to the topic the
    dispatcher is triggered by; returns once Pub/Sub has stored it."""

    def deliver(message: Parked) -> None:
        attributes = {k: v for k, v in message.body["attributes"].items() if k not in DEAD_LETTER_ATTRIBUTES}
        publisher.publish(topic, message.body["data"], **attributes).result(timeout=60)

    return deliver
