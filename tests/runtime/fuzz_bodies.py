"""Hypothesis strategies for the bridge receivers' fuzz tests on every cloud, and their settings.

Two kinds of body:
- `hostile_bodies`: anything a broken or hostile sender can POST (random bytes, random JSON,
  envelopes and mover payloads with random records, poison the stores cannot hold). A front door
  must never answer it with a 5xx (a sender would retry it into its dead-letter queue).
- `deliveries`: well-formed envelopes whose records collide on purpose (the same millisecond,
  the same id, no id, no time) plus how often the sender replays each; the store must end up
  with exactly one row per distinct record, computed here from the wire contract.

Example counts stay modest so `make test` stays fast (`FUZZ_EXAMPLES_SCALE=10` runs ten times as
many). Runs are derandomized, so a failure repeats; set `FUZZ_RANDOM=1` to explore new examples.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

from runtime.core.envelope import build_envelope

NAMESPACE = uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5")  # docs/runtime-contract.md
SCALE = float(os.environ.get("FUZZ_EXAMPLES_SCALE", "1"))
HOSTILE_EXAMPLES = max(1, int(30 * SCALE))  # per front door: cheap, no store round trips
DELIVERY_EXAMPLES = max(1, int(12 * SCALE))  # per store: each example writes, replays and reads back


def fuzz_settings(examples: int = HOSTILE_EXAMPLES) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- hostile bodies ----------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e200, -1e200, 1e-300, 5e-324, 2**63, -(2**63) - 1, 9.9e125, 1e-130, 0.0, -0.0]),
)
TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "d1", "d1\n", "d1\r\n", "id", "ttl", "record_id", "_etag", "__name__", "#", "\x00",
                     "2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000Z#x", "1969-12-31T23:59:59Z", "NaN"]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=20,
)
DEVICE_IDS = st.one_of(st.sampled_from(["d1", "d2", "d1\n", "", "a/b", "x" * 129]), st.text(max_size=8), st.integers())
TIMES = st.one_of(
    st.sampled_from(["2026-01-01T10:00:00Z", "2026-01-01T10:00:00.000Z", 1767261600, 1767261600000, "", None,
                     "1969-12-31T23:59:59Z", "9999-12-31T23:59:59.999Z", 1e300, "soon", True]),
    st.text(max_size=30),
)
RECORD_IDS = st.one_of(st.none(), st.sampled_from(["a" * 32, "A" * 32, "abc", "", "#" * 32]), st.text(max_size=33))


@st.composite
def hostile_records(draw: st.DrawFn) -> Any:
    record = draw(st.dictionaries(TEXT, JSON_VALUES, max_size=5))
    for key, values in (("device_id", DEVICE_IDS), ("timestamp", TIMES), ("record_id", RECORD_IDS)):
        if draw(st.booleans()):
            record[key] = draw(values)
    return record if draw(st.integers(0, 9)) else draw(JSON_VALUES)


@st.composite
def hostile_envelopes(draw: st.DrawFn, target_layer: str) -> dict[str, Any]:
    envelope = build_envelope(draw(st.lists(hostile_records(), max_size=4)), "fuzz", target_layer)
    for field in draw(st.lists(st.sampled_from(sorted(envelope)), max_size=2)):
        envelope[field] = draw(JSON_VALUES)
    return envelope


@st.composite
def hostile_mover_payloads(draw: st.DrawFn) -> dict[str, Any]:
    payload = {
        "schema": draw(st.sampled_from(["dt.mover.v1", "dt.mover.v0"])),
        "source_cloud": draw(st.sampled_from(["aws", "", "azure"])),
        "device_id": draw(DEVICE_IDS),
        "start_timestamp": draw(TIMES),
        "end_timestamp": draw(TIMES),
        "object_key": draw(st.one_of(TEXT, st.just("d1/2026/01/01/x.json"))),
        "records": draw(st.lists(hostile_records(), max_size=3)),
    }
    for field in draw(st.lists(st.sampled_from(sorted(payload)), max_size=2)):
        payload[field] = draw(JSON_VALUES)
    return payload


@st.composite
def hostile_queries(draw: st.DrawFn) -> dict[str, Any]:
    query = {
        "device_id": draw(DEVICE_IDS),
        "properties": draw(st.one_of(st.lists(TEXT, max_size=3), JSON_VALUES)),
        "start_time": draw(TIMES),
        "end_time": draw(TIMES),
    }
    for name, values in (("max_results", st.one_of(st.integers(-5, 2000), JSON_VALUES)),
                         ("order", st.one_of(st.sampled_from(["ASCENDING", "DESCENDING"]), JSON_VALUES)),
                         ("next_token", st.one_of(TEXT, JSON_VALUES, st.just("eyJkZXZpY2VfaWQiOiAiZDEifQ==")))):
        if draw(st.booleans()):
            query[name] = draw(values)
    return query


POISON_TEXTS = [
    "[" * 100_000 + "]" * 100_000,
    "[" * 70 + "]" * 70,
    '{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}', '{"a": ' + "9" * 5000 + "}",
    '"\\ud800"', "\ufeff{}", "", " ", "null", "[]", "{}", "0",
]


def _maps(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


# Values and names some store cannot hold, each on its own in an otherwise valid record.
POISON_VALUES = st.sampled_from([
    1e200, -1e200, 1e-300, 5e-324, 2**63, -(2**63) - 1, 10**30, float("inf"), float("nan"), [[1], [2]],
    _maps(17), {"": 1}, {"__x__": 1}, "\ud800", {"\udc00": 1}, "x" * (33 * 1024),
])
POISON_NAMES = st.sampled_from(["", "id", "ttl", "_rid", "_etag", "_ts", "__name__", "n" * 256, "\ud800"])
GOOD_RECORDS = st.fixed_dictionaries({
    "device_id": st.sampled_from(["d1", "d2"]),
    "timestamp": st.sampled_from(["2026-01-01T10:00:00Z", 1767261600000]),
    "record_id": st.sampled_from([f"{n:032x}" for n in range(3)]),
    "v": st.integers(0, 9),
})


@st.composite
def near_valid_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record but for one thing a store cannot hold (or one broken identity field)."""
    record = dict(draw(GOOD_RECORDS))
    flaw = draw(st.sampled_from(["value", "name", "identity"]))
    if flaw == "value":
        record["p"] = draw(POISON_VALUES)
    elif flaw == "name":
        record[draw(POISON_NAMES)] = 1
    else:
        record[draw(st.sampled_from(["device_id", "timestamp", "record_id"]))] = draw(
            st.sampled_from(["d1\n", "", "x" * 129, "1969-12-31T23:59:59Z", "A" * 32, "2026-01-01T10:00:00.000Z#x", 1e300])
        )
    return record


