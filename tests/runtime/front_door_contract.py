"""What a bridge receiver must answer, written from the wire contract (docs/design.md §5,
docs/runtime-contract.md "Runtime details" and "What a store can hold"), never from the receiver:
the exact status for a token and a body, the error codes, near-miss tokens, and one valid body per
kind of front door. Every cloud's front-door tests hold their HTTP handlers to it.
"""

from __future__ import annotations

import json
from typing import Any

# "Request bodies above 6 MB get 413."
MAX_BODY_BYTES = 6 * 1024 * 1024
# The error codes of "What a store can hold" a front door may answer a bad body with (400).
BAD_INPUT_CODES = {
    "invalid_json", "invalid_body", "invalid_envelope", "invalid_record", "invalid_mover_payload", "invalid_query",
    "rejected_by_digital_twins",
}
STAMP = "2026-01-01T10:00:00.000Z"
RECORD = {"device_id": "d1", "timestamp": STAMP, "record_id": "0" * 31 + "1", "v": 1}


def envelope(target_layer: str) -> bytes:
    """A valid telemetry envelope (docs/design.md §5), written out by hand."""
    return json.dumps({"source_cloud": "aws", "target_layer": target_layer, "message_type": "telemetry",
                       "timestamp": STAMP, "trace_id": "near-miss-trace", "payload": [RECORD]}).encode()


def mover_payload() -> bytes:
    """A valid dt.mover.v1 payload of one record (docs/runtime-contract.md "Mover payload"): the key
    from the first/last time, the count and SHA-256 of the record ids, computed here."""
    import hashlib

    compact = STAMP.replace("-", "").replace(":", "").replace(".", "")
    digest = hashlib.sha256(RECORD["record_id"].encode()).hexdigest()[:16]
    return json.dumps({"schema": "dt.mover.v1", "source_cloud": "aws", "device_id": "d1", "start_timestamp": STAMP,
                       "end_timestamp": STAMP, "object_key": f"d1/2026/01/01/{compact}_{compact}_1_{digest}.json",
                       "records": [RECORD]}).encode()


QUERY = json.dumps({"device_id": "d1", "properties": ["v"], "start_time": "2026-01-01T00:00:00Z",
                    "end_time": "2026-01-02T00:00:00Z"}).encode()
LAST_ENTRY_QUERY = json.dumps({"device_id": "d1", "properties": ["v"]}).encode()


def valid_body(door: str) -> bytes:
    """A body the door answers 200 to, with the right token."""
    if door == "ingestion":
        return envelope("L2")
    if door == "hot_writer":
        return envelope("L3_hot")
    if door == "adt_updater":
        return envelope("L4")
    if door in ("cold_writer", "archive_writer"):
        return mover_payload()
    return LAST_ENTRY_QUERY if door.endswith("last_entry") else QUERY


def _other(character: str) -> str:
    return "A" if character != "A" else "B"


def near_misses(token: str) -> dict[str, str | None]:
    """Wrong tokens as close to `token` as they come (None: no header at all). A receiver that
    compares only a prefix, only the length, or case-insensitively lets one of them in."""
    assert len(token) > 8 and token.isascii()
    return {
        "last byte differs": token[:-1] + _other(token[-1]),
        "first byte differs": _other(token[0]) + token[1:],
        "only the first 4 bytes right": token[:4] + "".join(_other(c) for c in token[4:]),
        "a prefix": token[:-1],
        "longer, with the right prefix": token + "0",
        "other case": token.swapcase() if token.swapcase() != token else token.upper() + "x",
        "empty": "",
        "no header": None,
    }


def strict_json(body: bytes) -> bool:
    """Whether `body` is UTF-8 JSON without NaN/Infinity (the contract's strict JSON; depth aside)."""
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        json.loads(body.decode("utf-8"), parse_constant=refuse)
    except (ValueError, RecursionError):
        return False
    return True


def assert_answer(status: int, answer: Any, body: bytes, token_right: bool) -> None:
    """The exact answer the contract names for `body` sent with a right or wrong token:
    wrong token → 401 `unauthorized` (before the body is read); above 6 MB → 413 `too_large`;
    else 200, or 400 with a bad-input code; a body that is not strict JSON is never a 200."""
    if not token_right:
        assert (status, answer) == (401, {"error": {"code": "unauthorized", "message": answer["error"]["message"]}})
        return
    if len(body) > MAX_BODY_BYTES:
        assert (status, answer["error"]["code"]) == (413, "too_large")
        return
    assert status in (200, 400), (status, answer)
    if status == 400:
        assert set(answer) == {"error"} and answer["error"]["code"] in BAD_INPUT_CODES, answer
    else:
        assert strict_json(body), (body[:200], answer)
