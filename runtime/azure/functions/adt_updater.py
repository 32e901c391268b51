"""L2 → L4 twin-update bridge receiver (HTTP POST /api/adt-updater): envelope records from a
persister on another cloud → twin `<device_id>` patched in Azure Digital Twins."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.digital_twins import TwinUpdater
from runtime.azure.environment import handler_environment
from runtime.azure.http import serve
from runtime.core.envelope import TWIN_UPDATE_LAYER, records_receiver
from runtime.core.http_client import validate_url

_env = handler_environment()
UPDATER_TOKEN_SECRET = _env.required("UPDATER_TOKEN_SECRET")
ADT_URL = _env.required("ADT_URL", parse=validate_url)
_env.check()

bp = func.Blueprint()
_receive = records_receiver(TWIN_UPDATE_LAYER, lambda records: TwinUpdater(ADT_URL).update(records))


def update(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, UPDATER_TOKEN_SECRET, _receive)


bp.function_name("adt_updater")(bp.route(route="adt-updater", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(update))
