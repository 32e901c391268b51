"""Cold and archive writers: a bridge receiver storing mover payloads as blobs at a tier."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from runtime.azure.blob_storage import BlobContainer, put_payload
from runtime.azure.environment import handler_environment
from runtime.azure.http import serve
from runtime.core.mover import parse_payload
from runtime.core.receiver import receipt


class MoverWriter:
    def __init__(self, container_variable: str, tier: str, token_variable: str = "INBOUND_TOKEN_SECRET") -> None:
        env = handler_environment()
        self._token_secret = env.required(token_variable)
        self._container_url = env.required(container_variable)
        env.check()
        self._tier = tier
        self.container = BlobContainer(self._container_url)

    def handle(self, req: func.HttpRequest) -> func.HttpResponse:
        return serve(req, self._token_secret, self.store)

    def store(self, body: Any) -> dict[str, Any]:
        payload = parse_payload(body)
        put_payload(self.container, payload, self._tier)
        return receipt(None, len(payload.records))
