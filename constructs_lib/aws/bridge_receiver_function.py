"""The receiving end of a bridge on AWS: one twin function behind the connection's Function URL.

Every receiver (the L2 Ingestion, the L3 hot writer, the cold and archive writers) is a twin
function whose URL and token the stack's bridge endpoints publish (`receive`, given the function
and this construct as the scope of its resources); receivers differ only in name, environment and
what the function may do with what it receives (`grant`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps


@dataclass(frozen=True)
class BridgeReceiverFunctionProps:
    twin_name: str
    bundle: Path
    # Publishes the function as the bridge's endpoint: (function, scope for the endpoint's resources).
    receive: Callable[[lambda_.Function, Construct], object]
    role_name: str  # the function is <twin>-<role_name>, its handler the module of that name
    function_id: str  # construct id of the TwinFunction: each receiver keeps its own (logical ids)
    description: str
    environment: dict[str, str] = field(default_factory=dict)
    # Gives the function what it needs for what it receives; runs before the token is granted.
    grant: Callable[[lambda_.Function], object] = lambda function: None
    timeout_seconds: int = 30
    debug: bool = False


class BridgeReceiverFunction(Construct):
    """Exposes `function`."""

    def __init__(self, scope: Construct, id: str, props: BridgeReceiverFunctionProps) -> None:
        super().__init__(scope, id)
        self.function = TwinFunction(
            self,
            props.function_id,
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name=props.role_name,
                bundle=props.bundle,
                environment=props.environment,
                debug=props.debug,
                timeout_seconds=props.timeout_seconds,
                description=props.description,
            ),
        ).function
        props.grant(self.function)
        props.receive(self.function, self)
