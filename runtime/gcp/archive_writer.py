"""L3 cold → archive bridge receiver (public URL): mover payload → one GCS object (bucket class ARCHIVE)."""

from runtime.gcp.object_storage import MoverWriter
from twin_contract.functions import ARCHIVE_BUCKET_NAME

handler = MoverWriter(ARCHIVE_BUCKET_NAME).handle
