"""Helpers of the function modules: registering a handler under its role, queue payloads, and
the Cosmos hot store from the environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func

from runtime.azure.cosmos_store import CosmosHotStore, CosmosRestContainer
from runtime.azure.queues import decode_message
from runtime.core.config import Environment, positive_int
from runtime.core.logs import runs_as
from twin_contract import functions as s

QUEUE_CONNECTION = "DT_QUEUES"  # identity-based connection settings DT_QUEUES__* (function_host.py)

Handler = Callable[..., Any]


def on_queue(bp: func.Blueprint, role: s.FunctionRole, queue: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for the messages of `queue` (argument `message`)."""

    def register(handler: Handler) -> Handler:
        trigger = bp.queue_trigger(arg_name="message", queue_name=queue, connection=QUEUE_CONNECTION)
        bp.function_name(role.name)(trigger(runs_as(role.name)(handler)))
        return handler

    return register


def on_post(bp: func.Blueprint, name: str, route: str, role: s.FunctionRole | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function as `POST /api/<route>` (anonymous: the bridge token guards it)."""

    def register(handler: Handler) -> Handler:
        route_trigger = bp.route(route=route, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
        bp.function_name(name)(route_trigger(runs_as((role.name if role else name))(handler)))
        return handler

    return register


def on_schedule(bp: func.Blueprint, role: s.FunctionRole, schedule: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        trigger = bp.timer_trigger(arg_name="timer", schedule=schedule, run_on_startup=False)
        bp.function_name(role.name)(trigger(runs_as(role.name)(handler)))
        return handler

    return register


def message_json(message: func.QueueMessage) -> Any:
    return decode_message(message.get_body())


def cosmos_store(env: Environment, writable: bool) -> CosmosHotStore | None:
    endpoint, database, container = (env.required(name) for name in (s.COSMOS_ENDPOINT, s.COSMOS_DATABASE, s.COSMOS_CONTAINER))
    retention = env.required(s.HOT_RETENTION_DAYS, parse=positive_int) if writable else None
    if not (endpoint and database and container):
        return None
    return CosmosHotStore(CosmosRestContainer(endpoint, database, container), retention)
