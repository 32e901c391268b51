"""L3 hot: TwinMaker `attributePropertyValueReaderByEntity` (direct) or a remote latest query (Function URL)."""

from runtime.aws.hot_reading import HotReader
from runtime.core.twinmaker import LAST_ENTRY_READER

handler = HotReader(LAST_ENTRY_READER).handle
