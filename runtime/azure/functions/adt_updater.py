"""L2 → L4 twin-update bridge receiver (HTTP POST /api/adt-updater): envelope records from a
persister on another cloud → twin `<device_id>` patched in Azure Digital Twins."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.digital_twins import TwinUpdater
from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import on_post
from runtime.azure.http import serve
from runtime.core.envelope import records_receiver
from runtime.core.http_client import validate_url
from twin_contract import functions as s
from twin_contract.wire import TWIN_UPDATE_LAYER

_env = handler_environment()
UPDATER_TOKEN_SECRET = _env.required(s.UPDATER_TOKEN_SECRET)
ADT_URL = _env.required(s.ADT_URL, parse=validate_url)
_env.check()

bp = func.Blueprint()
_receive = records_receiver(TWIN_UPDATE_LAYER, lambda records: TwinUpdater(ADT_URL).update(records), SOURCE_CLOUD)


@on_post(bp, s.ADT_UPDATER)
def update(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, UPDATER_TOKEN_SECRET, _receive)
