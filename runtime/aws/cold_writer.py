"""L3 hot → cold bridge receiver (Function URL): mover payload → one S3 object, STANDARD_IA."""

from runtime.aws.object_storage import MoverWriter
from twin_contract.functions import COLD_BUCKET_NAME, COLD_WRITER

handler = MoverWriter(COLD_WRITER, COLD_BUCKET_NAME, "STANDARD_IA").handle
