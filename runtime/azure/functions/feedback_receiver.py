"""L2 → L1 feedback bridge receiver (HTTP POST /api/feedback-receiver) on Azure: each feedback →
the device twin's desired property `feedback` in the twin's IoT Hub."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import on_post
from runtime.azure.http import serve
from runtime.azure.iot_hub_devices import IotHubDevices
from runtime.core.feedback import feedback_receiver
from twin_contract import functions as s

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
IOT_HUB_HOST = _env.required(s.IOT_HUB_HOST)
_env.check()

bp = func.Blueprint()
_receive = feedback_receiver(IotHubDevices(IOT_HUB_HOST))


@on_post(bp, s.FEEDBACK_RECEIVER)
def receive(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, _receive)
