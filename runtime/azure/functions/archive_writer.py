"""L3 cold → archive bridge receiver (HTTP POST /api/archive-writer): mover payload → one Archive blob."""

import azure.functions as func

from runtime.azure.blob_storage import ARCHIVE
from runtime.azure.blob_writer import MoverWriter

writer = MoverWriter("ARCHIVE_CONTAINER_URL", ARCHIVE)
bp = func.Blueprint()
bp.function_name("archive_writer")(
    bp.route(route="archive-writer", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(writer.handle)
)
