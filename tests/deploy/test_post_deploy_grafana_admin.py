"""config_user.json's administrator becomes Grafana Admin after L5, as the predecessor made it.

AWS: IAM Identity Center with moto (sso-admin, identitystore), Amazon Managed Grafana's
UpdatePermissions faked. Azure: Microsoft Graph and Resource Manager answered by a recording
transport. Expected requests come from the services' APIs (Identity Store GetUserId/CreateUser,
grafana UpdatePermissions, Graph /v1.0/users, ARM roleAssignments and the built-in Grafana Admin
role id).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from moto import mock_aws

from twin_model.config.model import UserSettings
from twin_ops.post_deploy import PostDeployError
from twin_ops.post_deploy.azure_data_plane import AzureDataPlane
from twin_ops.post_deploy.grafana_admin import aws_grant_admin, azure_grant_admin

ADMIN = UserSettings("twin-admin@example.com", "Twin", "Admin")
NOBODY = UserSettings("")
REGION = "eu-central-1"


class FakeAmg:
    """Amazon Managed Grafana's UpdatePermissions: records each batch, answers without errors."""

    def __init__(self, errors: list | None = None) -> None:
        self.batches: list[dict] = []
        self.errors = errors or []

    def update_permissions(self, **kwargs: Any) -> dict:
        self.batches.append(kwargs)
        return {"errors": self.errors}


@pytest.fixture
def identity_center():
    with mock_aws():
        sso_admin = boto3.client("sso-admin", region_name=REGION)
        store = sso_admin.list_instances()["Instances"][0]["IdentityStoreId"]
        yield sso_admin, boto3.client("identitystore", region_name=REGION), store


def test_aws_creates_the_administrator_once_and_grants_admin(identity_center):
    sso_admin, identitystore, store = identity_center
    amg = FakeAmg()
    first = aws_grant_admin(ADMIN, "g-123", sso_admin, identitystore, amg)
    second = aws_grant_admin(ADMIN, "g-123", sso_admin, identitystore, amg)
    assert "created in IAM Identity Center" in first and "(found)" in second
    (user,) = identitystore.list_users(IdentityStoreId=store)["Users"]
    assert user["UserName"] == "twin-admin@example.com"
    assert user["Name"]["GivenName"] == "Twin" and user["Name"]["FamilyName"] == "Admin"
    assert [e["Value"] for e in user["Emails"]] == ["twin-admin@example.com"]
    expected = {"workspaceId": "g-123", "updateInstructionBatch": [
        {"action": "ADD", "role": "ADMIN", "users": [{"id": user["UserId"], "type": "SSO_USER"}]}]}
    assert amg.batches == [expected, expected]


def test_aws_finds_an_existing_user_by_email(identity_center):
    sso_admin, identitystore, store = identity_center
    existing = identitystore.create_user(
        IdentityStoreId=store, UserName="jdoe", DisplayName="J Doe", Name={"GivenName": "J", "FamilyName": "Doe"},
        Emails=[{"Value": "twin-admin@example.com", "Primary": True}],
    )["UserId"]
    amg = FakeAmg()
    aws_grant_admin(ADMIN, "g-123", sso_admin, identitystore, amg)
    assert len(identitystore.list_users(IdentityStoreId=store)["Users"]) == 1
    assert amg.batches[0]["updateInstructionBatch"][0]["users"] == [{"id": existing, "type": "SSO_USER"}]


def test_aws_names_a_refusal(identity_center):
    sso_admin, identitystore, _ = identity_center
    with pytest.raises(PostDeployError, match="refused the admin role for twin-admin@example.com: not licensed"):
        aws_grant_admin(ADMIN, "g-123", sso_admin, identitystore, FakeAmg([{"message": "not licensed"}]))


def test_aws_without_identity_center_says_what_to_enable():
    class NoInstances:
        def list_instances(self) -> dict:
            return {"Instances": []}

    with pytest.raises(PostDeployError, match="IAM Identity Center is not enabled"):
        aws_grant_admin(ADMIN, "g-123", NoInstances(), None, FakeAmg())


