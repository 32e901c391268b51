"""Each cloud described once: what a project may put there, and how a twin on it is built and run.

Every cloud-dependent table of the project (config aliases and folders, the stacks that build a
layer, the Terraform state backend, the credentials the pipeline needs, the post-deploy steps)
reads this description, so a new cloud is one entry here plus its stack package, its runtime
handlers, its constructs and its operator modules (docs/design.md §7, "Adding a cloud").
Stack classes and operator code are named by module path, not imported: describing a cloud must
not load its provider bindings.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin_model.config.model import ActionType, Layer, Provider

ROUTE = "@route"  # the entry of an Azure Functions app: a function decorated with `@app.route(...)`


@dataclass(frozen=True)
class AwsAccess:
    """An AWS permission a post-deploy step's code uses; the pipeline grants exactly these."""

    actions: tuple[str, ...]
    service: str  # the resource's ARN is arn:<partition>:<service>:<region>:<account>:<resource>
    resource: str  # `{twin}` is the twin's name; "*" alone: the actions take no resource
    why: str  # the reason for a wildcard, shown with its cdk-nag acknowledgment


@dataclass(frozen=True)
class PostDeploy:
    """A step no IaC resource covers (twin_ops.post_deploy.<module>), run right after `layer`'s stack."""

    name: str
    layer: Layer
    summary: str
    aws_access: tuple[AwsAccess, ...] = ()  # what the pipeline's role for the step allows
    # Variables the step's SDK reads, each from a key of the cloud's pipeline secret.
    environment: tuple[tuple[str, str], ...] = ()


