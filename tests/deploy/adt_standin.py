"""A strict stand-in for the Azure Digital Twins data plane, at its REST boundary (a transport).

No emulator exists for Azure Digital Twins, so this one refuses what the service refuses, as its
documentation states it (REST reference DigitalTwinModels Add / DigitalTwins Add / Relationships Add,
reference-service-limits, how-to-manage-twin), written here without the code under test:
- model upload: at most 250 models per request; a model id already in the instance is 409
  ModelAlreadyExists; a model that extends or uses (Component schema, schema reference) an id defined
  neither in the instance nor in the same request is 400 DTDLParserError; nothing of a refused
  request is kept; models are listed 100 per page with `nextLink`;
- twin create: its model must exist; every Component of the model (inherited ones included) must be
  in the body with a `$metadata` object; other keys must be Properties the model (or the Component's
  Interface) declares;
- relationship create: source and target twins exist, the source's model declares the relationship,
  the target twin's model is the relationship's target or extends it, and every property sent is one
  the relationship declares;
- query (Query Twins): the two queries the step sends, `SELECT * FROM DIGITALTWINS` and `SELECT *
  FROM RELATIONSHIPS`, 1,000 results a page with a `continuationToken`; any other is 400
  SqlQueryError (the stand-in has no query engine);
- delete: a relationship or twin that is not there is 404; a twin that still has a relationship,
  outgoing or incoming, is 400 RelationshipsNotDeleted (DigitalTwins Delete);
- import jobs (Jobs API: ImportJobs Add / Get, concepts-apis-sdks "Bulk import"): `inputBlobUri`
  and `outputBlobUri` are required and must lie in the container the instance's identity holds a
  blob role on (else the job fails), a job id is used once, and one job runs at a time (400
  JobLimitReached). The job is `notstarted`, then `running` at the first read, and done at the
  second. Its NDJSON input must be a `Header` section with a `fileVersion`, then at most one each of
  `Models`, `Twins`, `Relationships` in that order, one JSON object a line: anything else fails the
  whole job before it imports anything. Elements are then created one by one with the checks of the
  per-request calls above; an element that exists already, a twin of an unknown model, a relationship
  to a missing twin fail that element only (logged, the others go on; the job ends `failed` when any
  did: jobs are not atomic). The output log is an append blob of JSON lines with the documented
  envelope (timestamp, jobId, jobType, logType, details); the documentation shows no Error line, so
  the stand-in's Error details (`section`, `id`, `code`, `message`) are its own choice.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

MAX_MODELS_PER_REQUEST = 250
PAGE_SIZE = 100
QUERY_PAGE_SIZE = 1000  # reference-service-limits: query items per page
QUERIES = {"SELECT * FROM DIGITALTWINS": "twins", "SELECT * FROM RELATIONSHIPS": "relationships"}
SECTION_ORDER = ("Models", "Twins", "Relationships")
ID_AFTER = ("digitaltwins", "relationships", "imports")  # route segments an id follows (for `calls`)


def _listed(value) -> list:
    return [value] if isinstance(value, str | dict) else list(value or [])


def _types(element: dict) -> list:
    return _listed(element.get("@type"))


@dataclass
class DigitalTwinsStandIn:
    models: dict = field(default_factory=dict)  # id → model
    twins: dict = field(default_factory=dict)
    relationships: dict = field(default_factory=dict)  # (source, id) → body
    patches: list = field(default_factory=list)
    model_requests: list = field(default_factory=list)  # ids per accepted model request
    refusals: list = field(default_factory=list)  # (status, code, reason) of refused writes
    calls: dict = field(default_factory=dict)  # "METHOD /route" → requests answered
    jobs: dict = field(default_factory=dict)  # import job id → job
    import_container: str | None = None  # the container URL the instance's identity may read and write
    storage: object = None  # a twin_ops.azure_storage.BlobService of that container's account (Azurite)

    # --- the transport ---------------------------------------------------------------------------

    def __call__(self, method, url, headers, body):
        parts = urlsplit(url)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        payload = json.loads(body) if body else None
        query = parse_qs(parts.query)
        route = "/".join("{id}" if i and segments[i - 1] in ID_AFTER else s for i, s in enumerate(segments))
        self.calls[f"{method} /{route}"] = self.calls.get(f"{method} /{route}", 0) + 1
        if segments == ["query"] and method == "POST":
            return self._query(payload or {})
        if segments[:2] == ["jobs", "imports"] and len(segments) == 3:
            if method == "PUT":
                return self._create_job(segments[2], payload or {})
            if method == "GET":
                return self._read_job(segments[2])
        if segments == ["models"] and method == "GET":
            return self._list_models(int(query.get("continuationToken", ["0"])[0]))
        if segments == ["models"] and method == "POST":
            return self._add_models(payload)
        if len(segments) == 2 and segments[0] == "digitaltwins":
            twin_id = segments[1]
            if method == "GET":
                twin = self.twins.get(twin_id)
                return (200, {}, json.dumps(twin).encode()) if twin else (404, {"x-ms-error-code": "DigitalTwinNotFound"}, b"")
            if method == "PUT":
                return self._add_twin(twin_id, payload, headers)
            if method == "PATCH":
                return self._patch_twin(twin_id, payload)
            if method == "DELETE":
                return self._delete_twin(twin_id)
        if len(segments) == 4 and segments[0] == "digitaltwins" and segments[2] == "relationships" and method == "PUT":
            return self._add_relationship(segments[1], segments[3], payload, headers)
        if len(segments) == 4 and segments[0] == "digitaltwins" and segments[2] == "relationships" and method == "DELETE":
            if (segments[1], segments[3]) not in self.relationships:
                return self._refuse(404, "RelationshipNotFound", f"{segments[1]}/{segments[3]}")
            del self.relationships[(segments[1], segments[3])]
            return 204, {}, b""
        return self._refuse(404, "NotFound", f"{method} {parts.path}")

    def _refuse(self, status, code, reason):
        self.refusals.append((status, code, reason))
        return status, {"x-ms-error-code": code}, json.dumps({"error": {"code": code, "message": reason}}).encode()

    # --- models -----------------------------------------------------------------------------------

    def _list_models(self, start):
        ids = list(self.models)
        page = {"value": [{"id": model_id} for model_id in ids[start : start + PAGE_SIZE]]}
        if start + PAGE_SIZE < len(ids):
            page["nextLink"] = f"https://adt.test/models?api-version=2023-10-31&continuationToken={start + PAGE_SIZE}"
        return 200, {}, json.dumps(page).encode()

    def _add_models(self, batch):
        if not isinstance(batch, list) or len(batch) > MAX_MODELS_PER_REQUEST:
            return self._refuse(400, "LimitExceeded", f"{len(batch)} models in one request (at most {MAX_MODELS_PER_REQUEST})")
        defined = set().union(*(_defined(m) for m in self.models.values())) if self.models else set()
        for model in batch:
            if model["@id"] in self.models:
                return self._refuse(409, "ModelAlreadyExists", model["@id"])
            defined |= _defined(model)
        for model in batch:
            missing = _needed(model) - defined
            if missing:
                return self._refuse(400, "DTDLParserError", f"{model['@id']} needs {sorted(missing)}, not uploaded")
        for model in batch:
            self.models[model["@id"]] = copy.deepcopy(model)
        self.model_requests.append([m["@id"] for m in batch])
        return 201, {}, json.dumps([{"id": m["@id"]} for m in batch]).encode()

    def _flattened(self, model_id, kind) -> dict:
        """name → element of the given @type, inherited ones included (each ancestor once)."""
        found, seen, pending = {}, set(), [model_id]
        while pending:
            current = pending.pop()
            if current in seen or current not in self.models:
                continue
            seen.add(current)
            for element in _listed(self.models[current].get("contents")):
                if kind in _types(element):
                    found.setdefault(element["name"], element)
            pending.extend(e for e in _listed(self.models[current].get("extends")) if isinstance(e, str))
        return found

    def _lineage(self, model_id) -> set:
        seen, pending = set(), [model_id]
        while pending:
            current = pending.pop()
            if current not in seen and current in self.models:
                seen.add(current)
                pending.extend(e for e in _listed(self.models[current].get("extends")) if isinstance(e, str))
        return seen

    # --- twins ------------------------------------------------------------------------------------

    def _add_twin(self, twin_id, twin, headers):
        if twin_id in self.twins and headers.get("If-None-Match") == "*":
            return self._refuse(412, "PreconditionFailed", twin_id)
        model_id = (twin.get("$metadata") or {}).get("$model")
        if model_id not in self.models:
            return self._refuse(400, "ValidationFailed", f"{twin_id}: model {model_id} not in the instance")
        problem = self._instance_problem(model_id, twin)
        if problem:
            return self._refuse(400, "ValidationFailed", f"{twin_id}: {problem}")
        self.twins[twin_id] = {**copy.deepcopy(twin), "$dtId": twin_id}
        return 200, {}, json.dumps(self.twins[twin_id]).encode()

    def _instance_problem(self, model_id, body) -> str | None:
        properties = self._flattened(model_id, "Property")
        components = self._flattened(model_id, "Component")
        for name, component in components.items():
            value = body.get(name)
            if not isinstance(value, dict) or not isinstance(value.get("$metadata"), dict):
                return f"component {name!r} is not initialised with $metadata"
            problem = self._instance_problem(component["schema"], {k: v for k, v in value.items()}) if isinstance(
                component.get("schema"), str) else None
            if problem:
                return f"in component {name!r}: {problem}"
        for key in body:
            if not key.startswith("$") and key not in properties and key not in components:
                return f"{key!r} is not a property of {model_id}"
        return None

    def _patch_twin(self, twin_id, operations):
        if twin_id not in self.twins:
            return self._refuse(404, "DigitalTwinNotFound", twin_id)
        self.patches.append((twin_id, operations))
        twin = self.twins[twin_id]
        for operation in operations:
            if operation["path"] == "/$metadata/$model":
                twin["$metadata"]["$model"] = operation["value"]
            elif operation["op"] in ("add", "replace"):
                name = operation["path"][1:].replace("~1", "/").replace("~0", "~")
                twin[name] = operation["value"]
            else:
                return self._refuse(400, "JsonPatchInvalid", operation["op"])
        return 204, {}, b""

    # --- relationships ----------------------------------------------------------------------------

    def _add_relationship(self, source, relationship_id, body, headers):
        if (source, relationship_id) in self.relationships and headers.get("If-None-Match") == "*":
            return self._refuse(412, "PreconditionFailed", relationship_id)
        target, name = body.get("$targetId"), body.get("$relationshipName")
        if source not in self.twins or target not in self.twins:
            return self._refuse(404, "DigitalTwinNotFound", f"{source} or {target}")
        source_model = self.twins[source]["$metadata"]["$model"]
        declared = self._flattened(source_model, "Relationship").get(name)
        if declared is None:
            return self._refuse(400, "ValidationFailed", f"{source_model} declares no relationship {name!r}")
        wanted = declared.get("target")
        if wanted and wanted not in self._lineage(self.twins[target]["$metadata"]["$model"]):
            return self._refuse(400, "ValidationFailed", f"{target} is not a {wanted}")
        allowed = {p["name"] for p in _listed(declared.get("properties"))}
        unknown = sorted(k for k in body if not k.startswith("$") and k not in allowed)
        if unknown:
            return self._refuse(400, "ValidationFailed", f"relationship {name!r} declares no property {unknown}")
        self.relationships[(source, relationship_id)] = {**copy.deepcopy(body), "$sourceId": source,
                                                         "$relationshipId": relationship_id}
        return 200, {}, json.dumps(body).encode()


    # --- query and delete -------------------------------------------------------------------------

    def _query(self, body):
        kind = QUERIES.get(body.get("query"))
        if kind is None:
            return self._refuse(400, "SqlQueryError", f"the stand-in answers only {sorted(QUERIES)}")
        items = list(self.twins.values()) if kind == "twins" else list(self.relationships.values())
        start = int(body.get("continuationToken") or 0)
        page = {"value": copy.deepcopy(items[start : start + QUERY_PAGE_SIZE]), "continuationToken": None}
        if start + QUERY_PAGE_SIZE < len(items):
            page["continuationToken"] = str(start + QUERY_PAGE_SIZE)
        return 200, {}, json.dumps(page).encode()

    def _delete_twin(self, twin_id):
        if twin_id not in self.twins:
            return self._refuse(404, "DigitalTwinNotFound", twin_id)
        if any(twin_id in (source, body["$targetId"]) for (source, _), body in self.relationships.items()):
            return self._refuse(400, "RelationshipsNotDeleted", f"{twin_id} still has relationships")
        del self.twins[twin_id]
        return 204, {}, b""

    # --- import jobs ------------------------------------------------------------------------------

    def _create_job(self, job_id, body):
        if not isinstance(body.get("inputBlobUri"), str) or not isinstance(body.get("outputBlobUri"), str):
            return self._refuse(400, "ValidationFailed", "inputBlobUri and outputBlobUri are required")
        if job_id in self.jobs:
            return self._refuse(400, "ValidationFailed", f"import job {job_id} exists")
        if any(job["status"] in ("notstarted", "running") for job in self.jobs.values()):
            return self._refuse(400, "JobLimitReached", "one bulk job at a time")
        self.jobs[job_id] = {"id": job_id, "inputBlobUri": body["inputBlobUri"], "outputBlobUri": body["outputBlobUri"],
                             "createdDateTime": "2026-01-01T00:00:00Z", "status": "notstarted"}
        return 201, {}, json.dumps(self.jobs[job_id]).encode()

    def _read_job(self, job_id):
        job = self.jobs.get(job_id)
        if job is None:
            return self._refuse(404, "ImportJobNotFound", job_id)
        if job["status"] == "notstarted":
            job["status"] = "running"
        elif job["status"] == "running":
            self._execute(job)
        return 200, {}, json.dumps(job).encode()

    def _blob(self, uri):
        """(container, name) of a blob the instance's identity reaches, or None."""
        prefix = (self.import_container or "").rstrip("/") + "/"
        if self.import_container is None or not uri.startswith(prefix):
            return None
        return urlsplit(self.import_container).path.strip("/").split("/")[-1], unquote(uri[len(prefix):])

    def _execute(self, job):
        source, target = self._blob(job["inputBlobUri"]), self._blob(job["outputBlobUri"])
        if source is None or target is None:
            job.update(status="failed", error={"code": "Forbidden", "message": "the instance's identity cannot reach the blobs"})
            return
        log = []

        def entry(log_type, details):
            log.append({"timestamp": "2026-01-01T00:00:00Z", "jobId": job["id"], "jobType": "Import",
                        "logType": log_type, "details": details})

        entry("Info", {"status": "Started"})
        data = self.storage.get(*source)
        sections, problem = _sections(data)
        failures = 0
        if problem is not None:
            job.update(status="failed", error={"code": "ValidationFailed", "message": problem})
            entry("Error", {"code": "ValidationFailed", "message": problem})
        else:
            for name, items in sections:
                entry("Info", {"section": name, "status": "Started"})
                failed = {"Models": self._import_models, "Twins": self._import_twins,
                          "Relationships": self._import_relationships}[name](items)
                for element, code, message in failed:
                    entry("Error", {"section": name, "id": element, "code": code, "message": message})
                failures += len(failed)
                entry("Info", {"section": name, "status": "Failed" if failed else "Succeeded"})
            if failures:
                job.update(status="failed", error={"code": "ImportFailed", "message": f"{failures} elements failed"})
            else:
                job["status"] = "succeeded"
        entry("Info", {"status": "Failed" if job["status"] == "failed" else "Succeeded"})
        text = "".join(json.dumps(line) + "\n" for line in log).encode()
        container, name = target
        self.storage.call("PUT", f"{container}/{name}", headers={"x-ms-blob-type": "AppendBlob"})
        self.storage.call("PUT", f"{container}/{name}", {"comp": "appendblock"}, body=text)
        job["finishedDateTime"] = "2026-01-01T00:01:00Z"

    def _import_models(self, models):
        failed = []
        defined = set().union(*(_defined(m) for m in self.models.values())) if self.models else set()
        fresh = [m for m in models if m.get("@id") not in self.models]
        failed += [(m.get("@id"), "ModelAlreadyExists", "the model exists") for m in models if m.get("@id") in self.models]
        for model in fresh:
            defined |= _defined(model)
        for model in fresh:
            missing = _needed(model) - defined
            if missing:
                failed.append((model["@id"], "DTDLParserError", f"needs {sorted(missing)}"))
            else:
                self.models[model["@id"]] = copy.deepcopy(model)
        return failed

    def _import_twins(self, twins):
        failed = []
        for twin in twins:
            twin_id = twin.get("$dtId")
            if not isinstance(twin_id, str):
                failed.append((None, "ValidationFailed", "a twin without $dtId"))
                continue
            if twin_id in self.twins:
                failed.append((twin_id, "DigitalTwinAlreadyExists", "import jobs only create"))
                continue
            status, headers, payload = self._add_twin(twin_id, {k: v for k, v in twin.items() if k != "$dtId"}, {})
            if status >= 400:
                failed.append((twin_id, headers["x-ms-error-code"], json.loads(payload)["error"]["message"]))
        return failed

    def _import_relationships(self, relationships):
        failed = []
        for relationship in relationships:
            source, relationship_id = relationship.get("$dtId"), relationship.get("$relationshipId")
            element = f"{source}/{relationship_id}"
            if not isinstance(source, str) or not isinstance(relationship_id, str):
                failed.append((element, "ValidationFailed", "a relationship needs $dtId and $relationshipId"))
                continue
            if (source, relationship_id) in self.relationships:
                failed.append((element, "RelationshipAlreadyExists", "import jobs only create"))
                continue
            body = {k: v for k, v in relationship.items() if k not in ("$dtId", "$relationshipId")}
            status, headers, payload = self._add_relationship(source, relationship_id, body, {})
            if status >= 400:
                failed.append((element, headers["x-ms-error-code"], json.loads(payload)["error"]["message"]))
        return failed


