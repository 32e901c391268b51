"""Sends records across a bridge in envelopes of up to `batch_size` records each.

Each envelope is logged with its `trace_id` when it is sent; the receiver logs the same id when
it takes the envelope (runtime.core.envelope), so one record can be followed across clouds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from runtime.core.envelope import build_envelope, chunks

DEFAULT_BATCH_SIZE = 100

logger = logging.getLogger(__name__)


class Poster(Protocol):
    def post(self, body: Any) -> Any: ...


class RecordSender:
    """Batches amortise the per-request cost; receivers store records idempotently by key."""

    def __init__(
        self, client: Poster, source_cloud: str, target_layer: str, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self._client, self._source_cloud, self._target_layer = client, source_cloud, target_layer
        self._batch_size = batch_size

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Deliver every record or raise DeliveryError (the batches before it were delivered)."""
        for batch in chunks(list(records), self._batch_size):
            envelope = build_envelope(list(batch), self._source_cloud, self._target_layer)
            fields = {"trace_id": envelope["trace_id"], "count": len(batch), "target_layer": self._target_layer}
            try:
                self._client.post(envelope)
            except Exception:
                logger.warning("%d records not delivered to %s", len(batch), self._target_layer, extra=fields)
                raise
            logger.info("sent %d records to %s", len(batch), self._target_layer, extra=fields)
