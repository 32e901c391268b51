"""L3 cold → archive bridge receiver (HTTP POST /api/archive-writer): mover payload → one Archive blob."""

import azure.functions as func

from runtime.azure.blob_storage import ARCHIVE
from runtime.azure.blob_writer import MoverWriter
from runtime.azure.functions._shared import on_post
from twin_contract.functions import ARCHIVE_CONTAINER_URL, ARCHIVE_WRITER

writer = MoverWriter(ARCHIVE_CONTAINER_URL, ARCHIVE)
bp = func.Blueprint()
on_post(bp, ARCHIVE_WRITER)(writer.handle)
