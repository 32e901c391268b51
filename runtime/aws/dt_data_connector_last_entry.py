"""L4: TwinMaker `attributePropertyValueReaderByEntity`, routed to the local or remote last-entry reader."""

from runtime.aws.twin_connector import TwinDataConnector
from runtime.core.twinmaker import LAST_ENTRY_READER

handler = TwinDataConnector(LAST_ENTRY_READER).handle
