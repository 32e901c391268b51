"""L4: TwinMaker `dataReader` for every component type, routed to the local or remote hot reader."""

from runtime.aws.twin_connector import TwinDataConnector
from runtime.core.twinmaker import DATA_READER
from twin_contract.functions import DT_DATA_CONNECTOR

handler = TwinDataConnector(DT_DATA_CONNECTOR, DATA_READER).handle
