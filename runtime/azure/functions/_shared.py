"""Helpers of the function modules: registering a handler under its role, queue payloads, and
the Cosmos hot store from the environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func

from runtime.azure.cosmos_store import CosmosHotStore, CosmosRestContainer
from runtime.azure.environment import runs_as
from runtime.azure.queues import decode_message
from runtime.core.config import Environment, positive_int
from twin_contract import functions as s

QUEUE_CONNECTION = "DT_QUEUES"  # identity-based connection settings DT_QUEUES__* (function_host.py)

Handler = Callable[..., Any]


def on_queue(bp: func.Blueprint, role: s.FunctionRole, queue: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for the messages of `queue` (argument `message`)."""
    return _registered(bp, role, role.name, bp.queue_trigger(arg_name="message", queue_name=queue, connection=QUEUE_CONNECTION))


def on_post(
    bp: func.Blueprint, role: s.FunctionRole, route: str | None = None, name: str | None = None
) -> Callable[[Handler], Handler]:
    """Register the decorated function as `POST /api/<route>` (default: the role's route; anonymous:
    the bridge token guards it), named `name` (default: the role's)."""
    trigger = bp.route(route=route or role.route, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    return _registered(bp, role, name or role.name, trigger)


def on_schedule(bp: func.Blueprint, role: s.FunctionRole, schedule: str) -> Callable[[Handler], Handler]:
    return _registered(bp, role, role.name, bp.timer_trigger(arg_name="timer", schedule=schedule, run_on_startup=False))


def _registered(bp: func.Blueprint, role: s.FunctionRole, name: str, trigger: Callable[[Handler], Any]) -> Callable[[Handler], Handler]:
    """The module keeps the registered function: it logs under its role (runtime.core.logs)."""

    def register(handler: Handler) -> Handler:
        registered = runs_as(role)(handler)
        bp.function_name(name)(trigger(registered))
        return registered

    return register


def message_json(message: func.QueueMessage) -> Any:
    return decode_message(message.get_body())


def cosmos_store(env: Environment, writable: bool) -> CosmosHotStore | None:
    endpoint, database, container = (env.required(name) for name in (s.COSMOS_ENDPOINT, s.COSMOS_DATABASE, s.COSMOS_CONTAINER))
    retention = env.required(s.HOT_RETENTION_DAYS, parse=positive_int) if writable else None
    if not (endpoint and database and container):
        return None
    return CosmosHotStore(CosmosRestContainer(endpoint, database, container), retention)
