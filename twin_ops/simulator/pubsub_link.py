"""The devices' links to the Google L1: each publishes to the telemetry topic; feedback is streamed
once for all of them.

Devices publish JSON with the attribute `device_id` (the dispatcher's contract, docs/gcp.md) as the
`<twin>-devices` service account: application-default credentials, typically
GOOGLE_APPLICATION_CREDENTIALS pointing at a key of that account, which is made by hand.
Feedback arrives as `{"message": ...}` with the attribute `device_id` on the twin's one feedback
subscription, which a gateway (here: the simulator) reads for every device (docs/design.md §7a).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from twin_ops.simulator.errors import SimulatorError

PUBLISH_TIMEOUT_SECONDS = 30.0


class PubSubLinkError(SimulatorError):
    pass


def _client(kind: str):
    """A PublisherClient or SubscriberClient on application-default credentials."""
    try:
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import pubsub_v1
    except ImportError as error:  # a runtime extra, not needed by `make synth`
        raise PubSubLinkError("the simulator needs google-cloud-pubsub: pip install -e '.[deploy]'") from error
    try:
        return getattr(pubsub_v1, kind)()
    except DefaultCredentialsError as error:
        raise PubSubLinkError(
            "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a key of the devices' publisher account"
        ) from error


class PubSubLink:
    def __init__(self, topic: str, device_id: str, publisher=None) -> None:
        self._topic, self._device_id = topic, device_id
        self._publisher = publisher or _client("PublisherClient")

    def send(self, payload: bytes) -> None:
        future = self._publisher.publish(self._topic, payload, device_id=self._device_id)
        try:
            future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        except Exception as error:  # google.api_core errors, timeouts: whatever refused the message
            raise PubSubLinkError(f"{self._device_id}: publish to {self._topic} failed: {error}") from error

    def close(self) -> None:
        pass


class PubSubFeedback:
    """The twin's feedback subscription, streamed once: each message goes to its `device_id`."""

    def __init__(self, subscription: str, deliver: Callable[[str, str], None], subscriber=None) -> None:
        self._deliver = deliver
        subscriber = subscriber or _client("SubscriberClient")
        self._streaming = subscriber.subscribe(subscription, callback=self._on_feedback)

    def close(self) -> None:
        self._streaming.cancel()

    def _on_feedback(self, message) -> None:
        device_id = (message.attributes or {}).get("device_id")
        if device_id:
            try:
                body = json.loads(message.data)
                text = json.dumps(body["message"]) if isinstance(body, dict) and "message" in body else json.dumps(body)
            except ValueError:
                text = message.data.decode("utf-8", "replace")
            self._deliver(device_id, text)
        message.ack()
