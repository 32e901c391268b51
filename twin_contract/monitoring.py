"""Names the bridge senders, the alarms and the health dashboards agree on.

Every bridge request ends in one JSON line on standard output (runtime/core/delivery_metrics.py),
and each cloud turns that line into what its alarms and dashboards read, without an SDK call:
- AWS: the line is CloudWatch Embedded Metric Format, so Lambda's log delivery turns it into the
  metrics BRIDGE_NAMESPACE / DELIVERY_FAILURES, DELIVERY_RETRIES, DELIVERY_LATENCY (dimension
  TWIN_DIMENSION);
- Azure: the Functions host keeps a worker's standard output as Application Insights traces, and
  the alert and workbook queries parse the line;
- Google: Cloud Logging keeps a JSON line as `jsonPayload`, and log-based metrics count the failed
  deliveries and extract latency and retries.
"""

from __future__ import annotations

DELIVERY_EVENT = "dt.bridge.delivery"  # the line's `event` field: what queries and filters select
BRIDGE_NAMESPACE = "DigitalTwin/Bridges"
TWIN_DIMENSION = "Twin"  # the twin's name (TWIN_NAME of the sending function)
DELIVERY_FAILURES = "DeliveryFailures"  # 1 when the request finally failed, else 0
DELIVERY_RETRIES = "DeliveryRetries"  # attempts after the first
DELIVERY_LATENCY = "DeliveryLatency"  # milliseconds from the first attempt to the outcome
DELIVERED, FAILED = "delivered", "failed"  # the line's `outcome`


def alarm_channel_name(twin_name: str) -> str:
    """The twin's alarm channel on each cloud: SNS topic, action group, Pub/Sub topic."""
    return f"{twin_name}-alarms"


def dashboard_name(twin_name: str) -> str:
    """The twin's health dashboard on each cloud it uses."""
    return f"{twin_name}-health"
