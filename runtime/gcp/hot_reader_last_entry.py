"""L3 hot: latest-entry query (docs/design.md §5) over the Firestore hot store, for a remote twin."""

from runtime.core.twinmaker import LAST_ENTRY_READER
from runtime.gcp.hot_reading import HotReader

handler = HotReader(LAST_ENTRY_READER).handle
