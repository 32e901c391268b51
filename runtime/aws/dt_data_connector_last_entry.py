"""L4: TwinMaker `attributePropertyValueReaderByEntity`, routed to the local or remote last-entry reader."""

from runtime.aws.twin_connector import TwinDataConnector
from runtime.core.twinmaker import LAST_ENTRY_READER
from twin_contract.functions import DT_DATA_CONNECTOR_LAST_ENTRY

handler = TwinDataConnector(DT_DATA_CONNECTOR_LAST_ENTRY, LAST_ENTRY_READER).handle
