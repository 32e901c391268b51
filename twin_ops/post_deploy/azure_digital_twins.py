"""Azure L4: upload the generated DTDL models, twins and relationships to Azure Digital Twins.

They are ADT data-plane objects (no azurerm resource) and the twin graph is data (docs/design.md
§7a): computed from the validated project (twin_model/config/adt_graph.py: generated models, one per
device schema, and twins; the project's own DTDL as given, checked at synth as ADT checks it:
twin_model/config/azure_hierarchy.py), never written next to the stack. Idempotent, and safe on a live twin:
- models are immutable in ADT: missing ones are created, existing ids are kept (a changed model
  needs a new version in its DTMI); they go in dependency order, an Interface after everything it
  extends or uses, at most 250 per request (dtdl_upload_order);
- a missing twin is created as the file gives it, its Components initialised (`$metadata`); an
  existing one is patched, never replaced, so live values written by the persister survive: its
  model and declared (non-writable) properties are set to the file's, writable (live) properties
  are only added when absent;
- relationships are created when missing, with their properties (their content is fixed by their id).
The deployer needs "Azure Digital Twins Data Owner" on the instance.

With a 3D scene (needs3DModel), the files next to the stack under `adt/scenes/` go to the scenes
container the L4 stack made (its output `scenes_container_url`), `{{STORAGE_URL}}` in the 3D
Scenes Studio configuration replaced by that container's URL; re-uploading overwrites them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from twin_model.config.adt_graph import twin_model
from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, AzureDataPlane, EntraTokens, resource_path
from twin_ops.post_deploy.dtdl_upload_order import batches
from twin_ops.post_deploy.terraform_state import StackState

ADT_API_VERSION = "2023-10-31"
SCENES_DIR = Path("adt") / "scenes"
SCENES_OUTPUT = "scenes_container_url"
STORAGE_URL_PLACEHOLDER = "{{STORAGE_URL}}"
STORAGE_SCOPE = "https://storage.azure.com/.default"
BLOB_API_VERSION = "2021-08-06"
RELATIONSHIP_PATH_KEYS = ("$sourceId", "$relationshipId", "$etag")  # in the URL (or the service's), not the body
CONTENT_TYPES = {".json": "application/json", ".glb": "model/gltf-binary", ".gltf": "model/gltf+json",
                 ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class TwinGraph(Protocol):
    def model_ids(self) -> set[str]: ...

    def create_models(self, models: list[dict]) -> None: ...

    def get_twin(self, twin_id: str) -> dict | None: ...

    def create_twin(self, twin_id: str, twin: dict) -> bool: ...  # False: it already existed

    def patch_twin(self, twin_id: str, operations: list[dict]) -> None: ...

    def create_relationship(self, relationship: dict) -> bool: ...  # False: it already existed


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


@dataclass(frozen=True)
class UploadResult:
    models_created: int
    models_existing: int
    twins_created: int
    twins_updated: int
    twins_unchanged: int
    relationships_created: int
    relationships_existing: int

    def summary(self) -> str:
        return (
            f"models {self.models_created} created, {self.models_existing} existing; "
            f"twins {self.twins_created} created, {self.twins_updated} updated, {self.twins_unchanged} unchanged; "
            f"relationships {self.relationships_created} created, {self.relationships_existing} existing"
        )


def upload(models: list[dict], twins: dict, graph: TwinGraph) -> UploadResult:
    existing_models = graph.model_ids()
    missing = [model for model in models if model["@id"] not in existing_models]
    for batch in batches(missing):
        graph.create_models(batch)
    declared = declared_properties(models)
    created = updated = unchanged = 0
    for twin in twins["twins"]:
        twin_id = twin["$dtId"]
        current = graph.get_twin(twin_id)
        if current is None:
            if graph.create_twin(twin_id, twin):
                created += 1
                continue
            current = graph.get_twin(twin_id)  # created concurrently: bring it up to date instead
        operations = twin_patch(twin, current, declared)
        if operations:
            graph.patch_twin(twin_id, operations)
            updated += 1
        else:
            unchanged += 1
    relationships = twins["relationships"]
    new_relationships = sum(1 for relationship in relationships if graph.create_relationship(relationship))
    return UploadResult(
        len(missing), len(models) - len(missing), created, updated, unchanged,
        new_relationships, len(relationships) - new_relationships,
    )


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
    result = upload(models, twins, DigitalTwinsApi(AzureDataPlane(host, DIGITAL_TWINS_SCOPE, tokens)))
    line = f"Azure Digital Twins {host}: {result.summary()}"
    if (stack_dir / SCENES_DIR).is_dir():
        container_url = state.output(SCENES_OUTPUT)
        count = upload_scene(scene_files(stack_dir, container_url), BlobContainer(container_url, tokens))
        line += f"; 3D scene: {count} files in {container_url} (open it in 3D Scenes Studio)"
    return line


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The twin graph goes to the Digital Twins stand-in's instance, which holds none until then
    (its twins answer 404, as in Azure Digital Twins)."""
    models, twins = twin_model(local.config)
    for instance in local.resource_names(stack.name, "azurerm_digital_twins_instance"):
        try:
            local.platform.digital_twins.add(instance, models, twins.get("twins", []))
        except ValueError as exc:  # models the DTDL parser refuses, twins of models not uploaded
            raise PostDeployError(str(exc)) from None
