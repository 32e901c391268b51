"""L3 cold → archive bridge receiver (Function URL): mover payload → one S3 object, DEEP_ARCHIVE."""

from runtime.aws.object_storage import MoverWriter

handler = MoverWriter("ARCHIVE_BUCKET_NAME", "DEEP_ARCHIVE").handle
