"""The Azure boundary of the post-deploy steps: bearer-token JSON calls to one data-plane host.

Plain REST over `http.client` (HTTPS only) with Entra ID tokens
from azure-identity's DefaultAzureCredential (`az login`, ARM_*/AZURE_* service principals,
managed identity: the deployer's own identity, as for Terraform). No service SDK: the IoT Hub
one (azure-iot-hub 2.7.0) still depends on the deprecated uamqp and msrest, and the steps need
a handful of REST calls. Tests replace `transport` and `token`, so every request is checked
without a network.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from twin_ops.http_exchange import exchange
from twin_ops.post_deploy import PostDeployError

IOT_HUB_SCOPE = "https://iothubs.azure.net/.default"
DIGITAL_TWINS_SCOPE = "https://digitaltwins.azure.net/.default"
_REFRESH_MARGIN_SECONDS = 300

Transport = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, dict[str, str], bytes]]
TokenSource = Callable[[str], str]  # scope → access token


def resource_path(api_version: str, *segments: str) -> str:
    """`/<segment>/…?api-version=<version>` with every segment percent-encoded whole: ids are the
    project's (device and twin ids may hold `/`, `#` or spaces) and must stay one segment."""
    return "".join(f"/{quote(segment, safe='')}" for segment in segments) + f"?api-version={api_version}"


class AzureRestError(PostDeployError):
    """A non-2xx answer: method, host and path, status and the service's error code (never the
    query string or the body, which may echo what was sent)."""

    def __init__(self, method: str, url: str, status: int, code: str | None) -> None:
        parts = urlsplit(url)
        super().__init__(f"{method} {parts.scheme}://{parts.netloc}{parts.path} → HTTP {status} {code or ''}".strip())
        self.status, self.code = status, code


def https_request(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, dict[str, str], bytes]:
    """The default transport: every call carries a bearer token, so HTTPS only."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise PostDeployError(f"refusing a non-HTTPS data-plane URL: {parts.scheme}://{parts.netloc}")
    return exchange(http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30), method, parts, headers, body)


# Terraform's service principal variables and the azure-identity ones they stand for.
TERRAFORM_SERVICE_PRINCIPAL = {"ARM_TENANT_ID": "tenant_id", "ARM_CLIENT_ID": "client_id", "ARM_CLIENT_SECRET": "client_secret"}


def terraform_service_principal(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The ARM_* service principal Terraform uses, when it is set in full and no AZURE_* one is:
    DefaultAzureCredential reads only AZURE_*, and a deployer set up for Terraform has ARM_*."""
    if environ.get("AZURE_CLIENT_ID") or not all(environ.get(name) for name in TERRAFORM_SERVICE_PRINCIPAL):
        return None
    return {argument: environ[name] for name, argument in TERRAFORM_SERVICE_PRINCIPAL.items()}


class EntraTokens:
    """Entra ID tokens per scope, reused until five minutes before they expire: Terraform's ARM_*
    service principal when set, else DefaultAzureCredential (AZURE_*, `az login`, managed identity)."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        try:
            from azure.identity import ClientSecretCredential, DefaultAzureCredential
        except ImportError as error:  # a deploy extra, not needed by `make synth`
            raise PostDeployError("the Azure post-deploy steps need azure-identity: pip install -e '.[deploy]'") from error
        principal = terraform_service_principal(environ)
        self._credential = ClientSecretCredential(**principal) if principal else DefaultAzureCredential()
        self._cache: dict[str, tuple[str, float]] = {}

    def __call__(self, scope: str) -> str:
        token, expires_on = self._cache.get(scope, ("", 0.0))
        if expires_on - _REFRESH_MARGIN_SECONDS <= time.time():
            from azure.core.exceptions import ClientAuthenticationError

            try:
                access = self._credential.get_token(scope)
            except ClientAuthenticationError as error:
                raise PostDeployError(
                    f"no Azure credentials for {scope} (`az login`, or ARM_*/AZURE_* service principal variables): "
                    f"{str(error).splitlines()[0]}"
                ) from error
            token, expires_on = access.token, float(access.expires_on)
            self._cache[scope] = (token, expires_on)
        return token


class AzureDataPlane:
    def __init__(self, host: str, scope: str, token: TokenSource, transport: Transport = https_request) -> None:
        self._base, self._scope, self._token, self._transport = f"https://{host}", scope, token, transport

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        allow: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        """(status, JSON body); any non-2xx status not in `allow` raises AzureRestError."""
        url = self._base + path
        sent = {"Authorization": f"Bearer {self._token(self._scope)}", "Accept": "application/json"}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        data = json.dumps(body).encode("utf-8") if body is not None else None
        status, response_headers, payload = self._transport(method, url, sent, data)
        if not 200 <= status < 300 and status not in allow:
            code = response_headers.get("x-ms-error-code") or response_headers.get("iothub-errorcode")
            raise AzureRestError(method, url, status, code)
        return status, (json.loads(payload) if payload else None)
