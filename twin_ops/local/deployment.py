"""The synthesized stacks "deployed" on this machine: each resource a function or the data path
needs is created in a local service (moto, Azurite, the storage emulator, the stand-ins), stacks
in deploy order (receivers first), and every deploy-time reference resolves to the local value.

Driven by resource type, never by layer or combination: a table of provisioners, one per type
that carries data or wiring; other types (IAM, logs, roles, plans) need nothing locally, and a
reference to one of them gets the generic value below. A reference no provisioner answers stops
the run with one line naming it.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import re
import secrets
import string
import urllib.error
import urllib.request
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin_model.config.model import ProjectConfig
from twin_model.deploy_plan import deploy_plan
from twin_model.topology import Topology
from twin_ops.local.function_host import KeptAlive
from twin_ops.local.output import PSEUDO_PARAMETER, Reference, SynthFunction, SynthOutput
from twin_ops.local.standins.azure import entra_token

ACCOUNT = "123456789012"  # moto's account
GUID = "00000000-0000-4000-8000-00000000c1d0"


class DeploymentError(RuntimeError):
    """A resource or reference the local run cannot provide (the message names it)."""


@dataclass
class LocalResource:
    stack: str
    resource_id: str
    resource_type: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Endpoints:
    """Where the local services listen, and the ports chosen for function hosts in advance."""

    region: str
    moto: str | None = None
    aws_platform: str | None = None  # the runner's Lambda/IoT/Step Functions endpoint
    azurite: dict[str, str] = field(default_factory=dict)  # blob, queue
    gcs: str | None = None
    gcp_project: str = "local-project"
    host_ports: dict[str, int] = field(default_factory=dict)  # function label → port


class LocalDeployment:
    def __init__(self, output: SynthOutput, topology: Topology, endpoints: Endpoints, platform: Any, tls_ca: Path,
                 config: ProjectConfig, workdir: Path) -> None:
        self.output, self.topology, self.endpoints, self.platform = output, topology, endpoints, platform
        self.config, self.workdir = config, workdir  # the devices and twin graph the post-deploy steps load (§7a)
        self._http = KeptAlive(ssl.create_default_context(cafile=str(tls_ca)))  # a fleet census reads thousands of blobs: no handshake each
        self.resources: dict[tuple[str, str], LocalResource] = {}
        self._provisioning: set[tuple[str, str]] = set()
        self.storage_accounts: dict[str, dict[str, Any]] = {}  # azure account → {"containers": set, "policies": [...]}
        self.gcs_buckets: dict[str, dict[str, Any]] = {}  # name → {"class": default class, "lifecycle": [...], "stack"}
        self.s3_buckets: dict[str, str] = {}  # bucket → stack
        self.dynamo_tables: dict[str, str] = {}  # table → stack
        self.cosmos_containers: dict[tuple[str, str, str], str] = {}  # (account, db, container) → stack
        self.firestore_databases: dict[str, str] = {}  # database → stack
        self.scheduler_jobs: list[tuple[str, str, dict]] = []  # (stack, uri, http_target)
        self.google_triggers: list[tuple[str, str, str]] = []  # (function label, topic id, retry policy)
        self.event_routes: list[tuple[str, str, str]] = []  # (hub name, storage account, queue)
        self.iot_rules: list[tuple[str, list[str]]] = []  # (sql, function ARNs)
        self.functions_by_label: dict[str, SynthFunction] = {f.label: f for f in output.functions}
        self._aws_clients: dict[str, Any] = {}

    # -- driving

    def deploy(self) -> None:
        """The deploy plan (twin_model.deploy_plan): every stack in its order (receivers first), every
        resource of a provisioned type; each post-deploy step's local counterpart right after its stack."""
        for item in deploy_plan(self.topology):
            stack = item.stack.name
            if item.post_deploy is not None:
                importlib.import_module(f"twin_ops.post_deploy.{item.post_deploy.module}").run_locally(self, item.stack)
                continue
            if stack in self.output.cloudformation:
                for logical_id, resource in self.output.cloudformation[stack].resources.items():
                    if resource.get("Type") in CFN_PROVISIONERS:
                        self._ensure(stack, logical_id)
            elif stack in self.output.terraform:
                for kind, block in self.output.terraform[stack].resources.items():
                    if kind in TF_PROVISIONERS or _GOOGLE_IAM_MEMBER.match(kind) or "zip_deploy_file" in next(iter(block.values()), {}):
                        for resource_name in block:
                            self._ensure(stack, f"{kind}.{resource_name}")

    def stack_dir(self, stack: str) -> Path:
        return self.output.terraform[stack].directory

    def resource_names(self, stack: str, kind: str) -> list[str]:
        return [r.attributes["name"] for (owner, _), r in self.resources.items() if owner == stack and r.resource_type == kind]

    def resolve(self, reference: Reference) -> str:
        if reference.resource_type == PSEUDO_PARAMETER:
            return {
                "AWS::Region": self.endpoints.region, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": reference.stack, "AWS::NoValue": "",
            }[reference.attribute]
        if reference.resource_type.startswith("AWS::SSM::Parameter::Value") or reference.resource_type == "resolve:ssm":
            name = reference.properties.get("Default") or reference.properties.get("Name")
            return self.ssm_value(name)
        if reference.resource_type.startswith("data."):
            return self._data_source(reference)
        resource = self._ensure(reference.stack, reference.resource_id)
        if reference.attribute not in resource.attributes:
            raise DeploymentError(
                f"{reference.stack}/{reference.resource_id} ({reference.resource_type}) has no local value for "
                f"{reference.attribute}"
            )
        return resource.attributes[reference.attribute]

    def value(self, stack: str, raw: Any) -> Any:
        """A property of `stack` with its references resolved."""
        return self.output.evaluate(stack, raw, self.resolve)

    def _ensure(self, stack: str, resource_id: str) -> LocalResource:
        key = (stack, resource_id)
        if key in self.resources:
            return self.resources[key]
        if key in self._provisioning:
            raise DeploymentError(f"{stack}/{resource_id}: a reference cycle")
        self._provisioning.add(key)
        try:
            if stack in self.output.cloudformation:
                resource = self.output.cloudformation[stack].resources[resource_id]
                kind, properties = resource["Type"], resource.get("Properties") or {}
                local = LocalResource(stack, resource_id, kind)
                provisioner = CFN_PROVISIONERS.get(kind, _cfn_generic)
            else:
                kind, name = resource_id.split(".", 1)
                properties = self.output.terraform[stack].resource(kind, name)
                local = LocalResource(stack, resource_id, kind)
                provisioner = TF_PROVISIONERS.get(kind) or (
                    _azure_function_app if "zip_deploy_file" in properties else
                    _google_iam_member if _GOOGLE_IAM_MEMBER.match(kind) else _tf_generic
                )
            local.attributes.update(provisioner(self, local, properties))
            self.resources[key] = local
            return local
        finally:
            self._provisioning.discard(key)

    def role_statements(self, function: SynthFunction) -> list[dict[str, Any]]:
        """The IAM statements a Lambda function's role holds (its inline policies and the
        AWS::IAM::Policy resources attached to it), with local ARNs: what its host checks each SDK
        call against (function_host.guard_sdk). AWS managed policies (the basic execution role's
        logs) are not read: no function calls CloudWatch Logs itself."""
        role = (function.resource.get("Properties") or {}).get("Role")
        role_id = role["Fn::GetAtt"][0] if isinstance(role, dict) and "Fn::GetAtt" in role else None
        documents = []
        for logical_id, resource in self.output.cloudformation[function.stack].resources.items():
            properties = resource.get("Properties") or {}
            if logical_id == role_id:
                documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
            elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and {"Ref": role_id} in properties.get("Roles", []):
                documents.append(properties["PolicyDocument"])
        statements = [statement for document in documents for statement in self.value(function.stack, document)["Statement"]]
        for statement in statements:
            if "Condition" in statement:
                raise DeploymentError(f"{function.label}: an IAM statement with a Condition is not evaluated locally: {statement}")
        return statements

    @functools.cached_property
    def secret_arns(self) -> dict[str, str]:
        """Secrets Manager's name → ARN, read once (after the deploy): a grant on a secret names its ARN."""
        pages = self.aws("secretsmanager").get_paginator("list_secrets").paginate()
        return {secret["Name"]: secret["ARN"] for page in pages for secret in page["SecretList"]}

    # -- AWS clients on moto

    def aws(self, service: str) -> Any:
        import boto3

        if service not in self._aws_clients:
            if self.endpoints.moto is None:
                raise DeploymentError(f"the twin needs AWS {service} but no local AWS endpoint runs")
            self._aws_clients[service] = boto3.client(
                service, endpoint_url=self.endpoints.moto, region_name=self.endpoints.region,
                aws_access_key_id="local", aws_secret_access_key="local",
            )
        return self._aws_clients[service]

    def ssm_value(self, name: str) -> str:
        try:
            return self.aws("ssm").get_parameter(Name=name)["Parameter"]["Value"]
        except self.aws("ssm").exceptions.ParameterNotFound:
            raise DeploymentError(f"SSM parameter {name} does not exist: its publishing stack did not deploy first") from None

    def _data_source(self, reference: Reference) -> str:
        kind = reference.resource_type.removeprefix("data.")
        config = {key: self.value(reference.stack, value) for key, value in reference.properties.items() if key != "//"}
        if kind == "aws_ssm_parameter" and reference.attribute == "value":
            return self.ssm_value(config["name"])
        if kind == "aws_secretsmanager_secret_version" and reference.attribute == "secret_string":
            return self.aws("secretsmanager").get_secret_value(SecretId=config["secret_id"])["SecretString"]
        if kind == "google_project":
            return {"number": "123456789012", "project_id": self.endpoints.gcp_project}[reference.attribute]
        if kind == "azurerm_client_config":
            return {"tenant_id": GUID, "object_id": GUID, "client_id": GUID, "subscription_id": GUID}[reference.attribute]
        raise DeploymentError(f"data source {kind}.{reference.attribute} is not available locally ({reference.stack})")

    # -- Azurite

    def azurite(self, method: str, url: str, body: bytes = b"", headers: Mapping[str, str] | None = None,
                allow: tuple[int, ...] = (409,)) -> bytes:
        token, _ = entra_token("https://storage.azure.com/")
        status, payload = self._http.call(method, url, body if method in ("PUT", "POST") else None, {
            "x-ms-version": "2021-08-06", "Authorization": f"Bearer {token}", "Content-Length": str(len(body)), **(headers or {}),
        })
        if 200 <= status < 300:
            return payload
        if status in allow:
            return b""
        raise urllib.error.HTTPError(url, status, f"HTTP {status}", None, None)  # type: ignore[arg-type]

    def gcs(self) -> Any:
        if not hasattr(self, "_gcs"):
            import os

            from google.auth.credentials import AnonymousCredentials
            from google.cloud import storage

            os.environ["STORAGE_EMULATOR_HOST"] = self.endpoints.gcs or ""
            self._gcs = storage.Client(project=self.endpoints.gcp_project, credentials=AnonymousCredentials())
        return self._gcs


