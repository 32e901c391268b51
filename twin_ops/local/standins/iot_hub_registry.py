"""IoT Hub's identity registry and its bulk import and export jobs, for local runs and tests.

No emulator of IoT Hub's service API exists, so this imitates the documented REST API
(api-version 2021-04-12: "Import and export IoT Hub device identities in bulk", "Devices") and
refuses what the service refuses:
- `POST /jobs/create`, `GET /jobs/{id}` (what the azure-device-identities step calls); another
  api-version, a missing bearer token or another route is an error;
- a device id is at most 128 characters of ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`;
  a symmetric key is base64 of 16 to 64 bytes;
- a job names its containers by URL and authenticates with the hub's managed identity
  (`storageAuthenticationType: identityBased`; the twin's storage accounts take Entra ID only);
  one job runs at a time (409 JobQuotaExceeded otherwise; here a job finishes before its create
  call returns, so it reports `completed` from the first GET on);
- an import reads JSON lines from `inputBlobName` (default `devices.txt`) with `importMode`
  create, createOrUpdate, update or delete (the ETag variants are not imitated and refused); a
  line that fails is written to `importErrors.log` in the output container as
  `{"deviceId", "errorCode", "errorStatus"}` and the others are applied; an unreadable blob fails
  the whole job;
- an export writes every identity as a JSON line to `outputBlobName` (default `devices.txt`),
  keys null with `excludeKeysInExport`.
Blobs are reached through `BlobAccess` (Azurite in local runs, memory in tests).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol

API_VERSION = "2021-04-12"
DEVICE_ID = re.compile(r"[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}")
IMPORT_MODES = ("create", "createOrUpdate", "update", "delete")
ERRORS_BLOB = "importErrors.log"


class BlobAccess(Protocol):
    def get(self, container_url: str, name: str) -> bytes | None: ...

    def put(self, container_url: str, name: str, data: bytes) -> None: ...


class _LineError(Exception):
    def __init__(self, code: str, status: str) -> None:
        super().__init__(status)
        self.code, self.status = code, status


class IotHubRegistry:
    """`handle(method, path, query, headers, body)` answers like the hub; `calls` counts requests."""

    def __init__(self, blobs: BlobAccess) -> None:
        self._blobs = blobs
        self._lock = threading.Lock()
        self.devices: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()

    # -- the REST surface

    def handle(self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str],
               body: bytes) -> tuple[int, dict[str, str], Any]:
        self.calls[f"{method} {_route(path)}"] += 1
        if query.get("api-version") != API_VERSION:
            return _error(400, "InvalidApiVersion", f"api-version {query.get('api-version')!r}: {API_VERSION} is imitated")
        if not (_header(headers, "Authorization") or "").startswith("Bearer "):
            return _error(401, "IotHubUnauthorizedAccess", "a bearer token is required")
        parts = path.strip("/").split("/")
        with self._lock:
            if parts == ["jobs", "create"] and method == "POST":
                return self._create_job(json.loads(body or b"null"))
            if len(parts) == 2 and parts[0] == "jobs" and method == "GET":
                job = self.jobs.get(parts[1])
                return (200, {}, job) if job else _error(404, "JobNotFound", f"no job {parts[1]}")
        return _error(404, "NotFound", f"{method} {path} is not imitated")

    # -- jobs

    def _create_job(self, body: Any) -> tuple[int, dict[str, str], Any]:
        if not isinstance(body, dict) or body.get("type") not in ("import", "export"):
            return _error(400, "InvalidJobType", "type: import or export")
        if body.get("storageAuthenticationType") != "identityBased":
            return _error(400, "InvalidStorageAuthentication",
                          "storageAuthenticationType: identityBased (the account takes Entra ID only)")
        if any(job["status"] in ("enqueued", "running") for job in self.jobs.values()):
            return _error(409, "JobQuotaExceeded", "one import or export job at a time")
        job = {"jobId": str(uuid.uuid4()), "type": body["type"], "status": "running", "progress": 0}
        self.jobs[job["jobId"]] = job
        try:
            if body["type"] == "export":
                self._export(body)
            else:
                self._import(body)
            job.update(status="completed", progress=100)
        except (ValueError, KeyError) as error:  # the job itself cannot run: it fails as a whole
            job.update(status="failed", failureReason=str(error))
        return 200, {}, {**job, "status": "enqueued"}

    def _export(self, body: dict) -> None:
        container = body["outputBlobContainerUri"]
        keys = not body.get("excludeKeysInExport", False)
        lines = []
        for device in self.devices.values():
            authentication = json.loads(json.dumps(device["authentication"]))
            if not keys:
                authentication["symmetricKey"] = {"primaryKey": None, "secondaryKey": None}
            lines.append(json.dumps({"id": device["deviceId"], "status": device["status"], "authentication": authentication}))
        self._blobs.put(container, body.get("outputBlobName") or "devices.txt", "\n".join(lines).encode())

    def _import(self, body: dict) -> None:
        data = self._blobs.get(body["inputBlobContainerUri"], body.get("inputBlobName") or "devices.txt")
        if data is None:
            raise ValueError("the input blob does not exist")
        errors = []
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number} is not JSON") from error
            try:
                self._apply(entry)
            except _LineError as error:
                errors.append(json.dumps({"deviceId": entry.get("id"), "errorCode": error.code, "errorStatus": error.status}))
        if errors:
            self._blobs.put(body["outputBlobContainerUri"], ERRORS_BLOB, "\n".join(errors).encode())

    def _apply(self, entry: Any) -> None:
        device_id, mode = entry.get("id"), entry.get("importMode", "createOrUpdate")
        if not isinstance(device_id, str) or not DEVICE_ID.fullmatch(device_id):
            raise _LineError("ArgumentInvalid", f"device id {device_id!r} is not valid")
        if mode not in IMPORT_MODES:
            raise _LineError("ArgumentInvalid", f"importMode {mode!r} is not imitated")
        if mode == "delete":
            if self.devices.pop(device_id, None) is None:
                raise _LineError("DeviceNotFound", f"device {device_id} not found")
            return
        if mode == "create" and device_id in self.devices:
            raise _LineError("DeviceAlreadyExists", f"device {device_id} already exists")
        if mode == "update" and device_id not in self.devices:
            raise _LineError("DeviceNotFound", f"device {device_id} not found")
        authentication = entry.get("authentication") or {"type": "sas", "symmetricKey": {}}
        if authentication.get("type") != "sas":
            raise _LineError("ArgumentInvalid", "only sas authentication is imitated")
        keys = authentication.get("symmetricKey") or {}
        for name in ("primaryKey", "secondaryKey"):
            keys[name] = keys.get(name) or base64.b64encode(uuid.uuid4().bytes * 2).decode()  # the hub makes missing keys
            if not _key_ok(keys[name]):
                raise _LineError("ArgumentInvalid", f"{name} of {device_id} is not base64 of 16-64 bytes")
        status = entry.get("status", "enabled")
        if status not in ("enabled", "disabled"):
            raise _LineError("ArgumentInvalid", f"status {status!r}")
        self.devices[device_id] = {"deviceId": device_id, "status": status,
                                   "authentication": {"type": "sas", "symmetricKey": keys}}


def _route(path: str) -> str:
    """`/jobs/{id}`, or the path itself: what `calls` counts by."""
    return "/jobs/{id}" if path.startswith("/jobs/") and path != "/jobs/create" else path


def _key_ok(key: object) -> bool:
    try:
        return isinstance(key, str) and 16 <= len(base64.b64decode(key, validate=True)) <= 64
    except binascii.Error:
        return False


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], Any]:
    return status, {"iothub-errorcode": code}, {"Message": f"ErrorCode:{code};{message}"}
