"""Record identity (runtime/core/record_identity.py) against docs/runtime-contract.md "Record
identity": ids are uuid5 hex under the contract's namespace of the names its table gives, computed
here with the uuid module; storage keys and ranges as the contract writes them."""

from __future__ import annotations

import uuid

import pytest

from runtime.core import record_identity as ri

NAMESPACE = uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5")  # the contract's, written out


def v5(name: str) -> str:
    return uuid.uuid5(NAMESPACE, name).hex


@pytest.mark.parametrize("name", ["aws:0d6f2c9e-1", "", "é ✓", "a" * 1000, "x:1", "\ud800"])
def test_named_ids_are_rfc_4122_version_5_in_the_contracts_namespace(name) -> None:
    expected = v5(name) if name != "\ud800" else uuid.UUID(bytes=_sha1_v5(name)).hex
    assert ri.named_id(name) == expected
    assert uuid.UUID(hex=expected).version == 5 and uuid.UUID(hex=expected).variant == uuid.RFC_4122


def _sha1_v5(name: str) -> bytes:
    import hashlib

    digest = bytearray(hashlib.sha1(NAMESPACE.bytes + name.encode("utf-8", "surrogatepass")).digest()[:16])
    digest[6], digest[8] = (digest[6] & 0x0F) | 0x50, (digest[8] & 0x3F) | 0x80
    return bytes(digest)


def test_each_entry_point_hashes_the_name_the_contract_gives() -> None:
    assert ri.ingress_id("aws", "abc-123") == v5("aws:abc-123")
    assert ri.ingress_id("google", 42) == v5("google:42")
    assert ri.envelope_record_id("trace-1", 3) == v5("trace-1:3")
    assert ri.fanout_record_id("f" * 32, 0) == v5("f" * 32 + ":0")
    assert ri.legacy_record_id("d1", "2026-01-01T00:00:00.000Z") == v5("d1:2026-01-01T00:00:00.000Z")


@pytest.mark.parametrize("missing", [None, ""])
def test_a_message_without_a_platform_id_gets_a_random_id(missing) -> None:
    first, second = ri.ingress_id("azure", missing), ri.ingress_id("azure", missing)
    assert first != second and len(first) == 32 and first != v5(f"azure:{missing}")
    assert ri.ingress_id("azure", 0) == v5("azure:0")  # 0 is an id, not a missing one


@pytest.mark.parametrize("value", ["0" * 32, "0123456789abcdef" * 2])
def test_valid_record_ids(value) -> None:
    assert ri.validate_record_id(value) == value


@pytest.mark.parametrize("value", ["0" * 31, "0" * 33, "A" * 32, "g" * 32, "#" + "0" * 31, None, 7, "0" * 32 + "\n", ""])
def test_invalid_record_ids_are_refused_with_the_field_named(value) -> None:
    with pytest.raises(ri.RecordIdError, match="record_id must be 32 lowercase hex digits"):
        ri.validate_record_id(value)


def test_a_long_invalid_id_is_shown_cut() -> None:
    with pytest.raises(ri.RecordIdError) as raised:
        ri.validate_record_id("z" * 500)
    assert str(raised.value).endswith("...") and len(str(raised.value)) < 120
    with pytest.raises(ri.RecordIdError, match=r"got 'zz'$"):
        ri.validate_record_id("zz")
    # at most 60 characters of the value's repr are shown whole; a longer one is cut to 57 + "..."
    with pytest.raises(ri.RecordIdError) as raised:
        ri.validate_record_id("y" * 58)  # repr: 60 characters
    assert str(raised.value).endswith("got '" + "y" * 58 + "'")
    with pytest.raises(ri.RecordIdError) as raised:
        ri.validate_record_id("y" * 59)  # repr: 61 characters
    assert str(raised.value).endswith("got '" + "y" * 56 + "...")


def test_storage_keys_and_ranges() -> None:
    record = {"timestamp": "2026-01-01T10:00:00.000Z", "record_id": "a" * 32, "device_id": "d1"}
    assert ri.storage_key(record) == "2026-01-01T10:00:00.000Z#" + "a" * 32
    assert ri.split_storage_key("2026-01-01T10:00:00.000Z#" + "b" * 32, "d1") == ("2026-01-01T10:00:00.000Z", "b" * 32)
    assert ri.split_storage_key("2026-01-01T10:00:00.000Z#" + "b" * 32, "d1", "c" * 32) == ("2026-01-01T10:00:00.000Z", "b" * 32)
    # keys written before record ids: a stored id wins, else the legacy identity
    assert ri.split_storage_key("2026-01-01T10:00:00Z", "d1", "c" * 32) == ("2026-01-01T10:00:00Z", "c" * 32)
    legacy = v5("d1:2026-01-01T10:00:00Z")
    assert ri.split_storage_key("2026-01-01T10:00:00Z", "d1") == ("2026-01-01T10:00:00Z", legacy)
    assert ri.split_storage_key("2026-01-01T10:00:00Z", "d1", "") == ("2026-01-01T10:00:00Z", legacy)
    assert ri.split_storage_key("2026-01-01T10:00:00Z", "d1", 5) == ("2026-01-01T10:00:00Z", legacy)
    start, end = ri.key_range("2026-01-01T00:00:00.000Z", "2026-01-01T10:00:00.000Z")
    assert (start, end) == ("2026-01-01T00:00:00.000Z", "2026-01-01T10:00:00.000Z#~")
    assert start <= ri.storage_key(record) <= end  # every key of the last millisecond is inside
    assert ri.storage_key({**record, "record_id": "f" * 32}) <= end
    assert not ri.storage_key({**record, "timestamp": "2026-01-01T10:00:00.001Z"}) <= end
