"""Azure Digital Twins import jobs: a large twin graph created by one job, not one request per twin.

The Jobs API (REST `PUT {endpoint}/jobs/imports/{id}?api-version=2023-10-31`, docs/design.md §7a)
reads one NDJSON file from a blob: a `Header` section (`fileVersion`), then optionally `Models`,
`Twins` and `Relationships`, in that order, one JSON object a line. The job runs asynchronously
(`notstarted`, `running`, then `succeeded`, `failed` or `cancelled`), at most one per instance
at a time, and writes a structured output log (JSON lines, `logType` Info or Error) to a second
blob. It only creates: an element that exists already is an error of that element, so the caller
puts into the file only what the instance lacks and updates existing twins per request. Jobs are
not atomic (no rollback): a partially failed job leaves what it created, its log names the
elements that failed, and a re-run (which reads the instance again) imports only what is still
missing, without duplicates. The instance's identity reads the input and writes the log (the L4
stack's GraphImportStorage container); the deployer writes the input and reads the log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from twin_ops.post_deploy import PostDeployError
from twin_ops.post_deploy.azure_data_plane import AzureDataPlane, resource_path

ADT_API_VERSION = "2023-10-31"
FILE_VERSION = "1.0.0"
SECTIONS = ("Models", "Twins", "Relationships")  # after the Header, in this order
FINISHED = ("succeeded", "failed", "cancelled")
POLL_SECONDS = (2, 4, 8, 15, 30)  # then every 30 s (a million twins take about ten minutes)
TIMEOUT_SECONDS = 4 * 3600
RELATIONSHIP_SOURCE = "$sourceId"  # a relationship's source as the REST API and queries name it …
FILE_SOURCE = "$dtId"  # … and as an import file names it


def import_file(models: Iterable[dict], twins: Iterable[dict], relationships: Iterable[dict], *, author: str) -> bytes:
    """The NDJSON document of an import job; empty sections are left out (each is optional)."""
    lines = [{"Section": "Header"}, {"fileVersion": FILE_VERSION, "author": author, "organization": author}]
    file_relationships = (
        {FILE_SOURCE: r[RELATIONSHIP_SOURCE], **{k: v for k, v in r.items() if k not in (RELATIONSHIP_SOURCE, "$etag")}}
        for r in relationships
    )
    for section, items in zip(SECTIONS, (models, twins, file_relationships), strict=True):
        items = list(items)
        if items:
            lines.append({"Section": section})
            lines.extend(items)
    return ("\n".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) for line in lines) + "\n").encode("utf-8")


class JobBlobs(Protocol):
    """The import container as the deployer reaches it (blob names relative to the container)."""

    def url(self, name: str) -> str: ...

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...


class ImportJobsApi:
    """The Jobs API calls of one instance."""

    def __init__(self, plane: AzureDataPlane) -> None:
        self._plane = plane

    def create(self, job_id: str, input_uri: str, output_uri: str) -> dict:
        _, job = self._plane.call("PUT", resource_path(ADT_API_VERSION, "jobs", "imports", job_id),
                                  {"inputBlobUri": input_uri, "outputBlobUri": output_uri})
        return job

    def get(self, job_id: str) -> dict:
        _, job = self._plane.call("GET", resource_path(ADT_API_VERSION, "jobs", "imports", job_id))
        return job


@dataclass
class ImportOutcome:
    job_id: str
    status: str
    failed: dict[str, str] = field(default_factory=dict)  # element (section and id) → the service's error
    error: str | None = None  # the job's own error, when it failed as a whole


class BulkImporter:
    """Runs one import job: upload the file, create the job, poll it, read its output log."""

    def __init__(self, jobs: ImportJobsApi, blobs: JobBlobs, *, job_id: Callable[[], str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._jobs, self._blobs, self._sleep = jobs, blobs, sleep
        self._job_id = job_id or (lambda: time.strftime("graph-%Y%m%dT%H%M%SZ", time.gmtime()))

    def run(self, document: bytes) -> ImportOutcome:
        job_id = self._job_id()
        source, log = f"{job_id}.ndjson", f"{job_id}.log.ndjson"
        self._blobs.put(source, document)
        job = self._jobs.create(job_id, self._blobs.url(source), self._blobs.url(log))
        waited, waits = 0.0, iter(POLL_SECONDS)
        while job.get("status") not in FINISHED:
            if waited > TIMEOUT_SECONDS:
                raise PostDeployError(f"Azure Digital Twins import job {job_id} still {job.get('status')} after {waited:.0f} s")
            wait = next(waits, POLL_SECONDS[-1])
            self._sleep(wait)
            waited += wait
            job = self._jobs.get(job_id)
        error = job.get("error") or None
        return ImportOutcome(job_id, job["status"], failed_entries(self._blobs.get(log)),
                             f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else None)


def failed_entries(log: bytes | None) -> dict[str, str]:
    """Each `logType: Error` line of an output log as `<section> <element id>` → `<code>: <message>`.

    The public documentation shows the log's envelope (timestamp, jobId, jobType, logType, details)
    but no Error line, so the element is read from whichever id its details carry, and the details
    themselves are kept when they carry none: a failure is never dropped."""
    failed: dict[str, str] = {}
    for number, line in enumerate((log or b"").decode("utf-8", errors="replace").splitlines(), start=1):
        try:
            entry: Any = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("logType") != "Error":
            continue
        details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
        element = _element(details) or f"line {number}"
        why = ": ".join(str(details[k]) for k in ("code", "message") if details.get(k)) or json.dumps(details)[:300]
        failed[f"{details.get('section', '?')} {element}"] = why
    return failed


def _element(details: dict) -> str | None:
    for keys in (("id",), ("@id",), ("$dtId", "$relationshipId"), ("sourceId", "relationshipId"), ("$dtId",)):
        if all(isinstance(details.get(k), str) for k in keys):
            return "/".join(details[k] for k in keys)
    return None
