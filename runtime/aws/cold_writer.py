"""L3 hot → cold bridge receiver (Function URL): mover payload → one S3 object, STANDARD_IA."""

from runtime.aws.object_storage import MoverWriter

handler = MoverWriter("COLD_BUCKET_NAME", "STANDARD_IA").handle
