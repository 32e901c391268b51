"""The synthesized output as the clouds read it: every function's code, entry point and settings.

Reads `cdk.out/*.template.json` with their asset directories, and
`cdktf.out/stacks/<stack>/cdk.tf.json` with their archives. Nothing here knows which layer built
a function or what it does: the output says it all, so a new function or bridge is covered
without a change here. What the stacks never make (nested stacks, Lambda layers, remote states
other than CDK Terrain's cross-stack references) stops the reader with an OutputError.

Values a cloud only knows at deploy time stay `Reference`s (a CloudFormation `Ref`/`Fn::GetAtt`,
a parameter or pseudo parameter, a dynamic reference; a Terraform `${...}` of a resource or data
source). `Exports` (`Fn::ImportValue`) and CDK Terrain's cross-stack remote states are followed
to the value the other stack exports, so a reference always names the resource it reads.
Callers turn references into strings: the boot tests with placeholders shaped like the value,
the local runner with the addresses of local services.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin_model.config.model import Provider

LAMBDA_FUNCTION = "AWS::Lambda::Function"
GOOGLE_FUNCTION = "google_cloudfunctions2_function"
PSEUDO_PARAMETER = "AWS::PseudoParameter"
REMOTE_STATE = "terraform_remote_state"
REMOTE_STATE_PREFIX = "cross-stack-reference-input-"

_TERRAFORM_EXPRESSION = re.compile(r"\$\$\{|\$\{([^{}]*)\}")  # `$${` is a literal `${`
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^}]*)\}\}")
_SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]*)\}")


class OutputError(Exception):
    """The output holds something this reader cannot follow (a bug to fix here, or in the synth)."""


@dataclass(frozen=True)
class Reference:
    """A value known only at deploy time: an attribute of a resource (or data source) of a stack.

    `attribute` is `Ref` for a CloudFormation `Ref`; `properties` are the resource's own (its
    template properties or Terraform arguments), e.g. a secret's `Name`.
    """

    stack: str
    resource_type: str  # AWS::DynamoDB::Table, azurerm_storage_account, data.aws_ssm_parameter, ...
    attribute: str  # Ref, Arn, FunctionUrl, primary_queue_endpoint, value, ...
    resource_id: str  # logical id, or Terraform `type.name`
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


Resolver = Callable[[Reference], str]


@dataclass(frozen=True)
class SynthFunction:
    """One function as its cloud starts it.

    AWS: a Lambda function (`entry` = its handler).
    Azure: a Function App (`entry` = `function_app`, the module the Functions host indexes; its
    `DT_FUNCTIONS` app setting names the function modules the app registers).
    Google: a Cloud Function (`entry` = its entry point in `main.py`).
    """

    cloud: Provider
    stack: str
    resource_id: str
    name: str  # the deployed name (Terraform/CloudFormation name property; references resolved by a caller)
    runtime: str  # python3.13, python312, python (Azure: plus `runtime_version`) or nodejs...
    code: Path  # the code as deployed (a directory, unpacked from the archive when zipped)
    entry: str
    settings: Mapping[str, Any]  # raw: strings, CloudFormation intrinsics, Terraform interpolations
    resource: Mapping[str, Any] = field(compare=False, hash=False)
    _output: "SynthOutput | None" = field(default=None, compare=False, hash=False, repr=False)

    @property
    def is_python(self) -> bool:
        return self.runtime.startswith("python")

    @property
    def label(self) -> str:
        return f"{self.stack}/{self.resource_id}"

    def environment(self, resolve: Resolver) -> dict[str, str]:
        """The settings with every reference replaced by `resolve(reference)`."""
        return {name: self.resolve(value, resolve) for name, value in self.settings.items()}

    def resolve(self, value: Any, resolve: Resolver) -> Any:
        """Any value of this function's stack (e.g. its name) with references resolved."""
        assert self._output is not None
        return self._output.evaluate(self.stack, value, resolve)


@dataclass
class CloudFormationStack:
    name: str
    path: Path
    template: dict

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})


