"""Counting what a local run stored, read from the stores themselves (not from the functions'
own reports): the hot store's items, the cold and archive tiers' mover payloads, what the twin
shows. A record is identified by (device, timestamp), unique per message sent (fleet.py)."""

from __future__ import annotations

import json
import operator as operator_module
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from twin_contract.wire import TOKEN_HEADER
from twin_ops.local.deployment import DeploymentError, LocalDeployment
from twin_ops.local.function_host import KeptAlive

MOVER_SCHEMA = "dt.mover.v1"
ARCHIVE_TIERS = {"DEEP_ARCHIVE", "GLACIER", "Archive", "ARCHIVE"}
READERS = 8  # object bodies read at once by a census

Identity = tuple[str, str]  # (device_id, timestamp)


class Tally(Counter[Identity]):
    """Identities found, with how often each was found (a count above 1 is a duplicate)."""

    def add(self, identities: Iterable[Identity]) -> None:
        self.update(identities)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.values() if count > 1)

    def of(self, expected: set[Identity]) -> int:
        return len(self.keys() & expected)


def plain(timestamp: str) -> str:
    """A stored sort key `<timestamp>#<record_id>` back to the record's timestamp."""
    return timestamp.split("#", 1)[0]


def hot_records(deployment: LocalDeployment, stack: str) -> list[dict[str, Any]]:
    """Every item of the hot stores `stack` created (DynamoDB, Cosmos DB, Firestore)."""
    items: list[dict[str, Any]] = []
    for table, owner in deployment.dynamo_tables.items():
        if owner == stack:
            from boto3.dynamodb.types import TypeDeserializer

            plain_value = TypeDeserializer()
            for page in deployment.aws("dynamodb").get_paginator("scan").paginate(TableName=table):
                items += [{k: plain_value.deserialize(v) for k, v in item.items()} for item in page["Items"]]
    for (account, database, container), owner in deployment.cosmos_containers.items():
        if owner == stack:
            items += deployment.platform.cosmos.items(account, database, container)
    for database, owner in deployment.firestore_databases.items():
        if owner == stack:
            items += deployment.platform.firestore.documents(database)
    return items


def hot_count(deployment: LocalDeployment, stack: str) -> int:
    """How many items the hot stores of `stack` hold (duplicates included), for progress and
    waiting: the stores' own item counts (DynamoDB's ItemCount), never a read of every item, which
    at 10,000 records four times a second would slow the twin it watches."""
    count = sum(deployment.aws("dynamodb").describe_table(TableName=table)["Table"]["ItemCount"]
                for table, owner in deployment.dynamo_tables.items() if owner == stack)
    count += sum(deployment.platform.cosmos.count(*key) for key, owner in deployment.cosmos_containers.items() if owner == stack)
    return count + sum(deployment.platform.firestore.count(database)
                       for database, owner in deployment.firestore_databases.items() if owner == stack)


def identities(records: Iterable[Mapping[str, Any]]) -> list[Identity]:
    return [(str(r["device_id"]), plain(str(r["timestamp"]))) for r in records if "device_id" in r and "timestamp" in r]


def tiered_payloads(deployment: LocalDeployment, stacks: set[str], gcs_classes: Mapping[tuple[str, str], str]) -> dict[str, Tally]:
    """Records of every mover payload in the object storage of `stacks`, by tier ("cold", "archive")."""
    tallies = {"cold": Tally(), "archive": Tally()}

    def take(body: bytes, tier: str) -> None:
        try:
            document = json.loads(body)
        except ValueError:
            return
        if isinstance(document, dict) and document.get("schema") == MOVER_SCHEMA:
            tallies["archive" if tier in ARCHIVE_TIERS else "cold"].add(identities(document.get("records", [])))

    reads: list[tuple[Callable[[], bytes], str]] = []  # (the object's body, its tier) of every object listed
    for bucket, owner in deployment.s3_buckets.items():
        if owner in stacks:
            s3 = deployment.aws("s3")
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                reads += [(partial(_s3_body, s3, bucket, item["Key"], item.get("ETag", "")), item.get("StorageClass", "STANDARD"))
                          for item in page.get("Contents", [])]
    for account, details in deployment.storage_accounts.items():
        if details["stack"] in stacks:
            for container in sorted(details["containers"]):
                reads += [(partial(get_blob, deployment, account, container, name, tier), tier or "Hot")
                          for name, tier, _ in list_blobs(deployment, account, container)]
    for bucket, details in deployment.gcs_buckets.items():
        if details["stack"] in stacks:
            reads += [(blob.download_as_bytes, gcs_classes.get((bucket, blob.name), details["class"]))
                      for blob in deployment.gcs().list_blobs(bucket)]
    # A body is read once (cached after), but a fleet's first census reads thousands of objects:
    # side by side, each read waits on its store rather than on the one before it.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        for body, tier in pool.map(lambda read: (read[0](), read[1]), reads):
            take(body, tier)
    return tallies


