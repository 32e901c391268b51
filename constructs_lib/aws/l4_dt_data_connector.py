"""The Digital Twin Data Connector: TwinMaker's readers when the hot store is on another cloud.

TwinMaker can only invoke Lambda functions, so the L4 stack holds two functions with the readers'
TwinMaker signatures (`dataReader`, `attributePropertyValueReaderByEntity`) that turn TwinMaker
requests into the cloud-neutral reader query and POST it to the remote hot reader endpoints of
the same connection (`url` and `last-entry-url`), with the connection's token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from collections.abc import Callable

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY


@dataclass(frozen=True)
class DigitalTwinDataConnectorProps:
    twin_name: str
    bundle: Path
    # Sends on the hot-reader bridge: (function, registry key of the endpoint it calls).
    hot_reader: Callable[[lambda_.Function, str], object]
    debug: bool


class DigitalTwinDataConnector(Construct):
    """Exposes `data_reader` and `last_entry_reader` (Lambda functions for the component types)."""

    def __init__(self, scope: Construct, id: str, props: DigitalTwinDataConnectorProps) -> None:
        super().__init__(scope, id)
        self.data_reader = self._connector("DataReader", "dt-data-connector", URL_KEY, props)
        self.last_entry_reader = self._connector(
            "LastEntryReader", "dt-data-connector-last-entry", LAST_ENTRY_URL_KEY, props
        )

    def _connector(
        self, id: str, role_name: str, url_key: str, props: DigitalTwinDataConnectorProps
    ) -> lambda_.Function:
        connector = TwinFunction(
            self,
            id,
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name=role_name,
                bundle=props.bundle,
                debug=props.debug,
                description=f"{props.twin_name} Digital Twin Data Connector ({url_key}): TwinMaker → remote hot reader",
            ),
        )
        props.hot_reader(connector.function, url_key)
        return connector.function
