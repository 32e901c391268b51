"""L2 → L1 feedback bridge receiver (public URL, token checked) on Google: each feedback → the
twin's feedback topic, for devices of the twin's device list."""

from __future__ import annotations

from typing import Any

from runtime.core.feedback import feedback_receiver
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import serve
from runtime.gcp.pubsub_devices import DeviceList, PubSubDevices
from twin_contract import functions as s

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
FEEDBACK_TOPIC = _env.required(s.FEEDBACK_TOPIC)
DEVICE_REGISTRY_BUCKET = _env.required(s.DEVICE_REGISTRY_BUCKET)
_env.check()

_receive = feedback_receiver(PubSubDevices(FEEDBACK_TOPIC, DeviceList(DEVICE_REGISTRY_BUCKET)))


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve(request, INBOUND_TOKEN_SECRET, _receive)
