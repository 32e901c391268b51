"""L3 hot: TwinMaker `dataReader` (direct invoke) or a remote range query (Function URL)."""

from runtime.aws.hot_reading import HotReader
from runtime.core.twinmaker import DATA_READER
from twin_contract.functions import HOT_READER

handler = HotReader(HOT_READER, DATA_READER).handle
