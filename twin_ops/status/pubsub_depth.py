"""How many messages a Pub/Sub subscription holds: only Cloud Monitoring knows.

The metric `subscription/num_undelivered_messages` is sampled every minute and arrives a few
minutes late, so the newest point of the last ten minutes is reported (None when there is none).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

MONITORING_URL = "https://monitoring.googleapis.com/v3/projects/{project}/timeSeries"
METRIC = "pubsub.googleapis.com/subscription/num_undelivered_messages"
WINDOW = timedelta(minutes=10)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def undelivered_messages(session: Any, project: str, subscription: str, now: datetime | None = None) -> int | None:
    """`session`: an authorized requests session (google.auth.transport.requests.AuthorizedSession)."""
    end = now or datetime.now(UTC)
    answer = session.get(
        MONITORING_URL.format(project=project),
        params={
            "filter": f'metric.type="{METRIC}" AND resource.labels.subscription_id="{subscription}"',
            "interval.startTime": _rfc3339(end - WINDOW),
            "interval.endTime": _rfc3339(end),
        },
        timeout=30,
    )
    answer.raise_for_status()
    series = answer.json().get("timeSeries", [])
    if not series or not series[0].get("points"):
        return None
    return int(series[0]["points"][0]["value"]["int64Value"])  # points come newest first
