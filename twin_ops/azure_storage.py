"""Azure Storage queues and blobs over REST, for the operator commands.

Plain REST (`http.client`), like the post-deploy steps: the twin's accounts accept Entra ID only
(shared keys disabled), so the real signer is a bearer token from azure-identity
(twin_ops.post_deploy.azure_data_plane.EntraTokens). The tests sign with Azurite's Shared Key
instead; plain http is allowed for loopback hosts only (the emulator).
"""

from __future__ import annotations

import http.client
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import quote, urlencode, urlsplit
from xml.sax.saxutils import escape

from twin_ops.http_exchange import exchange

STORAGE_SCOPE = "https://storage.azure.com/.default"
API_VERSION = "2021-08-06"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT = 30.0

Signer = Callable[[str, str, dict[str, str]], dict[str, str]]  # (method, url, headers) → auth headers
Transport = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, dict[str, str], bytes]]


class AccountMissing(LookupError):
    """The account's host name does not resolve: the account does not exist (its stack is not deployed)."""


class StorageError(RuntimeError):
    def __init__(self, method: str, url: str, status: int, code: str | None) -> None:
        parts = urlsplit(url)
        super().__init__(f"{method} {parts.scheme}://{parts.netloc}{parts.path} → HTTP {status} {code or ''}".strip())
        self.status, self.code = status, code


def account_url(account: str, service: str) -> str:
    """`service`: queue, blob, or cosmos (a Cosmos DB account's endpoint)."""
    if service == "cosmos":
        return f"https://{account}.documents.azure.com"
    return f"https://{account}.{service}.core.windows.net"


def bearer(tokens: Callable[[str], str]) -> Signer:
    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens(STORAGE_SCOPE)}"}

    return sign


def http_request(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in LOOPBACK:
        raise StorageError(method, url, 0, "refusing plain http to a non-loopback host")
    factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    try:
        return exchange(factory(parts.hostname, parts.port, timeout=TIMEOUT), method, parts, headers, body)
    except socket.gaierror as error:
        raise AccountMissing(f"{parts.hostname} does not resolve") from error


def _epoch(http_date: str) -> float:
    return parsedate_to_datetime(http_date).timestamp()


class StorageClient:
    def __init__(self, base_url: str, signer: Signer, transport: Transport = http_request) -> None:
        self.base_url, self._sign, self._transport = base_url.rstrip("/"), signer, transport

    def call(
        self, method: str, path: str, query: Mapping[str, str] | None = None, body: bytes = b"",
        headers: Mapping[str, str] | None = None, allow: tuple[int, ...] = (),
    ) -> tuple[int, dict[str, str], bytes]:
        url = f"{self.base_url}/{quote(path)}" + (f"?{urlencode(query)}" if query else "")
        sent = {"x-ms-version": API_VERSION, "x-ms-date": formatdate(usegmt=True), "Content-Length": str(len(body)),
                **(headers or {})}
        sent.update(self._sign(method, url, sent))
        status, answer_headers, payload = self._transport(method, url, sent, body or None)
        if not 200 <= status < 300 and status not in allow:
            raise StorageError(method, url, status, answer_headers.get("x-ms-error-code"))
        return status, answer_headers, payload


@dataclass(frozen=True)
class QueueMessage:
    id: str
    pop_receipt: str
    text: str
    inserted: float  # epoch seconds
    dequeue_count: int


class QueueService(StorageClient):
    def create(self, queue: str) -> None:
        self.call("PUT", queue, allow=(204, 409))

    def approximate_count(self, queue: str) -> int | None:
        """None when the queue does not exist (the Functions host makes a poison queue on first use)."""
        status, headers, _ = self.call("GET", queue, {"comp": "metadata"}, allow=(404,))
        return None if status == 404 else int(headers.get("x-ms-approximate-messages-count", "0"))

    def get_messages(self, queue: str, count: int, visibility_seconds: int) -> list[QueueMessage]:
        status, _, payload = self.call(
            "GET", f"{queue}/messages",
            {"numofmessages": str(min(count, 32)), "visibilitytimeout": str(visibility_seconds)}, allow=(404,),
        )
        if status == 404:
            return []
        return [
            QueueMessage(
                id=node.findtext("MessageId"),
                pop_receipt=node.findtext("PopReceipt"),
                text=node.findtext("MessageText") or "",
                inserted=_epoch(node.findtext("InsertionTime")),
                dequeue_count=int(node.findtext("DequeueCount") or 0),
            )
            for node in ET.fromstring(payload).iter("QueueMessage")
        ]

    def put_message(self, queue: str, text: str) -> None:
        body = f"<QueueMessage><MessageText>{escape(text)}</MessageText></QueueMessage>".encode()
        self.call("POST", f"{queue}/messages", body=body, headers={"Content-Type": "application/xml"})

    def delete_message(self, queue: str, message_id: str, pop_receipt: str) -> None:
        self.call("DELETE", f"{queue}/messages/{message_id}", {"popreceipt": pop_receipt}, allow=(404,))

    def update_visibility(self, queue: str, message_id: str, pop_receipt: str, seconds: int) -> None:
        self.call("PUT", f"{queue}/messages/{message_id}", {"popreceipt": pop_receipt, "visibilitytimeout": str(seconds)},
                  allow=(404,))


@dataclass(frozen=True)
class BlobItem:
    name: str
    last_modified: float  # epoch seconds


class BlobService(StorageClient):
    def create_container(self, container: str) -> None:
        self.call("PUT", container, {"restype": "container"}, allow=(409,))

    def list(self, container: str, prefix: str = "") -> list[BlobItem]:
        """Every blob of the container ([] when it does not exist)."""
        items, marker = [], ""
        while True:
            query = {"restype": "container", "comp": "list", **({"prefix": prefix} if prefix else {}),
                     **({"marker": marker} if marker else {})}
            status, _, payload = self.call("GET", container, query, allow=(404,))
            if status == 404:
                return []
            root = ET.fromstring(payload)
            items += [
                BlobItem(blob.findtext("Name"), _epoch(blob.findtext("Properties/Last-Modified")))
                for blob in root.iter("Blob")
            ]
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return items

    def get(self, container: str, name: str) -> bytes | None:
        status, _, payload = self.call("GET", f"{container}/{name}", allow=(404,))
        return None if status == 404 else payload

    def put(self, container: str, name: str, data: bytes) -> None:
        self.call("PUT", f"{container}/{name}", body=data, headers={"x-ms-blob-type": "BlockBlob"})

    def delete(self, container: str, name: str) -> None:
        self.call("DELETE", f"{container}/{name}", allow=(404,))