@st.composite
def near_valid_envelopes(draw: st.DrawFn, target_layer: str) -> dict[str, Any]:
    records = draw(st.lists(GOOD_RECORDS, max_size=3)) + [draw(near_valid_records())]
    return build_envelope(draw(st.permutations(records)), "fuzz", target_layer)


@st.composite
def near_valid_mover_payloads(draw: st.DrawFn) -> dict[str, Any]:
    good = {"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z", "record_id": "0" * 32}
    flawed = {**draw(near_valid_records()), "device_id": "d1", "timestamp": "2026-01-01T10:00:01.000Z"}
    return {"schema": "dt.mover.v1", "source_cloud": "fuzz", "device_id": "d1",
            "start_timestamp": good["timestamp"], "end_timestamp": flawed["timestamp"],
            "object_key": "d1/2026/01/01/x.json", "records": [good, flawed]}


@st.composite
def near_valid_queries(draw: st.DrawFn) -> dict[str, Any]:
    """A valid reader query but for its cursor or one field (a cursor of another range or device)."""
    position = {"device_id": draw(st.sampled_from(["d1", "d2", 7])),
                "timestamp": draw(st.one_of(st.sampled_from(["2026-01-01T10:00:00.000Z", "2030-01-01T00:00:00.000Z",
                                                             "", "~", "2026-01-01T10:00:00.000Z#" + "f" * 32]),
                                            st.text(max_size=30), st.integers()))}
    token = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
    query = {"device_id": "d1", "properties": ["v"], "start_time": "2026-01-01T00:00:00Z",
             "end_time": "2026-01-01T12:00:00Z", "max_results": draw(st.sampled_from([1, 1000, 1001, 0, True, 2.5])),
             "order": draw(st.sampled_from(["ASCENDING", "DESCENDING", "descending"])),
             "next_token": draw(st.sampled_from([token, token[:-2], "%%", None]))}
    return query


def hostile_bodies(shapes: st.SearchStrategy[Any], near_valid: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[bytes]:
    """Bodies built from `shapes` (the front door's own format, broken) and `near_valid` (its format,
    valid but for one value no store can hold), plus generic garbage and known poison."""

    def encode(value: Any) -> bytes:
        return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")

    branches = [shapes.map(encode), JSON_VALUES.map(encode), st.binary(max_size=64),
                st.sampled_from(POISON_TEXTS).map(lambda text: text.encode("utf-8", "surrogatepass"))]
    if near_valid is not None:
        branches += [near_valid.map(encode)] * 2
    return st.one_of(*branches)


def with_poison_examples(test: Any) -> Any:
    """Every known poison text, run on every front door besides the generated bodies."""
    for text in POISON_TEXTS:
        test = example(body=text.encode("utf-8", "surrogatepass"))(test)
    return test


# --- deliveries with colliding records ---------------------------------------------------------

STAMPS = ["2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00.001Z", "2026-01-01T23:59:59.999Z"]
IDS = [f"{n:032x}" for n in (1, 2, 3)]


@dataclass(frozen=True)
class Delivery:
    """Envelopes a sender posts (each `replays` times) and the rows the store must then hold."""

    envelopes: list[dict[str, Any]]
    replays: int
    expected: set[tuple[str, str, str]]  # (device_id, timestamp, record_id) of every distinct record


@st.composite
def deliveries(draw: st.DrawFn, target_layer: str) -> Delivery:
    envelopes, expected = [], set()
    for _ in range(draw(st.integers(1, 3))):
        records = draw(st.lists(st.fixed_dictionaries({
            "device_id": st.sampled_from(["d1", "d2"]),
            "timestamp": st.one_of(st.none(), st.sampled_from(STAMPS)),
            "record_id": st.one_of(st.none(), st.sampled_from(IDS)),
            "v": st.integers(0, 3),
        }), min_size=1, max_size=6))
        envelope = build_envelope([{k: v for k, v in r.items() if v is not None} for r in records], "fuzz", target_layer)
        for index, record in enumerate(records):
            # The contract: an id-less record is named by the envelope's trace id and its index; a
            # timeless one takes the envelope's time (both the same on every replay of the envelope).
            rid = record["record_id"] or uuid.uuid5(NAMESPACE, f"{envelope['trace_id']}:{index}").hex
            expected.add((record["device_id"], record["timestamp"] or envelope["timestamp"], rid))
        envelopes.append(envelope)
    return Delivery(envelopes, draw(st.integers(1, 3)), expected)
