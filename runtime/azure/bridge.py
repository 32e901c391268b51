"""Senders of this cloud's side of a bridge: the URL from the environment, the token from Key Vault."""

from __future__ import annotations

from runtime.azure.environment import SOURCE_CLOUD
from runtime.azure.keyvault import get_secret
from runtime.core.http_client import InterCloudClient, RetryPolicy
from runtime.core.sender import RecordSender

RETRY_POLICY = RetryPolicy()


def remote_client(url: str, token_secret_name: str) -> InterCloudClient:
    return InterCloudClient(url, lambda: get_secret(token_secret_name), RETRY_POLICY)


def record_sender(url: str, token_secret_name: str, target_layer: str) -> RecordSender:
    return RecordSender(remote_client(url, token_secret_name), SOURCE_CLOUD, target_layer)
