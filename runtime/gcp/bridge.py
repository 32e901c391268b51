"""Senders of Google's side of a bridge: the URL from the environment, the token from Secret Manager."""

from __future__ import annotations

from runtime.core.http_client import InterCloudClient, RetryPolicy
from runtime.core.sender import RecordSender
from runtime.gcp.environment import SOURCE_CLOUD
from runtime.gcp.secrets import get_secret

RETRY_POLICY = RetryPolicy()


def remote_client(url: str, token_secret_name: str) -> InterCloudClient:
    return InterCloudClient(url, lambda: get_secret(token_secret_name), RETRY_POLICY)


def record_sender(url: str, token_secret_name: str, target_layer: str) -> RecordSender:
    return RecordSender(remote_client(url, token_secret_name), SOURCE_CLOUD, target_layer)
