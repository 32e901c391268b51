"""Device feedback on every cloud: the message the event checker sends to the feedback function
(`{"device_id", "payload", "rule"}`), checked before the cloud's port delivers it to the device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.core.telemetry import TelemetryError, validate_device_id


@dataclass(frozen=True)
class Feedback:
    device_id: str
    payload: Any
    rule: Any = None

    @classmethod
    def parse(cls, event: Any) -> Feedback:
        if not isinstance(event, dict) or "payload" not in event:
            raise TelemetryError("feedback needs {device_id, payload}")
        return cls(validate_device_id(event.get("device_id")), event["payload"], event.get("rule"))

    @property
    def message(self) -> dict[str, Any]:
        """What a device receives: `{"message": payload}`."""
        return {"message": self.payload}
