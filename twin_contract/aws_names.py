"""AWS names of a twin's functions, failure queues and hot table.

The AWS stacks create them under these names and the operator commands (`python -m twin_ops
status|redrive`) find them by the same names, without reading a template.
"""

from __future__ import annotations

# Principal of the deletions DynamoDB's TTL process makes (stream records' userIdentity).
TTL_DELETION_PRINCIPAL = "dynamodb.amazonaws.com"


def function_name(twin_name: str, role: str) -> str:
    """Every twin function is `<twin>-<role>` (e.g. `factory-floor-dispatcher`)."""
    return f"{twin_name}-{role}"


def failure_queue_name(function: str) -> str:
    """The on-failure destination of an asynchronously invoked function: `<function>-failed`."""
    return f"{function}-failed"


def telemetry_rejected_queue_name(twin_name: str) -> str:
    """Where the telemetry topic rule's error action parks what it could not hand to the dispatcher."""
    return f"{twin_name}-telemetry-rejected"


def stream_failure_queue_name(twin_name: str) -> str:
    """The hot table stream mapping's on-failure destination (batches the hot→cold mover kept failing)."""
    return f"{twin_name}-hot-to-cold-failed"


def hot_table_name(twin_name: str) -> str:
    return f"{twin_name}-hot"


def action_function_prefix(twin_name: str) -> str:
    return f"{twin_name}-action-"


def action_function_name(twin_name: str, function_name: str) -> str:
    """`<twin>-action-<functionName>`: project validation keeps it within the name limits."""
    return action_function_prefix(twin_name) + function_name
