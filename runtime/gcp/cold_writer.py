"""L3 hot → cold bridge receiver (public URL): mover payload → one GCS object (bucket class NEARLINE)."""

from runtime.gcp.object_storage import MoverWriter
from twin_contract.functions import COLD_BUCKET_NAME

handler = MoverWriter(COLD_BUCKET_NAME).handle