@dataclass
class TerraformStack:
    name: str
    directory: Path
    config: dict

    @property
    def resources(self) -> dict[str, dict]:
        return self.config.get("resource", {})

    def resource(self, kind: str, name: str, data: bool = False) -> dict:
        block = self.config.get("data" if data else "resource", {}).get(kind, {})
        if name not in block:
            raise OutputError(f"{self.name}: no {'data source' if data else 'resource'} {kind}.{name}")
        return block[name]


class SynthOutput:
    """Every stack of one synth. `unpack_dir` receives the archives' contents (one folder each)."""

    def __init__(self, cdk_out: Path | None, tf_out: Path | None, unpack_dir: Path) -> None:
        self.cdk_out, self.tf_out, self._unpack_dir = cdk_out, tf_out, unpack_dir
        self.cloudformation: dict[str, CloudFormationStack] = {}
        self.terraform: dict[str, TerraformStack] = {}
        if cdk_out is not None and cdk_out.is_dir():
            self._read_cloudformation(cdk_out)
        if tf_out is not None and (tf_out / "stacks").is_dir():
            for stack_json in sorted((tf_out / "stacks").glob("*/cdk.tf.json")):
                name = stack_json.parent.name
                self.terraform[name] = TerraformStack(name, stack_json.parent, json.loads(stack_json.read_text("utf-8")))
        self._exports = {
            output["Export"]["Name"]: (stack, output["Value"])
            for stack in self.cloudformation.values()
            for output in stack.template.get("Outputs", {}).values()
            if isinstance(output.get("Export"), dict) and isinstance(output["Export"].get("Name"), str)
        }

    def aws_region(self, stack: str) -> str | None:
        """The region a CloudFormation stack deploys to (the assembly manifest's environment)."""
        manifest = json.loads((self.cdk_out / "manifest.json").read_text("utf-8")) if self.cdk_out else {}
        environment = manifest.get("artifacts", {}).get(stack, {}).get("environment", "")
        region = environment.rsplit("/", 1)[-1] if environment.startswith("aws://") else ""
        return None if region in ("", "unknown-region") else region

    # -- reading

    def _read_cloudformation(self, cdk_out: Path) -> None:
        for template_path in sorted(cdk_out.glob("*.template.json")):
            if template_path.name.endswith(".nested.template.json"):
                raise OutputError(f"{template_path.name}: nested stacks are not read here")
            name = template_path.name.removesuffix(".template.json")
            self.cloudformation[name] = CloudFormationStack(name, template_path, json.loads(template_path.read_text("utf-8")))

    @property
    def functions(self) -> list[SynthFunction]:
        return [*self._lambda_functions(), *self._azure_apps(), *self._google_functions()]

    def _lambda_functions(self) -> Iterator[SynthFunction]:
        for stack in self.cloudformation.values():
            for logical_id, resource in stack.resources.items():
                if resource.get("Type") != LAMBDA_FUNCTION:
                    continue
                properties = resource.get("Properties", {})
                code = self._lambda_code(stack, resource)
                if code is None:  # inline code (ZipFile): no asset
                    continue
                if properties.get("Layers"):
                    raise OutputError(f"{stack.name}/{logical_id}: Lambda layers are not read here")
                yield SynthFunction(
                    cloud=Provider.AWS,
                    stack=stack.name,
                    resource_id=logical_id,
                    name=properties.get("FunctionName", logical_id),
                    runtime=str(properties.get("Runtime", "")),
                    code=code,
                    entry=str(properties.get("Handler", "")),
                    settings=dict((properties.get("Environment") or {}).get("Variables") or {}),
                    resource=resource,
                    _output=self,
                )

    def _lambda_code(self, stack: CloudFormationStack, resource: Mapping[str, Any]) -> Path | None:
        """The asset directory: the asset manifest's entry of the code's S3 key (`python app.py` and
        the CDK CLI both write the manifest)."""
        key = ((resource.get("Properties") or {}).get("Code") or {}).get("S3Key")
        if not isinstance(key, str):
            return None
        return self._asset_by_key(stack, key)

    def _asset_by_key(self, stack: CloudFormationStack, key: str) -> Path:
        assert self.cdk_out is not None
        manifest = self.cdk_out / f"{stack.name}.assets.json"
        files = json.loads(manifest.read_text("utf-8")).get("files", {}) if manifest.is_file() else {}
        for entry in files.values():
            if any(destination.get("objectKey") == key for destination in entry.get("destinations", {}).values()):
                return self.cdk_out / entry["source"]["path"]
        raise OutputError(f"{stack.name}: no asset in {manifest.name} has the S3 key {key}")

    def _azure_apps(self) -> Iterator[SynthFunction]:
        for stack in self.terraform.values():
            for kind, block in stack.resources.items():
                for name, resource in block.items():
                    if "zip_deploy_file" not in resource or "app_settings" not in resource:
                        continue
                    yield SynthFunction(
                        cloud=Provider.AZURE,
                        stack=stack.name,
                        resource_id=f"{kind}.{name}",
                        name=str(resource.get("name", name)),
                        runtime=f"{resource.get('runtime_name', '')}{resource.get('runtime_version', '')}",
                        code=self._unpack(stack, resource["zip_deploy_file"]),
                        entry="function_app",
                        settings=dict(resource["app_settings"]),
                        resource=resource,
                        _output=self,
                    )

    def _google_functions(self) -> Iterator[SynthFunction]:
        for stack in self.terraform.values():
            for name, resource in stack.resources.get(GOOGLE_FUNCTION, {}).items():
                build = resource.get("build_config") or {}
                source = ((build.get("source") or {}).get("storage_source") or {}).get("object", "")
                match = re.fullmatch(r"\$\{google_storage_bucket_object\.([^.}]+)\.name\}", source)
                if match is None:
                    raise OutputError(f"{stack.name}: {GOOGLE_FUNCTION}.{name} has no source object of this stack: {source!r}")
                archive = stack.resource("google_storage_bucket_object", match.group(1))["source"]
                yield SynthFunction(
                    cloud=Provider.GOOGLE,
                    stack=stack.name,
                    resource_id=f"{GOOGLE_FUNCTION}.{name}",
                    name=str(resource.get("name", name)),
                    runtime=str(build.get("runtime", "")),
                    code=self._unpack(stack, archive),
                    entry=str(build.get("entry_point", "")),
                    settings=dict((resource.get("service_config") or {}).get("environment_variables") or {}),
                    resource=resource,
                    _output=self,
                )

    def _unpack(self, stack: TerraformStack, relative: str) -> Path:
        archive = stack.directory / relative
        target = self._unpack_dir / stack.name / Path(relative).parent.name
        if not (target / ".unpacked").is_file():
            with zipfile.ZipFile(archive) as opened:
                opened.extractall(target)
            (target / ".unpacked").write_text(str(archive), encoding="utf-8")
        return target

    # -- evaluating settings

    def evaluate(self, stack: str, value: Any, resolve: Resolver) -> Any:
        if stack in self.cloudformation:
            return self._cloudformation_value(self.cloudformation[stack], value, resolve)
        return self._terraform_value(self.terraform[stack], value, resolve)

    def _cloudformation_value(self, stack: CloudFormationStack, value: Any, resolve: Resolver) -> Any:
        evaluate = lambda inner: self._cloudformation_value(stack, inner, resolve)  # noqa: E731
        if isinstance(value, str):
            return _DYNAMIC_REFERENCE.sub(
                lambda m: resolve(Reference(stack.name, f"resolve:{m.group(1)}", "value", m.group(2), {"Name": m.group(2)})),
                value,
            )
        if isinstance(value, list):
            return [evaluate(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: evaluate(item) for key, item in value.items()}
        (function, argument), = value.items()
        if function == "Ref":
            return self._ref(stack, argument, resolve)
        if function == "Fn::GetAtt":
            logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return self._resource_reference(stack, logical_id, evaluate(attribute), resolve)
        if function == "Fn::ImportValue":
            name = evaluate(argument)
            if name not in self._exports:
                raise OutputError(f"{stack.name}: no stack of this output exports {name!r}")
            exporter, exported = self._exports[name]
            return self._cloudformation_value(exporter, exported, resolve)
        if function == "Fn::Join":
            separator, items = argument
            return str(separator).join(str(item) for item in evaluate(items))
        if function == "Fn::Split":
            separator, text = argument
            text = evaluate(text)
            return (text if isinstance(text, str) else str(text)).split(separator)
        if function == "Fn::Select":
            index, items = argument
            return evaluate(items)[int(evaluate(index))]
        if function == "Fn::Sub":
            template, variables = (argument, {}) if isinstance(argument, str) else argument
            values = {name: evaluate(item) for name, item in variables.items()}
            return _SUB_VARIABLE.sub(lambda m: self._sub(stack, m, values, resolve), template)
        if function.startswith("Fn::") or function == "Condition":
            raise OutputError(f"{stack.name}: {function} in a function setting is not supported here")
        return {function: evaluate(argument)}

    def _sub(self, stack: CloudFormationStack, match: re.Match, values: Mapping[str, Any], resolve: Resolver) -> str:
        literal, name = match.groups()
        if literal:
            return "${" + name
        if name in values:
            return str(values[name])
        if "." in name:
            logical_id, attribute = name.split(".", 1)
            return str(self._resource_reference(stack, logical_id, attribute, resolve))
        return str(self._ref(stack, name, resolve))

    def _ref(self, stack: CloudFormationStack, name: str, resolve: Resolver) -> Any:
        if name.startswith("AWS::"):
            return resolve(Reference(stack.name, PSEUDO_PARAMETER, name, name))
        parameter = stack.template.get("Parameters", {}).get(name)
        if parameter is not None:
            return resolve(Reference(stack.name, str(parameter.get("Type", "String")), "Ref", name, parameter))
        return self._resource_reference(stack, name, "Ref", resolve)

    def _resource_reference(self, stack: CloudFormationStack, logical_id: str, attribute: str, resolve: Resolver) -> str:
        resource = stack.resources.get(logical_id)
        if resource is None:
            raise OutputError(f"{stack.name}: a setting references {logical_id}, which the stack does not define")
        return resolve(Reference(stack.name, resource["Type"], attribute, logical_id, resource.get("Properties") or {}))

    def _terraform_value(self, stack: TerraformStack, value: Any, resolve: Resolver) -> Any:
        if isinstance(value, list):
            return [self._terraform_value(stack, item, resolve) for item in value]
        if isinstance(value, dict):
            return {key: self._terraform_value(stack, item, resolve) for key, item in value.items()}
        if not isinstance(value, str):
            return value
        return _TERRAFORM_EXPRESSION.sub(
            lambda m: "${" if m.group(1) is None else str(self._terraform_expression(stack, m.group(1), resolve)), value
        )

    def _terraform_expression(self, stack: TerraformStack, expression: str, resolve: Resolver) -> Any:
        parts = expression.strip().split(".")
        if parts[0] == "data" and len(parts) >= 4 and parts[1] == REMOTE_STATE and parts[3] == "outputs":
            return self._remote_output(stack, parts[2], ".".join(parts[4:]), resolve)
        if parts[0] == "data" and len(parts) == 4:
            config = stack.resource(parts[1], parts[2], data=True)
            return resolve(Reference(stack.name, f"data.{parts[1]}", parts[3], f"data.{parts[1]}.{parts[2]}", config))
        if len(parts) == 3 and re.fullmatch(r"[a-z][a-z0-9_]*", parts[0]) and parts[0] not in ("var", "local", "module"):
            config = stack.resource(parts[0], parts[1])
            return resolve(Reference(stack.name, parts[0], parts[2], f"{parts[0]}.{parts[1]}", config))
        raise OutputError(f"{stack.name}: the expression ${{{expression}}} is not a resource attribute this reader follows")

    def _remote_output(self, stack: TerraformStack, state: str, output: str, resolve: Resolver) -> Any:
        """An output of the stack `data.terraform_remote_state.<state>` reads: CDK Terrain names the
        data source after that stack."""
        source = self.terraform.get(state.removeprefix(REMOTE_STATE_PREFIX))
        if source is None:
            raise OutputError(f"{stack.name}: the remote state {state} is not a cross-stack reference of this output")
        outputs = source.config.get("output", {})
        if output not in outputs:
            raise OutputError(f"{stack.name}: {source.name} has no output {output}")
        return self._terraform_value(source, outputs[output]["value"], resolve)
