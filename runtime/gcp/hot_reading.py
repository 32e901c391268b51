"""The hot readers on Google: a Digital Twin Data Connector on another cloud (L4 is never on
Google) calls them with a neutral reader query and the connection's token (docs/design.md §5)."""

from __future__ import annotations

from typing import Any

from runtime.core.twinmaker import Operation
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import serve
from runtime.gcp.store import hot_store, store_settings
from twin_contract.functions import INBOUND_TOKEN_SECRET


class HotReader:
    def __init__(self, operation: Operation) -> None:
        env = handler_environment()
        self._database, self._collection = store_settings(env)
        self._token_secret = env.optional(INBOUND_TOKEN_SECRET)  # unset: every call gets 401
        env.check()
        self._operation = operation

    def handle(self, request: Any) -> tuple[str, int, dict[str, str]]:
        store = hot_store(self._database, self._collection)
        return serve(request, self._token_secret, lambda body: self._operation.parse_query(body).answer(store))
