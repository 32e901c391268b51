"""Cold and archive writers: a bridge receiver storing mover payloads as blobs at a tier."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.blob_storage import BlobContainer, put_payload
from runtime.azure.environment import handler_environment
from runtime.azure.http import serve
from runtime.core.moving import payload_receiver
from twin_contract.functions import INBOUND_TOKEN_SECRET


class MoverWriter:
    """`container` is read at each request (tests swap in the storage emulator)."""

    def __init__(self, container_setting: str, tier: str) -> None:
        env = handler_environment()
        self._token_secret = env.required(INBOUND_TOKEN_SECRET)
        container_url = env.required(container_setting)
        env.check()
        self.container = BlobContainer(container_url)
        self.store = payload_receiver(lambda payload: put_payload(self.container, payload, tier))

    def handle(self, req: func.HttpRequest) -> func.HttpResponse:
        return serve(req, self._token_secret, self.store)
