"""Cold and archive objects on S3: one mover payload per object, its key from the payload."""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.function_url import serve
from runtime.core.mover import MoverPayload
from runtime.core.moving import payload_receiver
from twin_contract.functions import INBOUND_TOKEN_SECRET, FunctionRole


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

    def __init__(self, role: FunctionRole, bucket_setting: str, storage_class: str) -> None:
        env = handler_environment()
        self._token_secret = env.required(INBOUND_TOKEN_SECRET)
        bucket = env.required(bucket_setting)
        env.check()
        self._receive = payload_receiver(lambda payload: put_payload(bucket, payload, storage_class))
        self.handle = runs_as(role)(self._handle)

    def _handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        return serve(event, self._token_secret, self._receive)
