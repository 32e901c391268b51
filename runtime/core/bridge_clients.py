"""The sending side of a bridge on any cloud: the receiver's URL from the function's settings, the
token from the cloud's secret store by name, one retry policy (docs/runtime-contract.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from runtime.core.config import Environment
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.retry import RetryPolicy
from runtime.core.sender import RecordSender
from twin_contract.functions import REMOTE, REMOTE_TOKEN_SECRET, REMOTE_URL, token_setting, url_setting
from twin_contract.registry import URL_KEY


Deliver = Callable[[list[dict[str, Any]]], Any]


class BridgeClients:
    """`secret(name)` reads a token from this cloud's store (cached there); tests shorten `retry_policy`."""

    def __init__(self, source_cloud: str, secret: Callable[[str], str]) -> None:
        self.source_cloud, self._secret = source_cloud, secret
        self.retry_policy = RetryPolicy()

    def client(self, url: str, token_secret_name: str) -> InterCloudClient:
        return InterCloudClient(url, lambda: self._secret(token_secret_name), self.retry_policy)

    def record_sender(self, url: str, token_secret_name: str, target_layer: str) -> RecordSender:
        return RecordSender(self.client(url, token_secret_name), self.source_cloud, target_layer)

    def remote_client(self, env: Environment, prefix: str = REMOTE, key: str = URL_KEY) -> Callable[[], InterCloudClient]:
        """The client of the bridge whose settings start with `prefix`, read now (cold start) and
        built on first use."""
        url, secret = bridge_settings(env, prefix, key)
        return functools.cache(lambda: self.client(url, secret))

    def remote_sender(self, env: Environment, target_layer: str, prefix: str = REMOTE) -> Callable[[], RecordSender]:
        url, secret = bridge_settings(env, prefix)
        return functools.cache(lambda: self.record_sender(url, secret, target_layer))

    def optional_records(self, env: Environment, target_layer: str, prefix: str) -> Deliver | None:
        """Records to the bridge of `prefix` when `<prefix>_URL` is set (then its token is required too)."""
        if not env.optional(url_setting(prefix)):
            return None
        sender = self.remote_sender(env, target_layer, prefix)
        return lambda records: sender().put(records)

    def records_sink(
        self, mode: str | None, settings: Mapping[str, Any], local: Callable[[], Any], target_layer: str
    ) -> Deliver:
        """Where a function's records go in its `local` mode (`local()`, e.g. the hot store) or its
        `remote` mode (the receiver of REMOTE_URL); built on first use."""

        @functools.cache
        def sink() -> Any:
            if mode == "local":
                return local()
            return self.record_sender(settings[REMOTE_URL], settings[REMOTE_TOKEN_SECRET], target_layer)

        return lambda records: sink().put(records)


def bridge_settings(env: Environment, prefix: str = REMOTE, key: str = URL_KEY) -> tuple[str, str]:
    """`<prefix>_URL` (https) and `<prefix>_TOKEN_SECRET`, both required."""
    return env.required(url_setting(prefix, key), parse=validate_url), env.required(token_setting(prefix))
