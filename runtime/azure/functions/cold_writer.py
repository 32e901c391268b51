"""L3 hot → cold bridge receiver (HTTP POST /api/cold-writer): mover payload → one Cool blob."""

import azure.functions as func

from runtime.azure.blob_storage import COOL
from runtime.azure.blob_writer import MoverWriter

writer = MoverWriter("COLD_CONTAINER_URL", COOL)
bp = func.Blueprint()
bp.function_name("cold_writer")(
    bp.route(route="cold-writer", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(writer.handle)
)