def _s3_body(s3: Any, bucket: str, key: str, etag: str) -> bytes:
    """An object's body, read once per ETag (a census runs at each poll; the ETag follows the
    content); an archived one is restored first, as reading Deep Archive requires."""
    cached = (s3.meta.endpoint_url, bucket, key, etag)
    if cached not in _BLOBS:
        try:
            _BLOBS[cached] = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.InvalidObjectState:
            s3.restore_object(Bucket=bucket, Key=key, RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Bulk"}})
            _BLOBS[cached] = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return _BLOBS[cached]


def list_blobs(deployment: LocalDeployment, account: str, container: str) -> list[tuple[str, str | None, datetime]]:
    """(name, access tier, last modified) of every blob in the container, paging through."""
    url = f"{deployment.endpoints.azurite['blob']}/{account}/{container}?restype=container&comp=list"
    blobs, marker = [], ""
    while True:
        root = ET.fromstring(deployment.azurite("GET", url + (f"&marker={quote(marker)}" if marker else "")))
        for blob in root.iter("Blob"):
            properties = blob.find("Properties")
            assert properties is not None
            blobs.append((blob.findtext("Name") or "", properties.findtext("AccessTier"),
                          parsedate_to_datetime(properties.findtext("Last-Modified") or "")))
        marker = root.findtext("NextMarker") or ""
        if not marker:
            return blobs


_BLOBS: dict[tuple[str, ...], bytes] = {}  # bodies by (endpoint, account, container, name) or (endpoint, bucket, key, ETag)


REHYDRATE_CONTAINER = "dt-local-rehydrated"
_SCRATCH: set[tuple[str, str]] = set()  # (endpoint, account) whose scratch container exists
_SCRATCH_LOCK = threading.Lock()


def get_blob(deployment: LocalDeployment, account: str, container: str, name: str, tier: str | None) -> bytes:
    """A blob's content. An Archive-tier blob (its tier as List Blobs gave it) cannot be read (409
    BlobArchived): it is copied to an online tier in a scratch container first (Azure's rehydration
    by copy), read, and deleted."""
    base = deployment.endpoints.azurite["blob"]
    key = (base, account, container, name)
    if key in _BLOBS:  # blobs never change under a key (mover keys are content-derived)
        return _BLOBS[key]
    source = f"{base}/{account}/{container}/{quote(name)}"
    if tier != "Archive":
        _BLOBS[key] = deployment.azurite("GET", source, allow=())
        return _BLOBS[key]
    scratch = f"{base}/{account}/{REHYDRATE_CONTAINER}"
    with _SCRATCH_LOCK:  # created once, before any reader copies into it
        if (base, account) not in _SCRATCH:
            deployment.azurite("PUT", f"{scratch}?restype=container")
            _SCRATCH.add((base, account))
    copy = f"{scratch}/{quote(container)}/{quote(name)}"
    deployment.azurite("PUT", copy, headers={"x-ms-copy-source": source, "x-ms-access-tier": "Cool",
                                             "x-ms-rehydrate-priority": "High"}, allow=())
    _BLOBS[key] = deployment.azurite("GET", copy, allow=())
    deployment.azurite("DELETE", copy, allow=(404,))
    return _BLOBS[key]


def reader_items(http: KeptAlive, url: str, token: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item a neutral range query answers (paging through next_token)."""
    items, cursor = [], None
    for _ in range(10_000):
        body = {**query, **({"next_token": cursor} if cursor else {})}
        status, payload = http.call("POST", url, json.dumps(body).encode(),
                                    {"Content-Type": "application/json", TOKEN_HEADER: token}, timeout=60)
        if status != 200:
            raise DeploymentError(f"POST {url} answered HTTP {status}: {payload[:200]!r}")
        answer = json.loads(payload)
        items += answer.get("items", [])
        cursor = answer.get("next_token")
        if not cursor:
            return items
    raise DeploymentError(f"POST {url} did not finish paging")


OPERATORS = {"<": operator_module.lt, ">": operator_module.gt, "==": operator_module.eq}
_CONSTANT = re.compile(r"^(DOUBLE|INTEGER|STRING)\((.*)\)$")


def rule_holds(condition: str, record: Mapping[str, Any]) -> bool:
    """The expectation side of an event rule `"<a> <op> <b>"`, written independently of the
    runtime: a dotted reference reads the record's property of that name, DOUBLE/INTEGER/STRING(x)
    are constants; a missing property or an incomparable pair does not fire."""
    left_text, operator, right_text = condition.split()

    def operand(text: str) -> Any:
        constant = _CONSTANT.match(text)
        if constant:
            kind, value = constant.groups()
            return {"DOUBLE": float, "INTEGER": int, "STRING": str}[kind](value)
        return record.get(text.rsplit(".", 1)[-1])

    left, right = operand(left_text), operand(right_text)
    if left is None or right is None:
        return False
    try:
        return bool(OPERATORS[operator](left, right))
    except TypeError:
        return False
