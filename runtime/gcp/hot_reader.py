"""L3 hot: range query (docs/design.md §5) over the Firestore hot store, for a remote twin."""

from runtime.core.twinmaker import DATA_READER
from runtime.gcp.hot_reading import HotReader

handler = HotReader(DATA_READER).handle
