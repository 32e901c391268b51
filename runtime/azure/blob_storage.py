"""Cold and archive objects in a Blob container: one mover payload per blob, written at its tier.

Entra ID (managed identity) in Azure; Shared Key only for the local emulator (Azurite) in tests,
since the twin's storage accounts have shared keys disabled.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from runtime.azure import identity, rest
from runtime.core.mover import MoverPayload

API_VERSION = "2021-08-06"
COOL, ARCHIVE = "Cool", "Archive"
BLOB_ARCHIVED = "BlobArchived"  # the error code of a write to an archived blob

Signer = Callable[[str, str, dict[str, str]], dict[str, str]]  # (method, url, headers) → auth headers


def managed_identity(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
    return identity.bearer(identity.STORAGE)


def shared_key(account: str, key: str) -> Signer:
    """Shared Key signing (Azurite/emulator only)."""
    secret = base64.b64decode(key)

    def sign(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        parts = urlsplit(url)
        lower = {k.lower(): v for k, v in headers.items()}
        length = lower.get("content-length", "")
        canonical_headers = "".join(f"{k}:{lower[k].strip()}\n" for k in sorted(lower) if k.startswith("x-ms-"))
        resource = f"/{account}{parts.path}"
        for name, value in sorted((k.lower(), v) for k, v in parse_qsl(parts.query, keep_blank_values=True)):
            resource += f"\n{name}:{value}"
        fields = [method, lower.get("content-encoding", ""), lower.get("content-language", ""),
                  "" if length == "0" else length, lower.get("content-md5", ""), lower.get("content-type", ""), "",
                  lower.get("if-modified-since", ""), lower.get("if-match", ""), lower.get("if-none-match", ""),
                  lower.get("if-unmodified-since", ""), lower.get("range", "")]
        text = "\n".join(fields) + "\n" + canonical_headers + resource
        signature = base64.b64encode(hmac.new(secret, text.encode(), hashlib.sha256).digest()).decode()
        return {"Authorization": f"SharedKey {account}:{signature}"}

    return sign


@dataclass(frozen=True)
class BlobItem:
    name: str
    last_modified: datetime
    tier: str | None


class BlobContainer:
    def __init__(self, container_url: str, signer: Signer = managed_identity) -> None:
        self.url, self._sign = container_url.rstrip("/"), signer

    def _call(self, method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes = b"",
              allow: tuple[int, ...] = ()) -> tuple[int, dict[str, str], bytes]:
        all_headers = {"x-ms-version": API_VERSION, "x-ms-date": formatdate(usegmt=True),
                       "Content-Length": str(len(body)), **(headers or {})}
        all_headers.update(self._sign(method, url, all_headers))
        return rest.checked(method, url, all_headers, body or None, allow=allow)

    def _blob_url(self, name: str) -> str:
        return f"{self.url}/{quote(name)}"

    def create(self) -> None:
        self._call("PUT", f"{self.url}?restype=container", allow=(409,))

    def put_json(self, name: str, document: Any, tier: str) -> None:
        body = json.dumps(document, separators=(",", ":")).encode()
        headers = {"x-ms-blob-type": "BlockBlob", "x-ms-access-tier": tier, "Content-Type": "application/json"}
        self._call("PUT", self._blob_url(name), headers, body)

    def get_json(self, name: str) -> Any:
        return json.loads(self._call("GET", self._blob_url(name))[2])

    def delete(self, name: str) -> None:
        self._call("DELETE", self._blob_url(name), allow=(404,))

    def list(self, prefix: str = "") -> Iterator[BlobItem]:
        marker = ""
        while True:
            query = {"restype": "container", "comp": "list", **({"prefix": prefix} if prefix else {}),
                     **({"marker": marker} if marker else {})}
            root = ET.fromstring(self._call("GET", f"{self.url}?{urlencode(query)}")[2])
            for blob in root.iter("Blob"):
                properties = blob.find("Properties")
                yield BlobItem(
                    blob.findtext("Name"),
                    parsedate_to_datetime(properties.findtext("Last-Modified")),
                    properties.findtext("AccessTier"),
                )
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return


def put_payload(container: BlobContainer, payload: MoverPayload, tier: str) -> None:
    """The same key for the same content: a retried move overwrites instead of duplicating. A blob
    of that key already archived holds this content, and Blob Storage refuses to overwrite an
    archived blob (409 BlobArchived): the retry of a write whose answer was lost is done already."""
    try:
        container.put_json(payload.object_key, payload.to_dict(), tier)
    except rest.AzureRestError as exc:
        if (exc.status, exc.code) != (409, BLOB_ARCHIVED):
            raise
