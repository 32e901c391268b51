"""Enqueue work for another function (the Azure counterpart of Lambda's async invoke).

Messages are base64 JSON (the queue trigger's default encoding). A list of records is split so
that every message stays under the 64 KiB queue message limit.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from runtime.azure import identity, rest

API_VERSION = "2021-08-06"
MAX_MESSAGE_BYTES = 60 * 1024  # base64 text, with room for the XML envelope

Auth = Callable[[], dict[str, str]]


def _managed_identity() -> dict[str, str]:
    return identity.bearer(identity.STORAGE)


class QueueClient:
    def __init__(self, queue_url: str, auth: Auth = _managed_identity) -> None:
        self._url, self._auth = queue_url.rstrip("/"), auth

    def send(self, payload: Any) -> int:
        """Enqueue `payload`; a list is split across messages when needed. Returns the message count."""
        messages = _split(payload)
        for message in messages:
            text = base64.b64encode(json.dumps(message, separators=(",", ":")).encode()).decode()
            body = f"<QueueMessage><MessageText>{escape(text)}</MessageText></QueueMessage>".encode()
            headers = {"x-ms-version": API_VERSION, "Content-Type": "application/xml", **self._auth()}
            rest.checked("POST", f"{self._url}/messages", headers, body)
        return len(messages)


def _encoded_size(payload: Any) -> int:
    return (len(json.dumps(payload, separators=(",", ":")).encode()) + 2) // 3 * 4


def _split(payload: Any) -> list[Any]:
    if _encoded_size(payload) <= MAX_MESSAGE_BYTES:
        return [payload]
    if not isinstance(payload, list) or len(payload) < 2:
        raise ValueError(f"a single queue message is larger than {MAX_MESSAGE_BYTES} bytes")
    middle = len(payload) // 2
    return _split(payload[:middle]) + _split(payload[middle:])


def decode_message(body: bytes) -> Any:
    """A queue message as JSON: our own messages arrive decoded by the trigger; tolerate base64 too."""
    try:
        return json.loads(body)
    except ValueError:
        return json.loads(base64.b64decode(body))