def _sections(data):
    """([(section, [objects])], None) of an import file, or ([], why it is refused)."""
    if data is None:
        return [], "the input blob does not exist"
    try:
        lines = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (ValueError, UnicodeDecodeError) as exc:
        return [], f"the input is not NDJSON ({exc})"
    if not all(isinstance(line, dict) for line in lines):
        return [], "every line must be a JSON object"
    if lines[:1] != [{"Section": "Header"}] or len(lines) < 2 or "fileVersion" not in lines[1]:
        return [], "the file must start with a Header section and its fileVersion"
    sections, order = [], []
    for line in lines[2:]:
        if set(line) == {"Section"}:
            if line["Section"] not in SECTION_ORDER or line["Section"] in order:
                return [], f"unknown or repeated section {line['Section']!r}"
            order.append(line["Section"])
            sections.append((line["Section"], []))
        elif not sections:
            return [], "an element outside a section"
        else:
            sections[-1][1].append(line)
    if order != sorted(order, key=SECTION_ORDER.index):
        return [], f"sections out of order: {order} (Models, Twins, Relationships)"
    return sections, None


def _defined(model) -> set:
    found, stack = set(), [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str):
                found.add(node["@id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _needed(model) -> set:
    """Ids a model extends or uses as a schema (a Component's included); not relationship targets."""
    found, stack = set(), [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("extends", "schema", "elementSchema"):
                for value in _listed(node.get(key)):
                    if isinstance(value, str) and value.startswith("dtmi:"):
                        found.add(value)
            stack.extend(v for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    return found
