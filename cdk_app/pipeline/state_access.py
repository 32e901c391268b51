"""Which Terraform state objects a stack writes and reads, read from its synthesized `cdk.tf.json`.

A stack writes its own state (the `terraform.backend` block) and reads the state of every stack it
references through a `terraform_remote_state` data source (CDK Terrain's cross-stack references).
The pipeline grants each Terraform step exactly these objects, so the file Terraform runs is
also the source of its permissions. Pure JSON reading: no CDK import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config.model import Provider

# The cloud whose credentials a backend needs (S3 state is reached with the build's own AWS role).
BACKEND_CLOUD = {cloud.state_backend: cloud.provider for cloud in CLOUDS.values()}


@dataclass(frozen=True)
class StateObject:
    backend: str  # s3, azurerm, gcs or local
    location: str  # s3/gcs: the bucket; azurerm: storage account/container
    key: str  # s3/azurerm: the object key; gcs: the prefix

    @property
    def cloud(self) -> Provider | None:
        return BACKEND_CLOUD.get(self.backend)

    @classmethod
    def of(cls, backend: str, config: dict) -> "StateObject":
        if backend == "s3":
            return cls(backend, config["bucket"], config["key"])
        if backend == "azurerm":
            return cls(backend, f'{config["storage_account_name"]}/{config["container_name"]}', config["key"])
        if backend == "gcs":
            return cls(backend, config["bucket"], config.get("prefix", ""))
        return cls(backend, "", config.get("path", ""))


@dataclass(frozen=True)
class StateAccess:
    """A Terraform stack's state: its own (read and written, locked) and those it only reads."""

    stack: str
    own: StateObject
    reads: tuple[StateObject, ...]
    providers: tuple[str, ...]  # the Terraform providers it configures (aws: it uses the connection registry)

    @property
    def clouds(self) -> tuple[Provider, ...]:
        """Clouds whose credentials the state backends need, besides AWS (the build's own role)."""
        clouds = {state.cloud for state in (self.own, *self.reads)} - {None, Provider.AWS}
        return tuple(cloud for cloud in Provider if cloud in clouds)


def read_state_access(stack_json: Path) -> StateAccess:
    document = json.loads(stack_json.read_text(encoding="utf-8"))
    (backend, config), = document["terraform"]["backend"].items()
    remote = document.get("data", {}).get("terraform_remote_state", {})
    reads = tuple(
        sorted({StateObject.of(source["backend"], source["config"]) for source in remote.values()}, key=_order)
    )
    return StateAccess(
        stack=stack_json.parent.name,
        own=StateObject.of(backend, config),
        reads=reads,
        providers=tuple(sorted(document.get("provider", {}))),
    )


def _order(state: StateObject) -> tuple[str, str, str]:
    return state.backend, state.location, state.key
