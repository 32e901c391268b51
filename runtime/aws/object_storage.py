"""Cold and archive objects on S3: one mover payload per object, its key from the payload."""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment
from runtime.aws.function_url import serve
from runtime.core.mover import MoverPayload, parse_payload
from runtime.core.receiver import receipt


def put_payload(bucket: str, payload: MoverPayload, storage_class: str) -> None:
    clients.client("s3").put_object(
        Bucket=bucket,
        Key=payload.object_key,
        Body=json.dumps(payload.to_dict()).encode(),
        ContentType="application/json",
        StorageClass=storage_class,
    )


class MoverWriter:
    """A bridge receiver (Function URL) that stores mover payloads; the same key overwrites."""

    def __init__(self, bucket_variable: str, storage_class: str) -> None:
        env = handler_environment()
        self._token_secret = env.required("INBOUND_TOKEN_SECRET")
        self._bucket = env.required(bucket_variable)
        env.check()
        self._storage_class = storage_class

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        return serve(event, self._token_secret, self._store)

    def _store(self, body: Any) -> dict[str, Any]:
        payload = parse_payload(body)
        put_payload(self._bucket, payload, self._storage_class)
        return receipt(None, len(payload.records))  # mover payloads carry no trace id
