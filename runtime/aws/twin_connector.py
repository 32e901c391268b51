"""The Digital Twin Data Connectors (L4): TwinMaker's reader, wherever the hot store lives.

Local: TwinMaker's request goes unchanged to the hot reader function (sync invoke). Remote:
the request becomes a neutral reader query, POSTed to the other cloud's hot reader with the
inbound token, and its answer is translated back (nextToken carries the pagination). Failures
raise, so TwinMaker reports them instead of showing an empty history.
"""

from __future__ import annotations

import functools
from typing import Any

from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.lambda_invoke import invoke_sync
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.twinmaker import Operation
from twin_contract import functions as s


class TwinDataConnector:
    def __init__(self, role: s.FunctionRole, operation: Operation) -> None:
        env = handler_environment()
        self._mode, self._settings = env.mode(
            local={s.LOCAL_READER_FUNCTION_NAME: str},
            remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
        )
        env.check()
        self._operation = operation
        self.handle = runs_as(role)(self._handle)

    def _handle(self, event: Any, context: Any = None) -> dict[str, Any]:
        if self._mode == "local":
            return invoke_sync(self._settings[s.LOCAL_READER_FUNCTION_NAME], event)
        answer = self._client.post(self._operation.to_query(event).to_dict())
        return self._operation.to_response(event, answer)

    @functools.cached_property
    def _client(self) -> InterCloudClient:
        return BRIDGE_CLIENTS.client(self._settings[s.REMOTE_URL], self._settings[s.REMOTE_TOKEN_SECRET])
