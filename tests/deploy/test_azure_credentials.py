"""The Azure post-deploy steps sign in with the service principal Terraform uses (ARM_*): the
README promises `az login` or the ARM_*/AZURE_* variables, and DefaultAzureCredential reads only AZURE_*."""

from __future__ import annotations

import pytest

from twin_ops.post_deploy.azure_data_plane import EntraTokens, terraform_service_principal

ARM = {"ARM_TENANT_ID": "tenant-1", "ARM_CLIENT_ID": "client-1", "ARM_CLIENT_SECRET": "s3cret"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (ARM, {"tenant_id": "tenant-1", "client_id": "client-1", "client_secret": "s3cret"}),
        ({**ARM, "ARM_SUBSCRIPTION_ID": "sub"}, {"tenant_id": "tenant-1", "client_id": "client-1", "client_secret": "s3cret"}),
        ({"ARM_TENANT_ID": "tenant-1", "ARM_CLIENT_ID": "client-1"}, None),  # OIDC or incomplete: not a secret principal
        ({**ARM, "ARM_CLIENT_SECRET": ""}, None),
        ({**ARM, "AZURE_CLIENT_ID": "other"}, None),  # azure-identity's own variables win
        ({}, None),
    ],
)
def test_terraform_service_principal(environ: dict[str, str], expected: dict[str, str] | None) -> None:
    assert terraform_service_principal(environ) == expected


def test_arm_variables_give_a_client_secret_credential_and_none_the_default_chain() -> None:
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    assert isinstance(EntraTokens(ARM)._credential, ClientSecretCredential)
    assert isinstance(EntraTokens({})._credential, DefaultAzureCredential)
