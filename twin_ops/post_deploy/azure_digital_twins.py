"""Azure L4: the twin graph (DTDL models, twins, relationships) brought to Azure Digital Twins.

They are ADT data-plane objects (no azurerm resource) and the twin graph is data (docs/design.md
§7a): computed from the validated project (twin_model/config/adt_graph.py: generated models, one per
device schema, and twins; the project's own DTDL as given, checked at synth as ADT checks it:
twin_model/config/azure_hierarchy.py), never written next to the stack. The instance belongs to the
twin, so what it holds is compared with the project, read in a few calls (the models list, 100 a
page; one query for the twins and one for the relationships, 1,000 a page), and:
- models are immutable in ADT: missing ones are created, existing ids are kept (a changed model
  needs a new version in its DTMI), none is deleted; they go in dependency order, an Interface after
  everything it extends or uses, at most 250 per request (dtdl_upload_order);
- removals first: relationships the project no longer has (those of removed twins, in and out,
  included), then the removed twins (ADT refuses to delete a twin that still has relationships);
  a relationship whose target, name or properties changed is deleted and created again;
- creations: above BULK_THRESHOLD new twins and relationships, one import job (adt_import_jobs:
  missing models, twins and relationships in one NDJSON file in the L4 stack's import container);
  otherwise per request, a twin created as the file gives it, its Components initialised
  (`$metadata`), conditionally (`If-None-Match: *`);
- updates per request (import jobs only create): an existing twin is patched, never replaced, so
  live values written by the persister survive: its model and declared (non-writable) properties are
  set to the file's, writable (live) properties are only added when absent.
`dry_run` lists what would be created, updated and deleted and changes nothing. A re-run reads the
instance again, so it creates only what is missing (no duplicates after a partially failed job) and
deletes nothing twice. The deployer needs "Azure Digital Twins Data Owner" on the instance.

With a 3D scene (needs3DModel), the files next to the stack under `adt/scenes/` go to the scenes
container the L4 stack made (its output `scenes_container_url`), `{{STORAGE_URL}}` in the 3D
Scenes Studio configuration replaced by that container's URL; re-uploading overwrites them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from twin_model.config.adt_graph import twin_model
from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.adt_import_jobs import BulkImporter, ImportJobsApi, ImportOutcome, import_file
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, AzureDataPlane, EntraTokens, resource_path
from twin_ops.post_deploy.dtdl_upload_order import batches
from twin_ops.post_deploy.terraform_state import StackState

ADT_API_VERSION = "2023-10-31"
SCENES_DIR = Path("adt") / "scenes"
SCENES_OUTPUT = "scenes_container_url"
GRAPH_IMPORT_OUTPUT = "graph_import_container_url"
STORAGE_URL_PLACEHOLDER = "{{STORAGE_URL}}"
STORAGE_SCOPE = "https://storage.azure.com/.default"
BLOB_API_VERSION = "2021-08-06"
RELATIONSHIP_PATH_KEYS = ("$sourceId", "$relationshipId", "$etag")  # in the URL (or the service's), not the body
CONTENT_TYPES = {".json": "application/json", ".glb": "model/gltf-binary", ".gltf": "model/gltf+json",
                 ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
# Above this many twins and relationships to create, one import job creates them. ADT takes 50
# create or delete operations a second per instance (reference-service-limits, adjustable): 1,000
# requests are about 20 s, and a job's few calls are worth its minutes of latency from there on.
BULK_THRESHOLD = 1000
TWINS_QUERY = "SELECT * FROM DIGITALTWINS"
RELATIONSHIPS_QUERY = "SELECT * FROM RELATIONSHIPS"

RelationshipKey = tuple[str, str]  # (source twin, relationship id)


class TwinGraph(Protocol):
    def model_ids(self) -> set[str]: ...

    def create_models(self, models: list[dict]) -> None: ...

    def twins(self) -> dict[str, dict]: ...  # every twin of the instance, by id

    def relationships(self) -> dict[RelationshipKey, dict]: ...  # every relationship of the instance

    def get_twin(self, twin_id: str) -> dict | None: ...

    def create_twin(self, twin_id: str, twin: dict) -> bool: ...  # False: it already existed

    def patch_twin(self, twin_id: str, operations: list[dict]) -> None: ...

    def create_relationship(self, relationship: dict) -> bool: ...  # False: it already existed

    def delete_relationship(self, source_id: str, relationship_id: str) -> None: ...

    def delete_twin(self, twin_id: str) -> None: ...


class Bulk(Protocol):
    """One import job over a file (adt_import_jobs.BulkImporter)."""

    def run(self, document: bytes) -> ImportOutcome: ...


class DigitalTwinsApi:
    """The calls of the ADT data-plane REST API this step makes."""

    def __init__(self, plane: AzureDataPlane) -> None:
        self._plane = plane

    def model_ids(self) -> set[str]:
        ids: set[str] = set()
        path: str | None = resource_path(ADT_API_VERSION, "models")
        while path:
            _, page = self._plane.call("GET", path)
            ids.update(model["id"] for model in page.get("value", []))
            next_link = page.get("nextLink")
            path = _path_of(next_link) if next_link else None
        return ids

    def create_models(self, models: list[dict]) -> None:
        self._plane.call("POST", resource_path(ADT_API_VERSION, "models"), models)

    def query(self, text: str) -> Iterator[dict]:
        """Every result of a query (Query Twins), page after page (`continuationToken`)."""
        token: str | None = None
        while True:
            body = {"query": text, **({"continuationToken": token} if token else {})}
            _, page = self._plane.call("POST", resource_path(ADT_API_VERSION, "query"), body)
            yield from page.get("value", [])
            token = page.get("continuationToken")
            if not token:
                return

    def twins(self) -> dict[str, dict]:
        return {twin["$dtId"]: twin for twin in self.query(TWINS_QUERY)}

    def relationships(self) -> dict[RelationshipKey, dict]:
        return {(r["$sourceId"], r["$relationshipId"]): r for r in self.query(RELATIONSHIPS_QUERY)}

    def get_twin(self, twin_id: str) -> dict | None:
        status, twin = self._plane.call("GET", resource_path(ADT_API_VERSION, "digitaltwins", twin_id), allow=(404,))
        return None if status == 404 else twin

    def create_twin(self, twin_id: str, twin: dict) -> bool:
        path = resource_path(ADT_API_VERSION, "digitaltwins", twin_id)
        status, _ = self._plane.call("PUT", path, twin, headers={"If-None-Match": "*"}, allow=(412,))
        return status != 412

    def patch_twin(self, twin_id: str, operations: list[dict]) -> None:
        self._plane.call(
            "PATCH",
            resource_path(ADT_API_VERSION, "digitaltwins", twin_id),
            operations,
            headers={"Content-Type": "application/json-patch+json"},
        )

    def create_relationship(self, relationship: dict) -> bool:
        path = resource_path(
            ADT_API_VERSION, "digitaltwins", relationship["$sourceId"], "relationships", relationship["$relationshipId"]
        )
        body = {key: value for key, value in relationship.items() if key not in RELATIONSHIP_PATH_KEYS}
        status, _ = self._plane.call("PUT", path, body, headers={"If-None-Match": "*"}, allow=(412,))
        return status != 412

    def delete_relationship(self, source_id: str, relationship_id: str) -> None:
        path = resource_path(ADT_API_VERSION, "digitaltwins", source_id, "relationships", relationship_id)
        self._plane.call("DELETE", path, allow=(404,))  # gone already: what a re-run wants

    def delete_twin(self, twin_id: str) -> None:
        self._plane.call("DELETE", resource_path(ADT_API_VERSION, "digitaltwins", twin_id), allow=(404,))


@dataclass
class UploadResult:
    models_created: int = 0
    models_existing: int = 0
    twins_created: int = 0
    twins_updated: int = 0
    twins_unchanged: int = 0
    relationships_created: int = 0
    relationships_existing: int = 0
    twins_deleted: list[str] = field(default_factory=list)  # removed from the project (dry run: to delete)
    relationships_deleted: list[RelationshipKey] = field(default_factory=list)  # gone or changed
    import_job: str | None = None  # the job that created the twins and relationships, if one did
    failed: dict[str, str] = field(default_factory=dict)  # element → the service's error
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        deleted = (f" ({', '.join(self.twins_deleted[:20])}{' …' if len(self.twins_deleted) > 20 else ''})"
                   if self.twins_deleted else "")
        line = (
            f"models {self.models_created} {verb}created, {self.models_existing} existing; "
            f"twins {self.twins_created} {verb}created, {self.twins_updated} {verb}updated, {self.twins_unchanged} unchanged, "
            f"{len(self.twins_deleted)} removed twins {verb}deleted{deleted}; "
            f"relationships {self.relationships_created} {verb}created, {self.relationships_existing} existing, "
            f"{len(self.relationships_deleted)} {verb}deleted"
        )
        if self.import_job:
            line += f"; created by import job {self.import_job}"
        if self.failed:
            shown = sorted(self.failed.items())[:20]
            line += f"; {len(self.failed)} failed: " + "; ".join(f"{e}: {why}" for e, why in shown)
            line += " …" if len(self.failed) > 20 else ""
        return line


def upload(models: list[dict], twins: dict, graph: TwinGraph, *, bulk: Bulk | None = None, dry_run: bool = False,
           author: str = "multicloud digital twin") -> UploadResult:
    """Bring the instance to the project's graph (see the module docstring); `bulk` runs the import
    job of a large creation (None: always per request)."""
    existing_models = graph.model_ids()
    missing = [model for model in models if model["@id"] not in existing_models]
    present, linked = graph.twins(), graph.relationships()
    wanted = {twin["$dtId"]: twin for twin in twins["twins"]}
    wanted_links = {(r["$sourceId"], r["$relationshipId"]): r for r in twins["relationships"]}
    removed = sorted(set(present) - set(wanted))
    gone = set(removed)
    stale = sorted(key for key, current in linked.items()
                   if key not in wanted_links or {current.get("$targetId"), key[0]} & gone
                   or _relationship_changed(current, wanted_links[key]))
    declared = declared_properties(models)
    new_twins = [twin for twin_id, twin in wanted.items() if twin_id not in present]
    patches = [(twin_id, operations) for twin_id, twin in wanted.items() if twin_id in present
               and (operations := twin_patch(twin, present[twin_id], declared))]
    dropped = set(stale)
    new_links = [r for key, r in wanted_links.items() if key not in linked or key in dropped]
    result = UploadResult(
        models_created=len(missing), models_existing=len(models) - len(missing),
        twins_created=len(new_twins), twins_updated=len(patches),
        twins_unchanged=len(wanted) - len(new_twins) - len(patches),
        relationships_created=len(new_links), relationships_existing=len(wanted_links) - len(new_links),
        twins_deleted=removed, relationships_deleted=stale, dry_run=dry_run,
    )
    if dry_run:
        return result
    for source_id, relationship_id in stale:  # relationships first: a twin with any is not deleted
        graph.delete_relationship(source_id, relationship_id)
    for twin_id in removed:
        graph.delete_twin(twin_id)
    if bulk is not None and len(new_twins) + len(new_links) > BULK_THRESHOLD:
        ordered = [model for batch in batches(missing) for model in batch]
        outcome = bulk.run(import_file(ordered, new_twins, new_links, author=author))
        result.import_job, result.failed = outcome.job_id, outcome.failed
        if outcome.status != "succeeded" and not outcome.failed:
            raise PostDeployError(f"Azure Digital Twins import job {outcome.job_id} {outcome.status}: {outcome.error}")
        for section, attribute in (("Models", "models_created"), ("Twins", "twins_created"),
                                   ("Relationships", "relationships_created")):
            failures = sum(1 for element in outcome.failed if element.startswith(f"{section} "))
            setattr(result, attribute, getattr(result, attribute) - failures)
    else:
        _create_per_request(missing, new_twins, new_links, graph, declared, result)
    for twin_id, operations in patches:
        graph.patch_twin(twin_id, operations)
    return result


def _create_per_request(missing: list[dict], new_twins: list[dict], new_links: list[dict], graph: TwinGraph,
                        declared: dict[str, set[str]], result: UploadResult) -> None:
    for batch in batches(missing):
        graph.create_models(batch)
    for twin in new_twins:
        twin_id = twin["$dtId"]
        if graph.create_twin(twin_id, twin):
            continue
        current = graph.get_twin(twin_id) or {}  # created since the query: bring it up to date instead
        result.twins_created -= 1
        operations = twin_patch(twin, current, declared)
        if operations:
            graph.patch_twin(twin_id, operations)
            result.twins_updated += 1
        else:
            result.twins_unchanged += 1
    for relationship in new_links:
        if not graph.create_relationship(relationship):
            result.relationships_created -= 1
            result.relationships_existing += 1


def _relationship_changed(current: dict, desired: dict) -> bool:
    """A relationship's target, name or properties differ from the project's (ADT cannot move one)."""
    def content(relationship: dict) -> dict:
        return {k: v for k, v in relationship.items() if not k.startswith("$") or k in ("$targetId", "$relationshipName")}

    return content(current) != content(desired)


def declared_properties(models: list[dict]) -> dict[str, set[str]]:
    """Per model id, its non-writable properties, inherited ones included: set from the project,
    not by telemetry."""
    by_id = {model["@id"]: model for model in models}
    own = {model_id: {c["name"] for c in _contents(model) if _is_property(c) and not c.get("writable", False)}
           for model_id, model in by_id.items()}
    result: dict[str, set[str]] = {}
    for model_id in by_id:
        names: set[str] = set()
        seen: set[str] = set()
        pending = [model_id]
        while pending:  # each ancestor once, however many paths lead to it
            current = pending.pop()
            if current in seen or current not in by_id:
                continue
            seen.add(current)
            names |= own[current]
            extends = by_id[current].get("extends", [])
            pending.extend([extends] if isinstance(extends, str) else [e for e in extends if isinstance(e, str)])
        result[model_id] = names
    return result


def _contents(model: dict) -> list[dict]:
    contents = model.get("contents", [])
    items = [contents] if isinstance(contents, dict) else contents
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]


def _is_property(content: dict) -> bool:
    kind = content.get("@type")
    return kind == "Property" or (isinstance(kind, list) and "Property" in kind)


def twin_patch(desired: dict, current: dict, declared: dict[str, set[str]]) -> list[dict[str, Any]]:
    """JSON Patch bringing `current` to the file's model and declared values, keeping live values."""
    model = desired["$metadata"]["$model"]
    operations: list[dict[str, Any]] = []
    if current.get("$metadata", {}).get("$model") != model:
        operations.append({"op": "replace", "path": "/$metadata/$model", "value": model})
    for name, value in desired.items():
        if name.startswith("$"):
            continue
        if name not in current:
            operations.append({"op": "add", "path": _pointer(name), "value": value})
        elif name in declared.get(model, set()) and current[name] != value:
            operations.append({"op": "replace", "path": _pointer(name), "value": value})
    return operations


