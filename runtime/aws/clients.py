"""boto3 clients, created on first use and reused for the life of the function instance."""

from __future__ import annotations

import functools
from typing import Any

import boto3


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service)


@functools.cache
def dynamodb_table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)
