"""Is a stack deployed? CloudFormation's stack status, or whether its Terraform state holds resources.

A Terraform stack's state lives where its synthesized `cdk.tf.json` says (`terraform.backend`):
S3, an Azure blob, a GCS object or a local file. Reading the state object directly needs no
`terraform init` and no provider download, only read access to the backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from twin_model.config.model import Provider

BACKEND_CLOUDS = {"s3": Provider.AWS, "azurerm": Provider.AZURE, "gcs": Provider.GOOGLE, "local": None}
NOT_DEPLOYED = "not deployed"


def cloudformation_status(cloudformation: Any, stack: str) -> str:
    from botocore.exceptions import ClientError

    try:
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return NOT_DEPLOYED
        raise
    reason = found.get("StackStatusReason")
    return found["StackStatus"] + (f" ({reason})" if reason and "FAILED" in found["StackStatus"] else "")


def terraform_backend(tf_outdir: Path, stack: str) -> tuple[str, dict] | None:
    """(kind, settings) of the stack's backend, or None when the stack was not synthesized there."""
    path = tf_outdir / "stacks" / stack / "cdk.tf.json"
    if not path.is_file():
        return None
    backend = json.loads(path.read_text()).get("terraform", {}).get("backend", {"local": {}})
    ((kind, settings),) = backend.items()
    return kind, settings


def describe_state(document: bytes | None) -> str:
    """`state present: N resources` or `not deployed` (no state, or a state emptied by destroy)."""
    if document is None:
        return NOT_DEPLOYED
    state = json.loads(document)
    managed = [r for r in state.get("resources", []) if r.get("mode", "managed") == "managed"]
    return f"state present: {len(managed)} resources" if managed else f"{NOT_DEPLOYED} (empty state)"


def read_state(kind: str, settings: dict, stack_dir: Path, clients: Any) -> bytes | None:
    """The state document, or None when there is none. `clients`: the backend cloud's (None for local)."""
    if kind == "s3":
        s3 = clients.client("s3", region=settings.get("region"))
        try:
            return s3.get_object(Bucket=settings["bucket"], Key=settings["key"])["Body"].read()
        except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket):
            return None
    if kind == "azurerm":
        return clients.blobs(settings["storage_account_name"]).get(settings["container_name"], settings["key"])
    if kind == "gcs":
        from google.api_core.exceptions import NotFound

        prefix = settings.get("prefix", "").strip("/")
        blob = clients.storage().bucket(settings["bucket"]).blob(f"{prefix}/default.tfstate" if prefix else "default.tfstate")
        try:
            return blob.download_as_bytes()
        except NotFound:
            return None
    path = stack_dir / settings.get("path", "terraform.tfstate")
    return path.read_bytes() if path.is_file() else None
