"""The twin's administrator (config_user.json) becomes Grafana Admin of the twin's dashboards.

The predecessor created this user in IAM Identity Center (L5 on AWS) or Entra ID (L5 on Azure)
and gave it Grafana's admin role. The Grafana steps do the same after provisioning the dashboard:
- AWS: Amazon Managed Grafana signs users in through IAM Identity Center; the Identity Center user
  whose email is `admin_email` is found, or created with the given names (Identity Center sends
  the invitation), and gets the workspace's ADMIN role;
- Azure: the Entra ID user whose mail or user principal name is `admin_email` (guests included)
  is looked up, never created (a member needs a verified domain and a password, which is what
  made the predecessor insist on `.onmicrosoft.com`), and gets the built-in role Grafana Admin on
  the Grafana instance; the assignment's name is derived from the instance and the user, so a
  re-run finds it.
An empty `admin_email` (or no config_user.json) grants nothing. Clients are injected; cli.py builds
the real ones.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from twin_model.config.model import UserSettings
from twin_ops.post_deploy import PostDeployError
from twin_ops.post_deploy.azure_data_plane import AzureDataPlane

GRAPH_HOST = "graph.microsoft.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Azure built-in role "Grafana Admin" (the same id in every tenant).
GRAFANA_ADMIN_ROLE = "22926164-76b3-42b3-bc55-97df8dab3e41"
ROLE_ASSIGNMENT_API_VERSION = "2022-04-01"
NAMESPACE = uuid.UUID("5b0e4a36-36f4-4d0e-9f5e-6c1e3f0d8a11")  # role assignment names of this step


def aws_grant_admin(user: UserSettings | None, workspace_id: str, sso_admin: Any, identitystore: Any, grafana: Any) -> str:
    """Find or create the Identity Center user and give it the workspace's ADMIN role."""
    if user is None or not user.has_admin:
        return "no administrator in config_user.json"
    instances = sso_admin.list_instances().get("Instances", [])
    if not instances:
        raise PostDeployError("IAM Identity Center is not enabled in this account: Amazon Managed Grafana signs users in "
                              "through it (enable it, then run the step again)")
    store = instances[0]["IdentityStoreId"]
    try:
        user_id = identitystore.get_user_id(
            IdentityStoreId=store,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "emails.value", "AttributeValue": user.admin_email}},
        )["UserId"]
        found = "found"
    except identitystore.exceptions.ResourceNotFoundException:
        user_id = identitystore.create_user(
            IdentityStoreId=store,
            UserName=user.admin_email,
            DisplayName=f"{user.admin_first_name} {user.admin_last_name}",
            Name={"GivenName": user.admin_first_name, "FamilyName": user.admin_last_name},
            Emails=[{"Value": user.admin_email, "Type": "work", "Primary": True}],
        )["UserId"]
        found = "created in IAM Identity Center"
    answer = grafana.update_permissions(
        workspaceId=workspace_id,
        updateInstructionBatch=[{"action": "ADD", "role": "ADMIN", "users": [{"id": user_id, "type": "SSO_USER"}]}],
    )
    if answer.get("errors"):
        raise PostDeployError(f"Grafana refused the admin role for {user.admin_email}: {answer['errors'][0].get('message', '')}")
    return f"administrator {user.admin_email} ({found}) is Grafana Admin"


def azure_grant_admin(user: UserSettings | None, grafana_id: str, graph: AzureDataPlane, arm: AzureDataPlane) -> str:
    """Look the Entra ID user up and assign it Grafana Admin on the instance."""
    if user is None or not user.has_admin:
        return "no administrator in config_user.json"
    email = user.admin_email.replace("'", "''")  # OData string literal
    query = quote(f"mail eq '{email}' or userPrincipalName eq '{email}'", safe="")
    _, found = graph.call("GET", f"/v1.0/users?$filter={query}&$select=id,userPrincipalName")
    users = (found or {}).get("value", [])
    if len(users) != 1:
        why = "no user" if not users else f"{len(users)} users"
        raise PostDeployError(f"Entra ID has {why} with mail or user principal name {user.admin_email}: invite or create "
                              "the administrator in the tenant (guests are fine), then run the step again")
    principal = users[0]["id"]
    subscription = grafana_id.split("/")[2]
    name = uuid.uuid5(NAMESPACE, f"{grafana_id.lower()}|{principal}")
    status, _ = arm.call(
        "PUT",
        f"{grafana_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version={ROLE_ASSIGNMENT_API_VERSION}",
        {"properties": {
            "roleDefinitionId": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{GRAFANA_ADMIN_ROLE}",
            "principalId": principal,
            "principalType": "User",
        }},
        allow=(409,),  # RoleAssignmentExists: granted before, under another name
    )
    already = " (already)" if status == 409 else ""
    return f"administrator {user.admin_email} is Grafana Admin{already}"
