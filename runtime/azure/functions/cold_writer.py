"""L3 hot → cold bridge receiver (HTTP POST /api/cold-writer): mover payload → one Cool blob."""

import azure.functions as func

from runtime.azure.blob_storage import COOL
from runtime.azure.blob_writer import MoverWriter
from runtime.azure.functions._shared import on_post
from twin_contract.functions import COLD_CONTAINER_URL, COLD_WRITER

writer = MoverWriter(COLD_CONTAINER_URL, COOL)
bp = func.Blueprint()
on_post(bp, COLD_WRITER)(writer.handle)
