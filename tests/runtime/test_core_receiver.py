"""The receiver core (runtime/core/receiver.py) against the wire contract, in process and fast:
the token check refuses every near miss (tests/runtime/front_door_contract.py), and each outcome
has the status docs/design.md §5 names. The cloud handlers are held to the same in their
front-door tests; these run in milliseconds, for `make mutate`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runtime.core.errors import InvalidInput
from runtime.core.receiver import InboundRequest, handle_inbound, header, serve, token_matches
from tests.runtime.front_door_contract import MAX_BODY_BYTES, near_misses

TOKEN = "Tk-0123456789abcdefXYZ"


def headers(token: str | None, name: str = "X-Inter-Cloud-Token") -> dict[str, str]:
    return {} if token is None else {name: token}


def test_the_token_and_only_the_token_matches() -> None:
    assert token_matches(headers(TOKEN), TOKEN)
    assert token_matches(headers(TOKEN, "x-inter-cloud-token"), TOKEN)  # header names ignore case
    misses = near_misses(TOKEN)
    assert {miss: token_matches(headers(value), TOKEN) for miss, value in misses.items()} == dict.fromkeys(misses, False)


def test_an_empty_expected_token_accepts_nothing() -> None:
    assert not token_matches(headers(""), "")
    assert not token_matches(headers(TOKEN), "")
    assert not token_matches(headers(None), "")


def test_a_token_that_is_no_valid_text_is_refused_not_a_crash() -> None:
    assert not token_matches(headers("\udc80" + TOKEN[1:]), TOKEN)
    assert not token_matches(headers(TOKEN + "é"), TOKEN)


def test_header_lookup_is_case_insensitive_and_exact_in_name() -> None:
    assert header({"X-INTER-CLOUD-TOKEN": "a"}, "x-inter-cloud-token") == "a"
    assert header({"X-Inter-Cloud-Token-2": "a"}, "X-Inter-Cloud-Token") is None
    assert header({"Accept": "b", "Content-Type": "c", "X-Inter-Cloud-Token": "a"}, "X-Inter-Cloud-Token") == "a"
    assert header({"Accept": "b"}, "X-Inter-Cloud-Token") is None
    assert header({}, "X-Inter-Cloud-Token") is None


def test_requests_and_responses_cannot_be_changed_once_made() -> None:
    import dataclasses

    from runtime.core.receiver import Response

    for made, field in ((InboundRequest({}, b""), "body"), (Response(200, {}), "status")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, field, None)


def answer(body: bytes, token: str | None = TOKEN, handle: Any = lambda body: {"echo": body}) -> tuple[int, Any]:
    response = handle_inbound(InboundRequest(headers(token), body), TOKEN, handle)
    return response.status, response.body


def test_each_outcome_has_the_contracts_status() -> None:
    assert answer(b'{"a": 1}') == (200, {"echo": {"a": 1}})
    assert answer(b'{"a": 1}', token=TOKEN[:-1] + "Q")[0] == 401
    assert answer(b'{"a": 1}', token=None)[1]["error"]["code"] == "unauthorized"
    assert answer(b"{")[0] == 400
    assert answer(b'{"a": NaN}')[1]["error"]["code"] == "invalid_json"

    class UnknownDevice(InvalidInput):
        status = 404

    def refuse(body: Any) -> dict:
        raise UnknownDevice("no such device", code="unknown_device")

    assert answer(b"{}", handle=refuse) == (404, {"error": {"code": "unknown_device", "message": "no such device"}})

    def fail(body: Any) -> dict:
        raise RuntimeError("store down")

    assert answer(b"{}", handle=fail) == (500, {"error": {"code": "internal_error", "message": "the receiver failed; retry later"}})


def test_the_size_limit_is_6_mb_exactly() -> None:
    at_limit = b'"' + b"x" * (MAX_BODY_BYTES - 2) + b'"'
    assert len(at_limit) == MAX_BODY_BYTES and answer(at_limit)[0] == 200
    assert answer(at_limit + b" ")[1]["error"]["code"] == "too_large"
    assert answer(at_limit + b" ", token="wrong-token-xxxxxxx")[0] == 401  # the token first


@pytest.mark.parametrize(
    ("secret_name", "secrets", "request_", "expected"),
    [
        ("inbound", {"inbound": TOKEN}, InboundRequest(headers(TOKEN), b"{}"), 200),
        ("inbound", {"inbound": TOKEN}, InboundRequest(headers(TOKEN[:-1] + "Q"), b"{}"), 401),
        (None, {}, InboundRequest(headers(TOKEN), b"{}"), 401),  # no secret configured: nobody gets in
        ("", {}, InboundRequest(headers(""), b"{}"), 401),
        ("missing", {}, InboundRequest(headers(TOKEN), b"{}"), 500),  # the store failed: retry later
        ("inbound", {"inbound": TOKEN}, None, 400),  # an undecodable platform body
    ],
)
def test_serve_reads_the_expected_token_by_name(secret_name, secrets, request_, expected) -> None:
    read: list[str] = []

    def secret(name: str) -> str:
        read.append(name)
        return secrets[name]

    response = serve(lambda: request_, secret_name, secret, lambda body: {"ok": True})
    assert response.status == expected, response.body
    assert read == ([secret_name] if secret_name else [])
    if expected == 400:
        assert response.body["error"]["code"] == "invalid_body"
    if expected == 200:
        assert json.dumps(response.body) == '{"ok": true}'
