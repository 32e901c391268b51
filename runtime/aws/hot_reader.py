"""L3 hot: TwinMaker `dataReader` (direct invoke) or a remote range query (Function URL)."""

from runtime.aws.hot_reading import HotReader
from runtime.core.twinmaker import DATA_READER

handler = HotReader(DATA_READER).handle
