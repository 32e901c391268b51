"""Names within Google Cloud's limits, derived from the twin name (docs/design.md §3).

Service account ids are 6–30 characters `[a-z][-a-z0-9]*[a-z0-9]`, Cloud Functions and most other
names at most 63, and bucket names are global across all projects: they get a short hash of
project, twin and purpose, so the same inputs always give the same name (stable across synths)
while two twins of the same name in different projects do not collide.

Shared by the Google stacks and the operator commands, which reach the same topics and database.
"""

from __future__ import annotations

import hashlib
import re

SERVICE_ACCOUNT_MAX = 30
NAME_MAX = 63
HASH_LENGTH = 6


def short_hash(*parts: str | None) -> str:
    return hashlib.sha256("/".join(p or "" for p in parts).encode()).hexdigest()[:HASH_LENGTH]


def slug(text: str) -> str:
    """Lower case, `_`→`-`, only `[a-z0-9-]`, no leading/trailing/double hyphens."""
    cleaned = re.sub(r"[^a-z0-9-]", "-", text.lower().replace("_", "-"))
    return re.sub(r"-{2,}", "-", cleaned).strip("-")


def fit(name: str, limit: int) -> str:
    """`name` when it fits, else its head plus a hash of the whole name (stable, unique)."""
    if len(name) <= limit:
        return name
    digest = short_hash(name)
    return f"{name[: limit - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def resource_name(twin: str, role: str, limit: int = NAME_MAX) -> str:
    """`<twin>-<role>`, e.g. the function `factory-floor-hot-writer` (≤ 63 characters)."""
    name = fit(f"{slug(twin)}-{slug(role)}", limit)
    return name if name[0].isalpha() else f"t{name}"[:limit]


def service_account_id(twin: str, role: str) -> str:
    """A service account id of 6–30 characters starting with a letter."""
    name = resource_name(twin, role, SERVICE_ACCOUNT_MAX)
    return name if len(name) >= 6 else f"{name}-sa-id"[:SERVICE_ACCOUNT_MAX]


def bucket_name(twin: str, purpose: str, project: str | None) -> str:
    """Globally unique and ≤ 63: `<twin>-<purpose>-<hash(project, twin, purpose)>`."""
    suffix = short_hash(project, twin, purpose)
    head = fit(f"{slug(twin)}-{slug(purpose)}", NAME_MAX - HASH_LENGTH - 1)
    # Bucket names may not contain "google" (nor start with "goog").
    name = f"{head}-{suffix}".replace("google", "ggl").replace("goog", "ggl")
    return name if name[0].isalnum() else f"b{name}"[:NAME_MAX]


HOT_COLLECTION = "hot-data"
# The device list as data (docs/design.md §7a): a JSON array of device ids in the L1 stack's
# registry bucket, written by the gcp-device-registry step, read by the feedback path.
DEVICE_REGISTRY_OBJECT = "devices.json"
DEVICE_REGISTRY_PURPOSE = "devices"  # bucket_name(twin, DEVICE_REGISTRY_PURPOSE, project)
DEVICE_FEEDBACK_ROLE = "device-feedback"  # the topic and its one subscription, <twin>-device-feedback
RETAINED_SUFFIX = "-retained"


def telemetry_topic_name(twin: str) -> str:
    return resource_name(twin, "telemetry")


def telemetry_dead_letter_topic_name(twin: str) -> str:
    """Where the dispatcher parks telemetry it could not deliver (or never can)."""
    return resource_name(twin, "telemetry-dead-letter")


def retained_subscription_name(topic_name: str) -> str:
    """The subscription that keeps a dead-letter topic's messages (a topic alone would drop them)."""
    return f"{topic_name}{RETAINED_SUFFIX}"


def hot_database_name(twin: str) -> str:
    return resource_name(twin, "hot", NAME_MAX)
