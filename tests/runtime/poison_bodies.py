"""Poison bodies: input that can never succeed (a receiver answers 400, never a 500 a sender would
retry into its dead-letter queue; issue #11, item 8). Each is a body a hostile or broken sender can
send; the limits come from the stores' documented limits (docs/runtime-contract.md "What a store can
hold"). The core's receiver and every cloud's hot writer are held to them."""

from __future__ import annotations

import json
from typing import Any

from runtime.core.envelope import build_envelope

TOKEN = "poison-test-token"
STAMP = "2026-01-01T10:00:00.000Z"


def envelope_bytes(*records: Any) -> bytes:
    return json.dumps(build_envelope(list(records), "aws", "L3_hot")).encode()


def raw_envelope(payload_text: str) -> bytes:
    """An envelope whose payload is the given JSON text, verbatim (for tokens json.dumps would not write)."""
    head = json.dumps(build_envelope([{}], "aws", "L3_hot"))
    return head.replace('"payload": [{}]', f'"payload": {payload_text}').encode()


def reading(**values: Any) -> dict[str, Any]:
    return {"device_id": "d1", "timestamp": STAMP, **values}


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def maps(depth: int) -> dict[str, Any]:
    """`depth` maps, one inside the other."""
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


POISON = {
    # JSON the stores cannot hold or Python cannot parse safely
    "nesting 100,000 deep (RecursionError in the parser)": nested(100_000).encode(),
    "nesting 5,000 deep": nested(5_000).encode(),
    "nesting 65 deep, just over the body limit": nested(65).encode(),
    "NaN": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "v": NaN}]'),
    "Infinity": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "v": Infinity}]'),
    "-Infinity": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "v": -Infinity}]'),
    "1e400 (overflows to infinity)": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "v": 1e400}]'),
    "an integer of 5,000 digits": raw_envelope('[{"device_id": "d1", "timestamp": 0, "v": ' + "9" * 5000 + "}]"),
    "lone surrogate": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "v": "\\ud800"}]'),
    "lone surrogate in a name": raw_envelope('[{"device_id": "d1", "timestamp": "2026-01-01T10:00:00Z", "\\udc00": 1}]'),
    "invalid UTF-8": b'{"payload": "\xff\xfe"}',
    "UTF-8 BOM": b"\xef\xbb\xbf{}",
    "empty body": b"",
    # numbers a store cannot hold
    "1e200 (beyond DynamoDB numbers)": envelope_bytes(reading(v=1e200)),
    "-1e200": envelope_bytes(reading(v=-1e200)),
    "1e-300 (below DynamoDB numbers)": envelope_bytes(reading(v=1e-300)),
    "2**63 (beyond Firestore integers)": envelope_bytes(reading(v=2**63)),
    "-2**63 - 1": envelope_bytes(reading(v=-(2**63) - 1)),
    "10**30 nested in a map": envelope_bytes(reading(v={"a": [1, 10**30]})),
    # shapes a store cannot hold
    "a list directly in a list (Firestore)": envelope_bytes(reading(v=[[1, 2], [3]])),
    "values nested 17 levels": envelope_bytes(reading(v=maps(17))),
    "an empty property name": envelope_bytes(reading(**{"": 1})),
    "an empty nested name": envelope_bytes(reading(v={"": 1})),
    "a name of 256 bytes": envelope_bytes(reading(**{"n" * 256: 1})),
    "a Firestore-reserved name": envelope_bytes(reading(__name__=1)),
    "a nested Firestore-reserved name": envelope_bytes(reading(v={"__x__": 1})),
    "property `id` (the Cosmos item id)": envelope_bytes(reading(id="x")),
    "property `ttl` (every store's expiry)": envelope_bytes(reading(ttl=1)),
    "property `_etag` (a Cosmos system property)": envelope_bytes(reading(_etag="x")),
    "a record of 400 KB (above DynamoDB's item limit)": envelope_bytes(reading(blob="x" * 400 * 1024)),
    "a record of 33 KB (above the record limit)": envelope_bytes(reading(blob="x" * 33 * 1024)),
    # identities
    "device id with a trailing newline": envelope_bytes({"device_id": "d1\n", "timestamp": STAMP}),
    "device id with a trailing CR LF": envelope_bytes({"device_id": "d1\r\n", "timestamp": STAMP}),
    "device id of 129 characters": envelope_bytes({"device_id": "d" * 129, "timestamp": STAMP}),
    "a record id that is not 32 hex digits": envelope_bytes(reading(record_id="abc")),
    "an upper-case record id": envelope_bytes(reading(record_id="A" * 32)),
    "a record id with a key separator": envelope_bytes(reading(record_id="#" + "a" * 31)),
    "a timestamp before 1970": envelope_bytes(reading(timestamp="1969-12-31T23:59:59Z")),
    "a timestamp past the year 9999": envelope_bytes(reading(timestamp="9999-12-31T23:00:00-05:00")),
    "a timestamp with a key separator": envelope_bytes(reading(timestamp=STAMP + "#x")),
    "epoch 1e300": envelope_bytes(reading(timestamp=1e300)),
    # envelopes
    "a trace id that is an object": json.dumps({**build_envelope([reading()], "aws", "L3_hot"), "trace_id": {"a": 1}}).encode(),
    "a trace id of 10,000 characters": json.dumps({**build_envelope([reading()], "aws", "L3_hot"), "trace_id": "t" * 10_000}).encode(),
    "an envelope time that is a number, for a record without one": json.dumps(
        {**build_envelope([{"device_id": "d1"}], "aws", "L3_hot"), "timestamp": 12}
    ).encode(),
    "an unreadable envelope time, for a record without one": json.dumps(
        {**build_envelope([{"device_id": "d1"}], "aws", "L3_hot"), "timestamp": "soon"}
    ).encode(),
}
