"""A layer's resources by name: what its alarms watch and what its row of the dashboard shows.

Names, not construct references: the dashboard lives in another stack than most of what it shows,
and CloudWatch metrics are addressed by name, so no cross-stack reference is needed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WatchedLayer:
    title: str  # e.g. "L2 processing"
    functions: tuple[str, ...] = ()  # Lambda function names
    queues: tuple[str, ...] = ()  # SQS failure destinations
    rules: tuple[str, ...] = ()  # IoT topic rule names
