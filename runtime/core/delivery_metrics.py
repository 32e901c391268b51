"""One JSON line per bridge request: outcome, attempts and latency, for alarms and dashboards.

Written straight to standard output, not through `logging`: Lambda then keeps it as one log event
whose JSON is CloudWatch Embedded Metric Format (metrics without an SDK call or a permission),
Cloud Run keeps it as a structured entry, and the Azure Functions host as a trace. The names are
twin_contract.monitoring's. The line holds the receiver's label only (scheme, host, port, path):
never a token or a query string.
"""

from __future__ import annotations

import json
import os
import sys
import time

from twin_contract.monitoring import (
    BRIDGE_NAMESPACE,
    DELIVERED,
    DELIVERY_EVENT,
    DELIVERY_FAILURES,
    DELIVERY_LATENCY,
    DELIVERY_RETRIES,
    FAILED,
    TWIN_DIMENSION,
)

_METRICS = [
    {"Name": DELIVERY_FAILURES, "Unit": "Count"},
    {"Name": DELIVERY_RETRIES, "Unit": "Count"},
    {"Name": DELIVERY_LATENCY, "Unit": "Milliseconds"},
]


def delivery_line(receiver: str, *, delivered: bool, attempts: int, seconds: float, status: int | None) -> str:
    now_ms = int(time.time() * 1000)
    line = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{"Namespace": BRIDGE_NAMESPACE, "Dimensions": [[TWIN_DIMENSION]], "Metrics": _METRICS}],
        },
        "event": DELIVERY_EVENT,
        "severity": "INFO" if delivered else "WARNING",
        TWIN_DIMENSION: os.environ.get("TWIN_NAME") or "unknown",
        "outcome": DELIVERED if delivered else FAILED,
        "receiver": receiver,
        "status": status,
        "attempts": attempts,
        DELIVERY_FAILURES: 0 if delivered else 1,
        DELIVERY_RETRIES: max(0, attempts - 1),
        DELIVERY_LATENCY: round(seconds * 1000, 1),
    }
    return json.dumps(line, separators=(",", ":"))


def report_delivery(receiver: str, *, delivered: bool, attempts: int, seconds: float, status: int | None) -> None:
    """Write the line in one call, so concurrent requests never interleave within a line."""
    line = delivery_line(receiver, delivered=delivered, attempts=attempts, seconds=seconds, status=status)
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):  # a closed stdout must not turn a delivery into a failure
        pass
