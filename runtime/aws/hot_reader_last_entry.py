"""L3 hot: TwinMaker `attributePropertyValueReaderByEntity` (direct) or a remote latest query (Function URL)."""

from runtime.aws.hot_reading import HotReader
from runtime.core.twinmaker import LAST_ENTRY_READER
from twin_contract.functions import HOT_READER_LAST_ENTRY

handler = HotReader(HOT_READER_LAST_ENTRY, LAST_ENTRY_READER).handle