# DefaultAzureCredential (azure-identity) reads a service principal from AZURE_*, Terraform from ARM_*.
_AZURE_IDENTITY = (("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), ("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"), ("AZURE_TENANT_ID", "ARM_TENANT_ID"))


@dataclass(frozen=True)
class Cloud:
    provider: Provider
    title: str
    aliases: tuple[str, ...]  # extra spellings accepted in config_providers.json
    # Where the twin's layers on this cloud go unless context (region, azure_location, gcp_region)
    # or, for AWS, AWS_REGION says otherwise; the operator commands assume the same.
    default_region: str
    runtime_package: str  # runtime/<package>: the function handlers of this cloud
    functions_folder: str  # the project folder with user code for functions on this cloud
    # state_machines/<file> of the notification workflow when L2 is here: the first that exists
    # is read (YAML before JSON: the predecessor's newer format), the others are reported unused.
    workflow_files: tuple[str, ...]
    workflow_keys: tuple[str, ...]  # top-level keys the workflow definition must have
    workflow_max_bytes: int  # the service's limit on a workflow definition
    action_types: tuple[ActionType, ...]  # event action types this cloud's event checker runs
    # (file, function) pairs an event action's code folder may define, in preference order (this
    # project's shape first, then the predecessor's); ROUTE: a function decorated with `@app.route`.
    action_entries: tuple[tuple[str, str], ...]
    # The predecessor's per-device processor (`<functions_folder>/processors/<device>/<file>`).
    processor_entry: tuple[str, str]
    # DIGITAL_TWIN_INFO in an action function's environment (its own function): the room left by
    # the platform's limit on a function's environment; None: actions read it from the bundle.
    twin_info_max_bytes: int | None
    unsupported: tuple[tuple[Layer, str], ...]  # layers this cloud cannot host, and why
    stacks_module: str  # module with STACKS: Layer → stack class
    terraform: bool  # CDK Terrain (Terraform) stacks rather than CloudFormation
    state_backend: str  # Terraform backend kind when this cloud holds the state
    pipeline_credentials: tuple[str, ...]  # variables the pipeline's Terraform steps read from Secrets Manager
    post_deploy: tuple[PostDeploy, ...] = ()  # in the order they run after the same stack

    @property
    def workflow_file(self) -> str:
        return self.workflow_files[-1]

    @property
    def action_entry(self) -> tuple[str, str]:
        return self.action_entries[0]

    @property
    def layers(self) -> tuple[Layer, ...]:
        refused = {layer for layer, _ in self.unsupported}
        return tuple(layer for layer in Layer if layer not in refused)

    def why_not(self, layer: Layer) -> str | None:
        return dict(self.unsupported).get(layer)


CLOUDS: dict[Provider, Cloud] = {
    Provider.AWS: Cloud(
        provider=Provider.AWS,
        title="AWS",
        default_region="eu-central-1",
        aliases=(),
        runtime_package="aws",
        functions_folder="lambda_functions",
        workflow_files=("aws_step_function.json",),
        workflow_keys=("StartAt", "States"),
        workflow_max_bytes=1024 * 1024,  # Step Functions: 1 MB definitions
        action_types=(ActionType.LAMBDA, ActionType.STEP_FUNCTION),
        action_entries=(("lambda_function.py", "lambda_handler"),),
        processor_entry=("lambda_function.py", "lambda_handler"),
        twin_info_max_bytes=3 * 1024,  # Lambda: 4 KB for all variables of a function
        unsupported=(),
        stacks_module="cdk_app.stacks.aws",
        terraform=False,
        state_backend="s3",
        pipeline_credentials=(),
        post_deploy=(
            PostDeploy(
                "aws-device-certificates", Layer.L1, "download each device's certificate and key for the simulator",
                aws_access=(
                    AwsAccess(
                        ("secretsmanager:GetSecretValue",), "secretsmanager", "secret:{twin}/devices/*/credentials-*",
                        "every device's credentials secret of this twin (one per device; Secrets Manager appends a random suffix)",
                    ),
                    AwsAccess(
                        ("iot:DescribeEndpoint",), "iot", "*",
                        "iot:DescribeEndpoint has no resource-level permissions (the account's iot:Data-ATS endpoint)",
                    ),
                ),
            ),
            PostDeploy(
                "aws-grafana-dashboards", Layer.L5,
                "provision Grafana's data source for the twin and the twin's dashboard; make the administrator "
                "(config_user.json) Grafana Admin",
                aws_access=(
                    AwsAccess(
                        ("cloudformation:DescribeStacks",), "cloudformation", "stack/{twin}-l5/*",
                        "the L5 stack's outputs (CloudFormation appends the stack's id to its name)",
                    ),
                    AwsAccess(
                        ("secretsmanager:GetSecretValue",), "secretsmanager", "secret:{twin}/inter-cloud/*_l5_dashboard/token-*",
                        "the dashboard connection's token, whichever cloud holds L3 hot (Secrets Manager appends a random suffix)",
                    ),
                    AwsAccess(
                        ("grafana:ListWorkspaceServiceAccounts", "grafana:CreateWorkspaceServiceAccount",
                         "grafana:CreateWorkspaceServiceAccountToken", "grafana:DeleteWorkspaceServiceAccountToken"),
                        "grafana", "/workspaces/*",
                        "the twin's Grafana workspace, whose id is generated at deploy time",
                    ),
                    AwsAccess(
                        ("grafana:UpdatePermissions",), "grafana", "/workspaces/*",
                        "the administrator of config_user.json gets the ADMIN role of the twin's workspace (its id is "
                        "generated at deploy time)",
                    ),
                    AwsAccess(
                        ("sso:ListInstances", "identitystore:GetUserId", "identitystore:CreateUser"), "identitystore", "*",
                        "the administrator is found or created in the account's IAM Identity Center, whose identity store "
                        "is known only at run time (identity store and user ARNs carry no region)",
                    ),
                ),
            ),
        ),
    ),
    Provider.AZURE: Cloud(
        provider=Provider.AZURE,
        title="Azure",
        default_region="westeurope",
        aliases=(),
        runtime_package="azure",
        functions_folder="azure_functions",
        workflow_files=("azure_logic_app.json",),
        workflow_keys=("definition",),
        workflow_max_bytes=1024 * 1024,
        action_types=(ActionType.FUNCTION, ActionType.LAMBDA, ActionType.LOGIC_APP),
        action_entries=(("action.py", "main"), ("function_app.py", ROUTE)),
        processor_entry=("function_app.py", ROUTE),
        twin_info_max_bytes=None,  # actions run in the layer's Function App
        unsupported=(),
        stacks_module="cdk_app.stacks.azure",
        terraform=True,
        state_backend="azurerm",
        pipeline_credentials=("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"),
        post_deploy=(
            PostDeploy(
                "azure-device-identities", Layer.L1,
                "register the devices in IoT Hub and keep their keys for the simulator",
                environment=_AZURE_IDENTITY,
            ),
            PostDeploy(
                "azure-digital-twins", Layer.L4,
                "upload the DTDL models, twins and relationships to Azure Digital Twins",
                environment=_AZURE_IDENTITY,
            ),
            PostDeploy(
                "azure-grafana-dashboards", Layer.L5,
                "add the Infinity plugin, provision Grafana's data source for the twin and the twin's dashboard; make "
                "the administrator (config_user.json) Grafana Admin",
                environment=_AZURE_IDENTITY,
            ),
        ),
    ),
    Provider.GOOGLE: Cloud(
        provider=Provider.GOOGLE,
        title="Google Cloud",
        default_region="europe-west1",
        aliases=("gcp",),
        runtime_package="gcp",
        functions_folder="cloud_functions",
        workflow_files=("google_cloud_workflow.yaml", "google_cloud_workflow.json"),
        workflow_keys=("main",),
        workflow_max_bytes=128 * 1024,  # Cloud Workflows: 128 KB source
        action_types=(ActionType.FUNCTION, ActionType.LAMBDA, ActionType.WORKFLOW),
        action_entries=(("main.py", "main"),),
        processor_entry=("main.py", "main"),
        twin_info_max_bytes=30 * 1024,  # Cloud Run functions: 32 KB of environment per function
        unsupported=(
            (Layer.L4, "Google Cloud offers no managed digital twin service"),
            (Layer.L5, "Google Cloud offers no managed Grafana service"),
        ),
        stacks_module="cdk_app.stacks.gcp",
        terraform=True,
        state_backend="gcs",
        pipeline_credentials=("GOOGLE_CREDENTIALS",),
        post_deploy=(
            PostDeploy("gcp-telemetry-topic", Layer.L1, "write the simulator's Pub/Sub topic and feedback subscriptions"),
        ),
    ),
}


def cloud_of(provider: Provider) -> Cloud:
    return CLOUDS[provider]


def provider_named(text: str) -> Provider | None:
    """The provider a config value names (its value or an alias, any case), or None."""
    wanted = text.strip().lower()
    return next(
        (cloud.provider for cloud in CLOUDS.values() if wanted == cloud.provider.value or wanted in cloud.aliases),
        None,
    )
