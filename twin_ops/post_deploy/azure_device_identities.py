"""Azure L1 onboarding: the fleet's IoT Hub identities by bulk jobs, keys derived from the twin's
enrollment keys (docs/design.md §7a).

Device identities are IoT Hub data-plane objects (no azurerm resource). The L1 stack holds what
the fleet needs once: two enrollment keys generated at deploy time into its Key Vault, and the
blob container the hub's import and export jobs use (the hub's managed identity may write it).
Its `iot/hub.json` (next to cdk.tf.json) names them; it lists no device. This step:
1. reads the enrollment keys; each device's keys are derived from them as Device Provisioning
   Service enrollment groups derive them, `base64(HMAC-SHA256(base64decode(group key), device id))`,
   so no key is stored per device and the simulator (or a device's factory) can compute its own;
2. exports the hub's identities (one export job, keys excluded) to learn which devices are there;
3. writes one import blob — every device of the project `createOrUpdate` with its derived keys,
   every identity the project no longer has `delete` — and runs one import job. `dry_run` stops
   after the export and lists who would be created and deleted;
4. reads the job's error log: devices that failed are reported by id; the job is idempotent
   (createOrUpdate with the same keys, delete of what is gone), so a re-run finishes the rest
   without duplicates.
For 10,000 devices that is about ten REST calls (two jobs and their polls, three blobs, two
secrets), not one per device. The deployer needs "IoT Hub Registry Contributor" on the hub,
"Key Vault Secrets Officer" on the vault and "Storage Blob Data Contributor" on the container
(the L1 stack grants the last two).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_file, write_simulator_config
from twin_ops.post_deploy.azure_data_plane import IOT_HUB_SCOPE, AzureDataPlane, EntraTokens, resource_path
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig, auth_dir

REGISTRY_API_VERSION = "2021-04-12"
VAULT_API_VERSION = "7.4"
IOT_HUB_DNS_SUFFIX = "azure-devices.net"  # Azure public cloud
KEY_FILE = "shared_access_key"
HUB_MANIFEST = Path("iot") / "hub.json"  # next to the L1 stack's cdk.tf.json
IMPORT_BLOB = "import-devices.txt"
EXPORT_BLOB = "export-devices.txt"
ERRORS_BLOB = "importErrors.log"  # IoT Hub names it; an import job writes it to its output container
JOB_POLL_SECONDS = (1, 2, 4, 8, 15, 30)  # then every 30 s
JOB_TIMEOUT_SECONDS = 3600
FINISHED = ("completed", "failed", "cancelled")


def derive_key(group_key: str, device_id: str) -> str:
    """A device's symmetric key from an enrollment group key, as DPS derives it."""
    digest = hmac.new(base64.b64decode(group_key), device_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Blobs(Protocol):
    """The job container: Azure Blob Storage (twin_ops.azure_storage.BlobService) or a stand-in."""

    def get(self, container: str, name: str) -> bytes | None: ...

    def put(self, container: str, name: str, data: bytes) -> None: ...

    def delete(self, container: str, name: str) -> None: ...


class IotHubJobs:
    """The IoT Hub service REST calls of bulk onboarding."""

    def __init__(self, plane: AzureDataPlane) -> None:
        self._plane = plane

    def create_job(self, body: dict) -> dict:
        _, job = self._plane.call("POST", resource_path(REGISTRY_API_VERSION, "jobs", "create"), body)
        return job

    def get_job(self, job_id: str) -> dict:
        _, job = self._plane.call("GET", resource_path(REGISTRY_API_VERSION, "jobs", job_id))
        return job


class VaultSecrets:
    """Key Vault's secrets data plane (GET the current version)."""

    def __init__(self, plane: AzureDataPlane) -> None:
        self._plane = plane

    def get(self, name: str) -> str:
        _, secret = self._plane.call("GET", resource_path(VAULT_API_VERSION, "secrets", name))
        return secret["value"]


@dataclass
class OnboardingResult:
    config: SimulatorConfig
    created: list[str] = field(default_factory=list)  # new identities (dry run: to create)
    updated: int = 0  # identities the job (re)wrote that were there already
    deleted: list[str] = field(default_factory=list)  # removed from the project (dry run: to delete)
    failed: dict[str, str] = field(default_factory=dict)  # device → IoT Hub's error
    calls: int = 0
    dry_run: bool = False

    def summary(self, host: str) -> str:
        verb = "would be " if self.dry_run else ""
        deleted = f" ({', '.join(self.deleted[:20])}{' …' if len(self.deleted) > 20 else ''})" if self.deleted else ""
        line = (f"IoT Hub {host}: {len(self.created)} devices {verb}created, {self.updated} {verb}kept up to date, "
                f"{len(self.deleted)} removed devices {verb}deleted{deleted}")
        if self.failed:
            line += f"; {len(self.failed)} failed: " + "; ".join(f"{d}: {why}" for d, why in sorted(self.failed.items()))
        return line


def hub_host(manifest: dict) -> str:
    return f"{manifest['iot_hub_name']}.{IOT_HUB_DNS_SUFFIX}"


def read_manifest(stack_dir: Path) -> dict:
    return json.loads((stack_dir / HUB_MANIFEST).read_text(encoding="utf-8"))


def onboard_devices(
    project: Path, twin: str, device_ids: Sequence[str], manifest: dict, hub: IotHubJobs, blobs: Blobs,
    vault: VaultSecrets, *, dry_run: bool = False, sleep: Callable[[float], None] = time.sleep,
) -> OnboardingResult:
    container = manifest["job_container"]  # its URL, https://<account>.blob.core.windows.net/<container>
    primary, secondary = (vault.get(manifest["enrollment_keys"][k]) for k in ("primary", "secondary"))
    wanted = list(dict.fromkeys(device_ids))
    present = _export(hub, blobs, container, sleep)
    result = OnboardingResult(_simulator_config(twin, wanted, manifest), dry_run=dry_run)
    result.created = [d for d in wanted if d not in present]
    result.updated = len(wanted) - len(result.created)
    result.deleted = sorted(present - set(wanted))
    if not dry_run:
        lines = [_identity(d, derive_key(primary, d), derive_key(secondary, d)) for d in wanted]
        lines += [{"id": d, "importMode": "delete"} for d in result.deleted]
        blobs.put(container, IMPORT_BLOB, "\n".join(json.dumps(line, separators=(",", ":")) for line in lines).encode())
        blobs.delete(container, ERRORS_BLOB)  # an earlier job's errors are not this one's
        _run_job(hub, {
            "type": "import", "inputBlobContainerUri": container, "outputBlobContainerUri": container,
            "inputBlobName": IMPORT_BLOB, "storageAuthenticationType": "identityBased",
        }, sleep)
        result.failed = _errors(blobs.get(container, ERRORS_BLOB))
        folder = prepare_auth_dir(project)
        for device in wanted:
            write_file(folder / device / KEY_FILE, derive_key(primary, device))
        write_simulator_config(project, result.config)
    return result


def _identity(device_id: str, primary: str, secondary: str) -> dict:
    return {
        "id": device_id, "importMode": "createOrUpdate", "status": "enabled",
        "authentication": {"type": "sas", "symmetricKey": {"primaryKey": primary, "secondaryKey": secondary}},
    }


def _simulator_config(twin: str, device_ids: Sequence[str], manifest: dict) -> SimulatorConfig:
    devices = tuple(DeviceCredentials(d, shared_access_key=f"{d}/{KEY_FILE}") for d in device_ids)
    return SimulatorConfig(Provider.AZURE, twin, devices, mqtt=MqttBroker(hub_host(manifest)))


def _export(hub: IotHubJobs, blobs: Blobs, container: str, sleep: Callable[[float], None]) -> set[str]:
    _run_job(hub, {
        "type": "export", "outputBlobContainerUri": container, "outputBlobName": EXPORT_BLOB,
        "excludeKeysInExport": True, "storageAuthenticationType": "identityBased",
    }, sleep)
    exported = blobs.get(container, EXPORT_BLOB) or b""
    return {json.loads(line)["id"] for line in exported.decode("utf-8").splitlines() if line.strip()}


def _run_job(hub: IotHubJobs, body: dict, sleep: Callable[[float], None]) -> None:
    """Creates the job and polls it until it finished; PostDeployError unless it completed."""
    job = hub.create_job(body)
    waited, waits = 0.0, iter(JOB_POLL_SECONDS)
    while job.get("status") not in FINISHED:
        if waited > JOB_TIMEOUT_SECONDS:
            raise PostDeployError(f"IoT Hub {body['type']} job {job.get('jobId')} still {job.get('status')} after an hour")
        wait = next(waits, JOB_POLL_SECONDS[-1])
        sleep(wait)
        waited += wait
        job = hub.get_job(job["jobId"])
    if job.get("status") != "completed":
        raise PostDeployError(f"IoT Hub {body['type']} job {job.get('jobId')} {job.get('status')}: {job.get('failureReason')}")


def _errors(log: bytes | None) -> dict[str, str]:
    """device → `errorCode: errorStatus` of the import job's error log (JSON lines)."""
    failed: dict[str, str] = {}
    for line in (log or b"").decode("utf-8").splitlines():
        if line.strip():
            entry: Any = json.loads(line)
            failed[str(entry.get("deviceId"))] = f"{entry.get('errorCode')}: {entry.get('errorStatus')}"
    return failed


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    from twin_ops.azure_storage import BlobService, bearer
    from twin_ops.post_deploy.azure_grafana_dashboards import VAULT_SCOPE

    manifest, tokens = read_manifest(request.stack_dir(topology, Layer.L1)), EntraTokens()
    account, container = manifest["job_container"].rsplit("/", 1)
    service = BlobService(account, bearer(tokens))

    class ContainerBlobs:  # the job container, named by its URL as the jobs name it
        @staticmethod
        def get(url: str, name: str) -> bytes | None:
            return service.get(container, name)

        @staticmethod
        def put(url: str, name: str, data: bytes) -> None:
            service.put(container, name, data)

        @staticmethod
        def delete(url: str, name: str) -> None:
            service.delete(container, name)

    result = onboard_devices(
        request.project, config.name, [d.id for d in config.devices], manifest,
        IotHubJobs(AzureDataPlane(hub_host(manifest), IOT_HUB_SCOPE, tokens)), ContainerBlobs(),
        VaultSecrets(AzureDataPlane(f"{manifest['key_vault']}.vault.azure.net", VAULT_SCOPE, tokens)),
        dry_run=request.dry_run,
    )
    line = result.summary(hub_host(manifest)) + ("" if request.dry_run else f"; keys in {auth_dir(request.project)}")
    if result.failed:
        raise PostDeployError(line)
    return line


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The step against the IoT Hub registry stand-in: an export and an import job over the job
    container in Azurite, device keys derived from the enrollment keys the L1 stack put in its vault;
    until then the hub refuses a device, as IoT Hub refuses one that was never registered."""
    import urllib.error
    from types import SimpleNamespace
    from urllib.parse import urlsplit

    from twin_ops.local.standins.iot_hub_registry import API_VERSION, IotHubRegistry

    manifest = read_manifest(local.stack_dir(stack.name))
    azurite, platform = local.endpoints.azurite["blob"], local.platform

    def azurite_url(container_url: str, name: str) -> str:
        parts = urlsplit(container_url)
        return f"{azurite}/{(parts.hostname or '').split('.')[0]}{parts.path}/{name}"

    class LocalBlobs:  # the job container (https://<account>.blob.core.windows.net/<container>) in Azurite
        @staticmethod
        def get(container: str, name: str) -> bytes | None:
            try:
                data: bytes = local.azurite("GET", azurite_url(container, name), allow=())
                return data
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return None
                raise

        @staticmethod
        def put(container: str, name: str, data: bytes) -> None:
            local.azurite("PUT", azurite_url(container, name), data, headers={"x-ms-blob-type": "BlockBlob"})

        @staticmethod
        def delete(container: str, name: str) -> None:
            local.azurite("DELETE", azurite_url(container, name), allow=(404,))

    registry = IotHubRegistry(LocalBlobs)

    class LocalJobs:  # IoT Hub's service API, answered by the stand-in in this process
        @staticmethod
        def create_job(body: dict) -> dict:
            answer: dict = registry.handle("POST", "/jobs/create", {"api-version": API_VERSION},
                                           {"Authorization": "Bearer local"}, json.dumps(body).encode())[2]
            return answer

        @staticmethod
        def get_job(job_id: str) -> dict:
            answer: dict = registry.handle("GET", f"/jobs/{job_id}", {"api-version": API_VERSION},
                                           {"Authorization": "Bearer local"}, b"")[2]
            return answer

    vault = SimpleNamespace(get=lambda name: platform.key_vault.vaults[manifest["key_vault"]][name])
    result = onboard_devices(local.workdir / "onboarding", local.config.name, [d.id for d in local.config.devices],
                             manifest, LocalJobs, LocalBlobs, vault, sleep=lambda seconds: None)
    if result.failed:
        raise PostDeployError(result.summary(hub_host(manifest)))
    platform.iot_hub.devices = set(registry.devices)  # the hub knows the imported identities
