"""L3 cold → archive bridge receiver (Function URL): mover payload → one S3 object, DEEP_ARCHIVE."""

from runtime.aws.object_storage import MoverWriter
from twin_contract.functions import ARCHIVE_BUCKET_NAME, ARCHIVE_WRITER

handler = MoverWriter(ARCHIVE_WRITER, ARCHIVE_BUCKET_NAME, "DEEP_ARCHIVE").handle