@pytest.mark.parametrize("user", [None, NOBODY], ids=["no-file", "empty-email"])
def test_no_administrator_grants_nothing(user):
    amg = FakeAmg()
    assert aws_grant_admin(user, "g-123", None, None, amg) == "no administrator in config_user.json"
    assert azure_grant_admin(user, GRAFANA_ID, None, None) == "no administrator in config_user.json"
    assert amg.batches == []


# --- Azure --------------------------------------------------------------------------------------

GRAFANA_ID = "/subscriptions/sub-1/resourceGroups/twin-l5-rg/providers/Microsoft.Dashboard/grafana/twin-abc"
ROLE = "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/22926164-76b3-42b3-bc55-97df8dab3e41"


class Recorder:
    """One Azure endpoint as a Transport: answers from `answers` (method → (status, body)), records calls."""

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        self.answers, self.calls = answers, []

    def __call__(self, method: str, url: str, headers: dict, body: bytes | None):
        self.calls.append((method, url, json.loads(body) if body else None))
        status, answer = self.answers[method]
        return status, {}, json.dumps(answer).encode()


def planes(users: list[dict], put_status: int = 201) -> tuple[Recorder, Recorder, AzureDataPlane, AzureDataPlane]:
    graph = Recorder({"GET": (200, {"value": users})})
    arm = Recorder({"PUT": (put_status, {})})
    token = lambda scope: "t"  # noqa: E731
    return graph, arm, AzureDataPlane("graph.microsoft.com", "g", token, graph), AzureDataPlane("management.azure.com", "m", token, arm)


def test_azure_looks_the_user_up_and_assigns_grafana_admin():
    graph, arm, graph_plane, arm_plane = planes([{"id": "oid-1", "userPrincipalName": "twin-admin_example.com#EXT#@t"}])
    assert azure_grant_admin(ADMIN, GRAFANA_ID, graph_plane, arm_plane) == "administrator twin-admin@example.com is Grafana Admin"
    ((_, url, _),) = graph.calls
    assert url.startswith("https://graph.microsoft.com/v1.0/users?$filter=")
    assert unquote(url.split("$filter=")[1].split("&")[0]) == (
        "mail eq 'twin-admin@example.com' or userPrincipalName eq 'twin-admin@example.com'")
    ((method, put_url, body),) = arm.calls
    assert method == "PUT" and put_url.startswith(
        f"https://management.azure.com{GRAFANA_ID}/providers/Microsoft.Authorization/roleAssignments/")
    assert put_url.endswith("?api-version=2022-04-01")
    assert body == {"properties": {"roleDefinitionId": ROLE, "principalId": "oid-1", "principalType": "User"}}


def test_azure_assignment_name_is_stable_and_an_existing_one_is_fine():
    _, arm, graph_plane, arm_plane = planes([{"id": "oid-1"}])
    azure_grant_admin(ADMIN, GRAFANA_ID, graph_plane, arm_plane)
    azure_grant_admin(ADMIN, GRAFANA_ID, graph_plane, arm_plane)
    assert arm.calls[0][1] == arm.calls[1][1]
    _, _, graph_plane, arm_plane = planes([{"id": "oid-1"}], put_status=409)
    assert azure_grant_admin(ADMIN, GRAFANA_ID, graph_plane, arm_plane).endswith("Grafana Admin (already)")


@pytest.mark.parametrize("users, why", [([], "no user"), ([{"id": "a"}, {"id": "b"}], "2 users")])
def test_azure_refuses_an_administrator_it_cannot_name(users, why):
    _, arm, graph_plane, arm_plane = planes(users)
    with pytest.raises(PostDeployError, match=f"Entra ID has {why} with mail or user principal name twin-admin@example.com"):
        azure_grant_admin(ADMIN, GRAFANA_ID, graph_plane, arm_plane)
    assert arm.calls == []


def test_azure_quotes_the_email_in_the_filter():
    graph, _, graph_plane, arm_plane = planes([{"id": "oid-1"}])
    azure_grant_admin(UserSettings("o'neil@example.com", "O", "Neil"), GRAFANA_ID, graph_plane, arm_plane)
    assert "mail eq 'o''neil@example.com'" in unquote(graph.calls[0][1])
