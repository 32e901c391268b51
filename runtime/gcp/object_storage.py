"""Cold and archive objects on GCS: one mover payload per object, its key from the payload.

The object's storage class is the bucket's default (NEARLINE for cold, ARCHIVE for archive),
so the writers need no class logic; the same key overwrites (a retried move).
"""

from __future__ import annotations

import json
from typing import Any

from runtime.core.mover import MoverPayload
from runtime.core.moving import payload_receiver
from runtime.gcp import clients
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import serve
from twin_contract.functions import INBOUND_TOKEN_SECRET


def put_payload(bucket: str, payload: MoverPayload) -> None:
    blob = clients.storage().bucket(bucket).blob(payload.object_key)
    blob.upload_from_string(json.dumps(payload.to_dict()), content_type="application/json")


class MoverWriter:
    """A bridge receiver (public URL, token checked) that stores mover payloads."""

    def __init__(self, bucket_setting: str) -> None:
        env = handler_environment()
        self._token_secret = env.required(INBOUND_TOKEN_SECRET)
        bucket = env.required(bucket_setting)
        env.check()
        self._receive = payload_receiver(lambda payload: put_payload(bucket, payload))

    def handle(self, request: Any) -> tuple[str, int, dict[str, str]]:
        return serve(request, self._token_secret, self._receive)