def _literal(properties: Mapping[str, Any], key: str, default: str) -> str:
    value = properties.get(key)
    return value if isinstance(value, str) and "${" not in value else default


def _token(length: int = 48) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


# -- CloudFormation provisioners: (deployment, resource, properties) → attributes


def _cfn_generic(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    service = r.resource_type.split("::")[1].lower() if r.resource_type.startswith("AWS::") else "local"
    name = f"{r.stack}-{r.resource_id}"
    return {"Ref": name, "Arn": f"arn:aws:{service}:{d.endpoints.region}:{ACCOUNT}:{name}"}


def _cfn_name(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any], key: str, lower: bool = False) -> str:
    name = d.value(r.stack, p[key]) if key in p else f"{r.stack}-{r.resource_id}"[:63]
    return name.lower() if lower else name


def _lambda_function(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "FunctionName")
    function = d.platform.lambdas.add(name, f"{r.stack}/{r.resource_id}")
    return {"Ref": name, "Arn": function.arn}


def _lambda_url(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    function = d.platform.lambdas.function(d.value(r.stack, p["TargetFunctionArn"]))
    return {"FunctionUrl": f"{d.endpoints.aws_platform}/lambda-url/{function.name}/", "FunctionArn": function.arn}


def _invoke_config(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    function = d.platform.lambdas.function(d.value(r.stack, p["FunctionName"]))
    function.retries = int(p.get("MaximumRetryAttempts", 2))
    destination = ((p.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    function.on_failure = d.value(r.stack, destination) if destination else None
    return {}


def _event_source_mapping(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    from twin_ops.local.standins.aws import StreamMapping

    source = d.value(r.stack, p["EventSourceArn"])
    match = re.search(r":table/([^/]+)/stream/", source)
    if match is None:
        raise DeploymentError(f"{r.stack}/{r.resource_id}: event source {source} is not a DynamoDB stream")
    function = d.platform.lambdas.function(d.value(r.stack, p["FunctionName"]))
    destination = ((p.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    d.platform.dynamo_ttl.mappings.setdefault(match.group(1), []).append(StreamMapping(
        function.name, int(p.get("BatchSize", 100)), int(p.get("MaximumRetryAttempts", 2)),
        d.value(r.stack, destination) if destination else None,
    ))
    return {"Ref": str(uuid.uuid4())}


def _dynamodb_table(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "TableName")
    d.aws("dynamodb").create_table(TableName=name, KeySchema=p["KeySchema"], AttributeDefinitions=p["AttributeDefinitions"],
                                   BillingMode=p.get("BillingMode", "PAY_PER_REQUEST"))
    ttl = p.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled"):
        d.platform.dynamo_ttl.tables[name] = ttl["AttributeName"]
    d.dynamo_tables[name] = r.stack
    arn = f"arn:aws:dynamodb:{d.endpoints.region}:{ACCOUNT}:table/{name}"
    return {"Ref": name, "Arn": arn, "StreamArn": f"{arn}/stream/local"}


def _s3_bucket(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    from twin_ops.local.standins.aws import S3Rules

    name = _cfn_name(d, r, p, "BucketName", lower=True)
    arguments: dict[str, Any] = {"Bucket": name}
    if d.endpoints.region != "us-east-1":
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": d.endpoints.region}
    d.aws("s3").create_bucket(**arguments)
    if (p.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        d.aws("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    rules = d.platform.s3.buckets.setdefault(name, S3Rules())
    for rule in (p.get("LifecycleConfiguration") or {}).get("Rules", []):
        if rule.get("Status") == "Enabled" and rule.get("ExpirationInDays"):
            rules.expiration_days = int(rule["ExpirationInDays"])
    d.s3_buckets[name] = r.stack
    attributes = {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}
    d.resources[(r.stack, r.resource_id)] = LocalResource(r.stack, r.resource_id, r.resource_type, attributes)
    for rule in (p.get("ReplicationConfiguration") or {}).get("Rules", []):
        if rule.get("Status") == "Enabled":
            destination = d.value(r.stack, rule["Destination"]["Bucket"]).rsplit(":", 1)[-1]
            prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", ""))
            rules.replication.append((prefix, destination, rule["Destination"].get("StorageClass", "STANDARD")))
    return attributes


def _bucket_notifications(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    from twin_ops.local.standins.aws import S3Rules

    bucket = d.value(r.stack, p["BucketName"])
    rules = d.platform.s3.buckets.setdefault(bucket, S3Rules())
    for configuration in (p.get("NotificationConfiguration") or {}).get("LambdaFunctionConfigurations", []):
        function = d.value(r.stack, configuration["LambdaFunctionArn"])
        for event in configuration.get("Events", []):
            rules.notifications.append((event, function))
    return {"Ref": f"{bucket}-notifications"}


def _sqs_queue(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "QueueName")[:80]
    attributes = {"FifoQueue": "true"} if p.get("FifoQueue") else {}
    url = d.aws("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return {"Ref": url, "Arn": f"arn:aws:sqs:{d.endpoints.region}:{ACCOUNT}:{name}", "QueueName": name, "QueueUrl": url}


def _secret(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "Name")
    generated = _token(int((p.get("GenerateSecretString") or {}).get("PasswordLength", 32)))
    value = d.value(r.stack, p["SecretString"]) if "SecretString" in p else generated
    arn = d.aws("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    return {"Ref": arn, "Id": arn, "Name": name}


def _ssm_parameter(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "Name")
    value = d.value(r.stack, p["Value"])
    d.aws("ssm").put_parameter(Name=name, Value=value, Type=p.get("Type", "String"), Overwrite=True)
    return {"Ref": name, "Value": value, "Type": p.get("Type", "String")}


def _state_machine(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "StateMachineName")
    key = p["DefinitionS3Location"]["Key"]  # DefinitionBody.from_file: the definition is an asset
    definition = json.loads(d.output._asset_by_key(d.output.cloudformation[r.stack], key).read_text("utf-8"))
    arn = f"arn:aws:states:{d.endpoints.region}:{ACCOUNT}:stateMachine:{name}"
    d.platform.step_functions.machines[arn] = definition
    return {"Ref": arn, "Arn": arn, "Name": name}


def _topic_rule(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    payload = p["TopicRulePayload"]
    if not payload.get("RuleDisabled"):
        targets = [d.value(r.stack, action["Lambda"]["FunctionArn"]) for action in payload.get("Actions", []) if "Lambda" in action]
        d.iot_rules.append((payload["Sql"], targets))
    return {"Ref": p.get("RuleName", r.resource_id)}


def _iot_policy(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    """The fleet's policy: provisioning attaches it to each device's certificate by name."""
    name = _cfn_name(d, r, p, "PolicyName")
    document = d.value(r.stack, p["PolicyDocument"])
    d.aws("iot").create_policy(policyName=name, policyDocument=json.dumps(document))
    d.platform.iot_policies[name] = document
    return {"Ref": name, "Arn": f"arn:aws:iot:{d.endpoints.region}:{ACCOUNT}:policy/{name}"}


def _iot_thing_group(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _cfn_name(d, r, p, "ThingGroupName")
    arn = d.aws("iot").create_thing_group(thingGroupName=name)["thingGroupArn"]
    return {"Ref": name, "Arn": arn}


def _iot_provisioning_template(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    """A JITP template: the IoT Core stand-in runs it when a device first connects (standins/jitp.py)."""
    name = _cfn_name(d, r, p, "TemplateName")
    d.platform.provisioning_templates[name] = json.loads(d.value(r.stack, p["TemplateBody"]))
    return {"Ref": name, "TemplateArn": f"arn:aws:iot:{d.endpoints.region}:{ACCOUNT}:provisioningtemplate/{name}"}


def _grafana_workspace(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    """No Grafana runs here (twin_ops/local/dashboards.py reads what it would show): names only."""
    workspace = f"g-{uuid.uuid5(uuid.NAMESPACE_URL, r.stack + r.resource_id).hex[:10]}"
    return {"Ref": workspace, "Id": workspace, "Endpoint": f"{workspace}.grafana-workspace.{d.endpoints.region}.amazonaws.com",
            "Arn": f"arn:aws:grafana:{d.endpoints.region}:{ACCOUNT}:/workspaces/{workspace}"}


def _twinmaker_workspace(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    """The workspace; its component types and entities are data the aws-twinmaker-entities step makes."""
    from twin_ops.local.standins.twinmaker_registry import TwinMakerRegistry

    d.platform.twinmaker.workspace = p["WorkspaceId"]
    d.platform.twinmaker.registry = TwinMakerRegistry(p["WorkspaceId"])
    return {"Ref": p["WorkspaceId"], "Arn": f"arn:aws:iottwinmaker:{d.endpoints.region}:{ACCOUNT}:workspace/{p['WorkspaceId']}"}


CFN_PROVISIONERS: dict[str, Callable[[LocalDeployment, LocalResource, Mapping[str, Any]], dict[str, str]]] = {
    "AWS::Lambda::Function": _lambda_function,
    "AWS::Lambda::Url": _lambda_url,
    "AWS::Lambda::EventInvokeConfig": _invoke_config,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::S3::Bucket": _s3_bucket,
    "Custom::S3BucketNotifications": _bucket_notifications,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::IoT::TopicRule": _topic_rule,
    "AWS::IoT::Policy": _iot_policy,
    "AWS::IoT::ThingGroup": _iot_thing_group,
    "AWS::IoT::ProvisioningTemplate": _iot_provisioning_template,
    "AWS::Grafana::Workspace": _grafana_workspace,
    "AWS::IoTTwinMaker::Workspace": _twinmaker_workspace,
}


# -- Terraform provisioners


def _tf(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any], key: str) -> Any:
    return d.value(r.stack, p[key])


def _tf_generic(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _literal(p, "name", r.resource_id.split(".", 1)[1])
    return {"id": f"/local/{r.resource_type}/{name}", "name": name}


def _random_password(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    return {"result": _token(int(p.get("length", 32))), "id": "none"}


def _random_bytes(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    data = secrets.token_bytes(int(p.get("length", 32)))
    return {"base64": base64.b64encode(data).decode(), "hex": data.hex(), "id": "none"}


def _aws_ssm_parameter(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name, value = _tf(d, r, p, "name"), _tf(d, r, p, "value")
    d.aws("ssm").put_parameter(Name=name, Value=value, Type=p.get("type", "String"), Overwrite=True)
    return {"id": name, "name": name, "value": value, "arn": f"arn:aws:ssm:{d.endpoints.region}:{ACCOUNT}:parameter{name}"}


def _aws_secret(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    arn = d.aws("secretsmanager").create_secret(Name=name)["ARN"]
    return {"id": arn, "arn": arn, "name": name}


def _aws_secret_version(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    secret_id = _tf(d, r, p, "secret_id")
    d.aws("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=_tf(d, r, p, "secret_string"))
    return {"id": f"{secret_id}|local", "arn": secret_id, "version_id": "local"}


def _azure_resource_id(kind: str, name: str) -> str:
    return f"/subscriptions/{GUID}/resourceGroups/local/providers/Microsoft.Local/{kind}/{name}"


def _azure_storage_account(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    d.storage_accounts.setdefault(name, {"containers": set(), "policies": [], "stack": r.stack})
    return {
        "name": name, "id": _azure_resource_id("storageAccounts", name),
        "primary_queue_endpoint": f"{d.endpoints.azurite['queue']}/{name}/",
        "primary_blob_endpoint": f"{d.endpoints.azurite['blob']}/{name}/",
    }


def _account_of(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> str:
    return _tf(d, r, p, "storage_account_id").rsplit("/", 1)[-1]


def _azure_queue(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    account, name = _account_of(d, r, p), _tf(d, r, p, "name")
    url = f"{d.endpoints.azurite['queue']}/{account}/{name}"
    d.azurite("PUT", url)
    d.azurite("PUT", f"{url}-poison")  # the Functions host's poison queue
    return {"id": f"{url}", "name": name, "url": url}


def _azure_container(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    account, name = _account_of(d, r, p), _tf(d, r, p, "name")
    url = f"{d.endpoints.azurite['blob']}/{account}/{name}"
    d.azurite("PUT", f"{url}?restype=container")
    d.storage_accounts.setdefault(account, {"containers": set(), "policies": [], "stack": r.stack})["containers"].add(name)
    return {"id": url, "name": name, "resource_manager_id": _azure_resource_id("containers", name)}


def _azure_management_policy(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    account = _account_of(d, r, p)
    for rule in p.get("rule", []):
        if rule.get("enabled", True):
            days = ((rule.get("actions") or {}).get("base_blob") or {}).get("tier_to_archive_after_days_since_modification_greater_than")
            if days is not None:
                prefixes = (rule.get("filters") or {}).get("prefix_match") or [""]
                d.storage_accounts[account]["policies"].append((tuple(prefixes), int(days)))
    return {"id": _azure_resource_id("managementPolicies", account)}


def _azure_key_vault(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    return {"id": _azure_resource_id("vaults", name), "name": name, "vault_uri": d.platform.key_vault.uri(name)}


def _azure_key_vault_secret(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    vault = _tf(d, r, p, "key_vault_id").rsplit("/", 1)[-1]
    name, value = _tf(d, r, p, "name"), _tf(d, r, p, "value")
    d.platform.key_vault.vaults.setdefault(vault, {})[name] = value
    uri = f"{d.platform.key_vault.uri(vault)}secrets/{name}"
    return {"id": f"{uri}/local", "versionless_id": uri, "name": name, "value": value}


def _azure_cosmos_account(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    return {"id": _azure_resource_id("databaseAccounts", name), "name": name, "endpoint": d.platform.cosmos.endpoint(name)}


def _azure_cosmos_container(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    account, database, name = _tf(d, r, p, "account_name"), _tf(d, r, p, "database_name"), _tf(d, r, p, "name")
    d.platform.cosmos.add_container(account, database, name, (p.get("partition_key_paths") or ["/id"])[0])
    d.cosmos_containers[(account, database, name)] = r.stack
    return {"id": _azure_resource_id("containers", name), "name": name}


def _azure_digital_twins(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    d.platform.digital_twins.add(name, [], [])  # models and twins: the azure-digital-twins step's (twin_ops/post_deploy)
    return {"id": _azure_resource_id("digitalTwinsInstances", name), "name": name, "host_name": d.platform.digital_twins.host_name(name)}


def _azure_iothub(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    hostname = f"{name}.azure-devices.net"
    d.platform.iot_hub.hubs[hostname] = name
    return {"id": _azure_resource_id("IotHubs", name), "name": name, "hostname": hostname}


def _azure_event_subscription(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    endpoint = p.get("storage_queue_endpoint")
    if endpoint is None:
        raise DeploymentError(f"{r.stack}/{r.resource_id}: only Storage queue endpoints are routed locally")
    topic = d.output.terraform[r.stack].resource("azurerm_eventgrid_system_topic", p["system_topic"].split(".")[1])
    hub = d.value(r.stack, topic["source_resource_id"]).rsplit("/", 1)[-1]
    account = d.value(r.stack, endpoint["storage_account_id"]).rsplit("/", 1)[-1]
    d.event_routes.append((hub, account, endpoint["queue_name"]))
    return {"id": _azure_resource_id("eventSubscriptions", p["name"])}


def _azure_function_app(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    port = d.endpoints.host_ports[f"{r.stack}/{r.resource_id}"]
    return {"id": _azure_resource_id("sites", name), "name": name, "default_hostname": f"127.0.0.1:{port}"}


def _azure_logic_app(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    from twin_ops.local.standins.azure import LogicApp

    name = _tf(d, r, p, "name")
    d.platform.logic_apps.workflows.setdefault(name, LogicApp("", {}))
    return {"id": _azure_resource_id("workflows", name), "name": name, "access_endpoint": f"{d.platform.azure_url}/logicapps/{name}"}


def _azure_logic_app_part(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    workflow = _tf(d, r, p, "logic_app_id").rsplit("/", 1)[-1]
    app = d.platform.logic_apps.workflows[workflow]
    body = json.loads(_tf(d, r, p, "body"))
    if r.resource_type == "azurerm_logic_app_trigger_custom":
        app.trigger = p["name"]
        return {"id": f"{workflow}/triggers/{p['name']}", "callback_url": d.platform.logic_apps.callback_url(workflow, p["name"])}
    app.actions[p["name"]] = body
    return {"id": f"{workflow}/actions/{p['name']}"}


def _identity(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _literal(p, "name", r.resource_id)
    client_id, principal_id = str(uuid.uuid4()), str(uuid.uuid4())
    d.platform.identity.principals[client_id] = principal_id
    return {"id": _azure_resource_id("userAssignedIdentities", name), "name": name, "client_id": client_id,
            "principal_id": principal_id, "tenant_id": GUID}


def _cosmos_role_assignment(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    d.platform.cosmos.grant(_tf(d, r, p, "principal_id"), _tf(d, r, p, "role_definition_id"), _tf(d, r, p, "scope"))
    return {"id": _azure_resource_id("sqlRoleAssignments", r.resource_id)}


def _google_topic(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    topic = f"projects/{d.endpoints.gcp_project}/topics/{name}"
    d.platform.pubsub.add_topic(topic)
    return {"id": topic, "name": name}


def _google_subscription(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    subscription = f"projects/{d.endpoints.gcp_project}/subscriptions/{name}"
    if p.get("filter"):  # the stacks make none: every message goes to every subscription
        raise DeploymentError(f"{r.stack}/{r.resource_id}: subscription filters are not run locally")
    d.platform.pubsub.add_subscription(subscription, _tf(d, r, p, "topic"))
    return {"id": subscription, "name": name}


def _google_function(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    port = d.endpoints.host_ports[f"{r.stack}/{r.resource_id}"]
    trigger = p.get("event_trigger")
    if trigger:
        if trigger.get("event_type") != "google.cloud.pubsub.topic.v1.messagePublished":
            raise DeploymentError(f"{r.stack}/{r.resource_id}: event trigger {trigger.get('event_type')} is not run locally")
        d.google_triggers.append((f"{r.stack}/{r.resource_id}", d.value(r.stack, trigger["pubsub_topic"]), trigger.get("retry_policy", "")))
    return {"id": f"projects/{d.endpoints.gcp_project}/locations/local/functions/{name}", "name": name, "url": f"http://127.0.0.1:{port}"}


def _google_scheduler_job(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    target = p.get("http_target")
    if target:
        d.scheduler_jobs.append((r.stack, d.value(r.stack, target["uri"]), target))
    return {"id": f"projects/{d.endpoints.gcp_project}/locations/local/jobs/{_tf(d, r, p, 'name')}"}


def _google_firestore(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    d.platform.firestore.add(name)
    d.firestore_databases[name] = r.stack
    return {"id": f"projects/{d.endpoints.gcp_project}/databases/{name}", "name": name}


def _google_secret(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    secret_id = _tf(d, r, p, "secret_id")
    name = f"projects/{d.endpoints.gcp_project}/secrets/{secret_id}"
    return {"id": name, "name": name, "secret_id": secret_id}


def _google_secret_version(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    secret = _tf(d, r, p, "secret")
    d.platform.secret_manager.secrets[secret] = _tf(d, r, p, "secret_data")
    return {"id": f"{secret}/versions/1", "name": f"{secret}/versions/1", "version": "1"}


def _google_bucket(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = _tf(d, r, p, "name")
    d.gcs().create_bucket(name)
    d.gcs_buckets[name] = {"class": p.get("storage_class", "STANDARD"), "lifecycle": p.get("lifecycle_rule", []), "stack": r.stack}
    return {"id": name, "name": name, "url": f"gs://{name}", "self_link": f"{d.endpoints.gcs}/storage/v1/b/{name}"}


def _google_workflow(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    from twin_model.config.errors import Problems
    from twin_model.config.yaml_documents import parse_yaml

    name = _tf(d, r, p, "name")
    workflow = f"projects/{d.endpoints.gcp_project}/locations/{p.get('region', 'local')}/workflows/{name}"
    source = _tf(d, r, p, "source_contents")
    problems = Problems()
    ok, definition = parse_yaml(source, name, problems)  # JSON is YAML; read as the service reads it
    if not ok:
        raise DeploymentError(f"{r.stack}/{r.resource_id}: {'; '.join(map(str, problems.problems))}")
    d.platform.workflows.workflows[workflow] = definition
    return {"id": workflow, "name": name}


def _google_service_account(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    account = _tf(d, r, p, "account_id")
    email = f"{account}@{d.endpoints.gcp_project}.iam.gserviceaccount.com"
    return {"id": f"projects/{d.endpoints.gcp_project}/serviceAccounts/{email}", "email": email, "name": email,
            "project": d.endpoints.gcp_project,
            "member": f"serviceAccount:{email}", "unique_id": str(uuid.uuid4().int)[:21]}


# The bindings on what the stand-ins serve (Firestore through the project, Pub/Sub, Secret
# Manager), and the argument naming the resource each is on. Cloud Storage (the emulator) and
# Cloud Run's invoker bindings are not checked locally.
_GOOGLE_IAM_MEMBER = re.compile(r"^google_(project|pubsub_topic|pubsub_subscription|secret_manager_secret)_iam_member$")
_IAM_TARGETS = (("project", "projects/{}"), ("topic", "{}"), ("subscription", "{}"), ("secret_id", "{}"))


def _google_iam_member(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    key, form = next((key, form) for key, form in _IAM_TARGETS if key in p)
    target = _tf(d, r, p, key)
    if key == "subscription" and not target.startswith("projects/"):
        target = f"projects/{d.endpoints.gcp_project}/subscriptions/{target}"
    condition = (p.get("condition") or {}).get("expression")
    try:
        d.platform.google_iam.bind(_tf(d, r, p, "role"), _tf(d, r, p, "member"), form.format(target), condition)
    except ValueError as exc:
        raise DeploymentError(f"{r.stack}/{r.resource_id}: {exc}") from None
    return {"id": f"{target}/{r.resource_id}", "etag": "local"}


def _google_custom_role(d: LocalDeployment, r: LocalResource, p: Mapping[str, Any]) -> dict[str, str]:
    name = f"projects/{d.endpoints.gcp_project}/roles/{_tf(d, r, p, 'role_id')}"
    d.platform.google_iam.custom_roles[name] = set(p.get("permissions", []))
    return {"id": name, "name": name}


TF_PROVISIONERS: dict[str, Callable[[LocalDeployment, LocalResource, Mapping[str, Any]], dict[str, str]]] = {
    "random_password": _random_password,
    "random_bytes": _random_bytes,
    "aws_ssm_parameter": _aws_ssm_parameter,
    "aws_secretsmanager_secret": _aws_secret,
    "aws_secretsmanager_secret_version": _aws_secret_version,
    "azurerm_storage_account": _azure_storage_account,
    "azurerm_storage_queue": _azure_queue,
    "azurerm_storage_container": _azure_container,
    "azurerm_storage_management_policy": _azure_management_policy,
    "azurerm_key_vault": _azure_key_vault,
    "azurerm_key_vault_secret": _azure_key_vault_secret,
    "azurerm_cosmosdb_account": _azure_cosmos_account,
    "azurerm_cosmosdb_sql_container": _azure_cosmos_container,
    "azurerm_cosmosdb_sql_role_assignment": _cosmos_role_assignment,
    "azurerm_digital_twins_instance": _azure_digital_twins,
    "azurerm_iothub": _azure_iothub,
    "azurerm_eventgrid_system_topic_event_subscription": _azure_event_subscription,
    "azurerm_logic_app_workflow": _azure_logic_app,
    "azurerm_logic_app_trigger_custom": _azure_logic_app_part,
    "azurerm_logic_app_action_custom": _azure_logic_app_part,
    "azurerm_user_assigned_identity": _identity,
    "google_pubsub_topic": _google_topic,
    "google_pubsub_subscription": _google_subscription,
    "google_cloudfunctions2_function": _google_function,
    "google_cloud_scheduler_job": _google_scheduler_job,
    "google_firestore_database": _google_firestore,
    "google_secret_manager_secret": _google_secret,
    "google_secret_manager_secret_version": _google_secret_version,
    "google_storage_bucket": _google_bucket,
    "google_workflows_workflow": _google_workflow,
    "google_service_account": _google_service_account,
    "google_project_iam_custom_role": _google_custom_role,
}

