"""The local Azure platform's own secrets (twin_ops/local/standins/azure.py) refuse near misses:
the managed identity endpoint's IDENTITY_HEADER and a Logic App callback URL's `sig`, as the
services do. Wrong values come from tests/runtime/front_door_contract.py (same length differing in
the last or first byte, a prefix, a longer value with the right prefix, ...)."""

from __future__ import annotations

import ssl
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.runtime.front_door_contract import near_misses
from twin_ops.local.http import Request
from twin_ops.local.ledger import Ledger
from twin_ops.local.standins.azure import Identity, LogicApp, LogicApps


class Routes:
    """What a stand-in needs of its LocalServer: a URL and its routes (called here in process)."""

    url = "http://127.0.0.1:9"

    def __init__(self) -> None:
        self.handlers: dict[tuple[str, str], Any] = {}

    def route(self, method: str, pattern: str, handler: Any) -> None:
        self.handlers[(method, pattern)] = handler


def test_the_identity_endpoint_answers_only_the_exact_identity_header() -> None:
    routes = Routes()
    identity = Identity(routes)  # type: ignore[arg-type]
    identity.principals["client-1"] = "principal-1"  # a user-assigned identity the output declares
    token = routes.handlers[("GET", "/msi/token")]

    def ask(secret: str | None) -> int:
        headers = {} if secret is None else {"X-IDENTITY-HEADER": secret}
        query = {"resource": "https://vault.azure.net", "client_id": "client-1"}
        return token(Request("GET", "/msi/token", query, headers, b"")).status

    assert ask(identity.secret) == 200
    misses = near_misses(identity.secret)
    assert {miss: ask(value) for miss, value in misses.items()} == {miss: 401 for miss in misses}


def test_a_logic_app_runs_only_for_its_exact_signature() -> None:
    routes, ledger = Routes(), Ledger()
    apps = LogicApps(routes, ledger, SimpleNamespace(ca_file=ssl.get_default_verify_paths().cafile))  # type: ignore[arg-type]
    apps.workflows["notify"] = LogicApp(trigger="manual", actions={})
    url = urlsplit(apps.callback_url("notify", "manual"))
    query = dict(parse_qsl(url.query))
    invoke = routes.handlers[("POST", "/logicapps/{workflow}/triggers/{trigger}/invoke")]

    def call(signature: str | None) -> int:
        asked = {k: v for k, v in query.items() if k != "sig"} | ({} if signature is None else {"sig": signature})
        request = Request("POST", url.path, asked, {}, b"{}", {"workflow": "notify", "trigger": "manual"})
        return invoke(request).status

    misses = near_misses(query["sig"])
    assert {miss: call(value) for miss, value in misses.items()} == {miss: 401 for miss in misses}
    assert call(query["sig"]) == 202


def test_a_logic_app_refuses_a_trigger_it_does_not_have() -> None:
    """The workflow's signature on a callback URL naming another trigger (a renamed trigger, the
    designer's default name): the service refuses it, 404 WorkflowTriggerNotFound, and runs nothing."""
    routes = Routes()
    apps = LogicApps(routes, Ledger(), SimpleNamespace(ca_file=ssl.get_default_verify_paths().cafile))  # type: ignore[arg-type]
    apps.workflows["notify"] = LogicApp(trigger="manual", actions={})
    url = urlsplit(apps.callback_url("notify", "manual"))
    invoke = routes.handlers[("POST", "/logicapps/{workflow}/triggers/{trigger}/invoke")]

    def call(trigger: str) -> Any:
        path = url.path.replace("/triggers/manual/", f"/triggers/{trigger}/")
        return invoke(Request("POST", path, dict(parse_qsl(url.query)), {}, b"{}", {"workflow": "notify", "trigger": trigger}))

    refused = call("When_a_HTTP_request_is_received")
    assert (refused.status, refused.body.get("error", {}).get("code")) == (404, "WorkflowTriggerNotFound")
    assert call("manual").status == 202
