"""Placeholders for values a cloud only knows at deploy time, shaped like the real value.

ONE table, keyed by (resource type, attribute referenced), written from the clouds' documented
formats (CloudFormation's Ref/GetAtt return values, the Terraform providers' attribute
references): a queue endpoint is an https URL ending in "/", a secret's Ref is its ARN (from which
CloudFormation functions cut the name), a Pub/Sub topic id is `projects/<p>/topics/<name>`.
A reference with no row fails the test that met it: add the row, never a default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twin_ops.local.output import PSEUDO_PARAMETER, Reference

ACCOUNT = "123456789012"
REGION = "eu-central-1"
GCP_PROJECT = "twin-project-1234"
GCP_REGION = "europe-west1"
GUID = "00000000-0000-4000-8000-000000000001"

Shape = Callable[[Reference], str]


def _literal(properties: Mapping[str, Any], *keys: str, default: str) -> str:
    """A name the template spells out (no reference inside), else `default`."""
    for key in keys:
        value = properties.get(key)
        if isinstance(value, str) and "${" not in value:
            return value
    return default


def _name(reference: Reference, *keys: str) -> str:
    return _literal(reference.properties, *keys, default=reference.resource_id.split(".")[-1].lower()[:40])


def _registry_value(parameter_name: str) -> str:
    """The connection registry holds endpoint URLs under `/<twin>/inter-cloud/<id>/<key>`
    (twin_contract/registry.py); their values are the receivers' https URLs."""
    key = parameter_name.rstrip("/").rsplit("/", 1)[-1]
    if key.endswith("url"):
        return f"https://receiver.example.com/{key}"
    raise KeyError(f"no placeholder for the SSM parameter {parameter_name}")


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


PLACEHOLDERS: dict[tuple[str, str], Shape] = {
    # CloudFormation pseudo parameters
    (PSEUDO_PARAMETER, "AWS::Region"): lambda r: REGION,
    (PSEUDO_PARAMETER, "AWS::AccountId"): lambda r: ACCOUNT,
    (PSEUDO_PARAMETER, "AWS::Partition"): lambda r: "aws",
    (PSEUDO_PARAMETER, "AWS::URLSuffix"): lambda r: "amazonaws.com",
    (PSEUDO_PARAMETER, "AWS::StackName"): lambda r: r.stack,
    # CloudFormation resources (Ref / Fn::GetAtt return values)
    ("AWS::Lambda::Function", "Ref"): lambda r: _name(r, "FunctionName"),
    ("AWS::Lambda::Function", "Arn"): lambda r: _arn("lambda", f"function:{_name(r, 'FunctionName')}"),
    ("AWS::Lambda::Url", "FunctionUrl"): lambda r: "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/",
    ("AWS::DynamoDB::Table", "Ref"): lambda r: _name(r, "TableName"),
    ("AWS::DynamoDB::Table", "Arn"): lambda r: _arn("dynamodb", f"table/{_name(r, 'TableName')}"),
    ("AWS::DynamoDB::Table", "StreamArn"): lambda r: _arn(
        "dynamodb", f"table/{_name(r, 'TableName')}/stream/2026-01-01T00:00:00.000"
    ),
    ("AWS::S3::Bucket", "Ref"): lambda r: _name(r, "BucketName"),
    ("AWS::S3::Bucket", "Arn"): lambda r: f"arn:aws:s3:::{_name(r, 'BucketName')}",
    ("AWS::SQS::Queue", "Ref"): lambda r: f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_name(r, 'QueueName')}",
    ("AWS::SQS::Queue", "Arn"): lambda r: _arn("sqs", _name(r, "QueueName")),
    ("AWS::StepFunctions::StateMachine", "Ref"): lambda r: _arn("states", f"stateMachine:{_name(r, 'StateMachineName')}"),
    ("AWS::SecretsManager::Secret", "Ref"): lambda r: _arn("secretsmanager", f"secret:{_name(r, 'Name')}-AbCdEf"),
    ("AWS::SSM::Parameter::Value<String>", "Ref"): lambda r: _registry_value(r.properties["Default"]),
    ("resolve:ssm", "value"): lambda r: _registry_value(r.properties["Name"]),
    # Terraform: azurerm
    ("azurerm_storage_account", "name"): lambda r: _name(r, "name"),
    ("azurerm_storage_account", "primary_queue_endpoint"): lambda r: f"https://{_name(r, 'name')}.queue.core.windows.net/",
    ("azurerm_storage_account", "primary_blob_endpoint"): lambda r: f"https://{_name(r, 'name')}.blob.core.windows.net/",
    ("azurerm_user_assigned_identity", "client_id"): lambda r: GUID,
    ("azurerm_user_assigned_identity", "principal_id"): lambda r: GUID,
    ("azurerm_key_vault", "vault_uri"): lambda r: f"https://{_name(r, 'name')}.vault.azure.net/",
    ("azurerm_cosmosdb_account", "endpoint"): lambda r: f"https://{_name(r, 'name')}.documents.azure.com:443/",
    ("azurerm_cosmosdb_sql_database", "name"): lambda r: _name(r, "name"),
    ("azurerm_cosmosdb_sql_container", "name"): lambda r: _name(r, "name"),
    ("azurerm_digital_twins_instance", "host_name"): lambda r: f"{_name(r, 'name')}.api.weu.digitaltwins.azure.net",
    ("azurerm_function_app_flex_consumption", "default_hostname"): lambda r: f"{_name(r, 'name')}.azurewebsites.net",
    ("azurerm_iothub", "hostname"): lambda r: f"{_name(r, 'name')}.azure-devices.net",
    ("azurerm_logic_app_workflow", "access_endpoint"): lambda r: (
        f"https://prod-00.westeurope.logic.azure.com:443/workflows/{GUID.replace('-', '')}"
    ),
    # Terraform: aws (the connection registry, read from Terraform stacks)
    ("data.aws_ssm_parameter", "value"): lambda r: _registry_value(r.properties["name"]),
    # Terraform: google
    ("google_cloudfunctions2_function", "url"): lambda r: f"https://{_name(r, 'name')}-abcdefghij-ew.a.run.app",
    ("google_pubsub_topic", "id"): lambda r: f"projects/{GCP_PROJECT}/topics/{_name(r, 'name')}",
    ("google_pubsub_topic", "name"): lambda r: _name(r, "name"),
    ("google_workflows_workflow", "id"): lambda r: f"projects/{GCP_PROJECT}/locations/{GCP_REGION}/workflows/{_name(r, 'name')}",
    ("google_firestore_database", "name"): lambda r: _name(r, "name"),
    ("google_secret_manager_secret", "id"): lambda r: f"projects/{GCP_PROJECT}/secrets/{_name(r, 'secret_id')}",
    ("google_storage_bucket", "name"): lambda r: _name(r, "name"),
}


def placeholder(reference: Reference) -> str:
    shape = PLACEHOLDERS.get((reference.resource_type, reference.attribute))
    if shape is None:
        raise KeyError(
            f"no placeholder for {reference.resource_type} {reference.attribute} "
            f"({reference.stack}/{reference.resource_id}): add a row to tests/runs/placeholders.py"
        )
    return shape(reference)
