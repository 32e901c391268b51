"""The hot readers: TwinMaker invokes them directly, a Digital Twin Data Connector on another
cloud calls their Function URL with a neutral reader query and the inbound token."""

from __future__ import annotations

import logging
from typing import Any

from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.function_url import is_http_event, serve
from runtime.core.twinmaker import Operation
from twin_contract import functions as s

logger = logging.getLogger(__name__)


class HotReader:
    def __init__(self, role: s.FunctionRole, operation: Operation) -> None:
        env = handler_environment()
        table_name = env.required(s.HOT_TABLE_NAME)
        self._token_secret = env.optional(s.INBOUND_TOKEN_SECRET)  # unset: every HTTP call gets 401
        env.check()
        self._operation, self._store = operation, DynamoHotStore(table_name)
        self.handle = runs_as(role)(self._handle)

    def _handle(self, event: Any, context: Any = None) -> dict[str, Any]:
        if is_http_event(event):
            return serve(event, self._token_secret, lambda body: self._operation.parse_query(body).answer(self._store))
        try:
            return self._operation.to_response(event, self._operation.to_query(event).answer(self._store))
        except Exception:
            # TwinMaker gets an empty answer; the ERROR log with the traceback keeps the failure visible.
            logger.exception("TwinMaker read failed; answering with no values")
            return self._operation.empty_response()