def _pointer(name: str) -> str:
    return "/" + name.replace("~", "~0").replace("/", "~1")


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def scene_files(stack_dir: Path, container_url: str) -> list[tuple[str, bytes, str]]:
    """(blob name, content, content type) of the scene; JSON files get the container's URL."""
    folder = stack_dir / SCENES_DIR
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".json":
            data = data.decode("utf-8").replace(STORAGE_URL_PLACEHOLDER, container_url.rstrip("/")).encode("utf-8")
        files.append((path.relative_to(folder).as_posix(), data, CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")))
    return files


class BlobContainer:
    """Block-blob uploads to one container with the deployer's Entra ID token (no account keys)."""

    def __init__(self, container_url: str, token, transport=None) -> None:
        from twin_ops.post_deploy.azure_data_plane import https_request

        self._url, self._token, self._transport = container_url.rstrip("/"), token, transport or https_request

    def put(self, name: str, data: bytes, content_type: str) -> None:
        from twin_ops.post_deploy.azure_data_plane import AzureRestError

        url = f"{self._url}/{quote(name)}"
        headers = {"Authorization": f"Bearer {self._token(STORAGE_SCOPE)}", "x-ms-version": BLOB_API_VERSION,
                   "x-ms-blob-type": "BlockBlob", "Content-Type": content_type}
        status, response_headers, _ = self._transport("PUT", url, headers, data)
        if not 200 <= status < 300:
            raise AzureRestError("PUT", url, status, response_headers.get("x-ms-error-code"))


def upload_scene(files: list[tuple[str, bytes, str]], container: BlobContainer) -> int:
    for name, data, content_type in files:
        container.put(name, data, content_type)
    return len(files)


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    stack_dir = request.stack_dir(topology, Layer.L4)
    models, twins = twin_model(config)
    state = StackState.read(request.terraform, stack_dir)
    host = state.attribute("azurerm_digital_twins_instance", "host_name")
    tokens = EntraTokens()
    plane = AzureDataPlane(host, DIGITAL_TWINS_SCOPE, tokens)
    bulk = BulkImporter(ImportJobsApi(plane), import_container(state.output(GRAPH_IMPORT_OUTPUT), tokens))
    result = upload(models, twins, DigitalTwinsApi(plane), bulk=bulk, dry_run=request.dry_run, author=config.name)
    line = f"Azure Digital Twins {host}: {result.summary()}"
    if result.failed:
        raise PostDeployError(line + " (a re-run creates what is missing)")
    if (stack_dir / SCENES_DIR).is_dir() and not request.dry_run:
        container_url = state.output(SCENES_OUTPUT)
        count = upload_scene(scene_files(stack_dir, container_url), BlobContainer(container_url, tokens))
        line += f"; 3D scene: {count} files in {container_url} (open it in 3D Scenes Studio)"
    return line


def import_container(container_url: str, tokens: Any) -> Any:
    """The L4 stack's import container (https://<account>.blob.core.windows.net/<container>) as
    adt_import_jobs.JobBlobs, with the deployer's Entra ID token."""
    from twin_ops.azure_storage import BlobService, bearer

    account, container = container_url.rstrip("/").rsplit("/", 1)
    service = BlobService(account, bearer(tokens))

    class ContainerBlobs:
        @staticmethod
        def url(name: str) -> str:
            return f"{account}/{container}/{quote(name)}"

        @staticmethod
        def put(name: str, data: bytes) -> None:
            service.put(container, name, data)

        @staticmethod
        def get(name: str) -> bytes | None:
            return service.get(container, name)

    return ContainerBlobs()


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The twin graph goes to the Digital Twins stand-in's instance, which holds none until then
    (its twins answer 404, as in Azure Digital Twins)."""
    models, twins = twin_model(local.config)
    for instance in local.resource_names(stack.name, "azurerm_digital_twins_instance"):
        try:
            local.platform.digital_twins.add(instance, models, twins.get("twins", []))
        except ValueError as exc:  # models the DTDL parser refuses, twins of models not uploaded
            raise PostDeployError(str(exc)) from None
