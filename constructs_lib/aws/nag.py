"""cdk-nag acknowledgments of the AWS constructs: every exact finding id is built here.

cdk-nag v3 names a finding after what it found: the managed policy (`AwsSolutions-IAM4[Policy::…]`),
the wildcard action (`AwsSolutions-IAM5[Action::s3:GetBucket*]`) or the wildcard resource as
written in the template (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`), and only an
acknowledgment with that exact id covers it. Acknowledging the bare rule id instead would cover
nothing, and covering every IAM5 finding of a role would hide any wildcard added later.

A resource holding tokens (pseudo parameters, a function's ARN, a bucket of another stack, which
only becomes an `Fn::ImportValue` of a CDK-generated export when CDK resolves references at
synthesis) gets its template form only then, so `acknowledge_wildcard_resources` records its
acknowledgment then, from a construct validation, with nag's own flattening of the reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import Construct, IValidation

# The managed log-writing policy CDK gives every Lambda role.
BASIC_EXECUTION_FINDING = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def wildcard_action_finding(action: str) -> str:
    return f"AwsSolutions-IAM5[Action::{action}]"


def wildcard_resource_finding(resource: str) -> str:
    """The finding id of a resource in its template form, flattened as nag does (e.g. `*`)."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def acknowledge_wildcard_actions(scope: Construct, actions: Iterable[str], reason: str) -> None:
    """Acknowledge `AwsSolutions-IAM5[Action::…]` for each of `actions` on `scope` and below."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=wildcard_action_finding(action), reason=reason) for action in actions)
    )


def acknowledge_wildcard_resources(scope: Construct, resources: Iterable[str], reason: str) -> None:
    """Acknowledge `AwsSolutions-IAM5[Resource::…]` for each of `resources` (tokens allowed) on
    `scope` and below, once synthesis has resolved them."""
    scope.node.add_validation(_AcknowledgeWhenResolved(scope, tuple(resources), reason))


@jsii.implements(IValidation)
class _AcknowledgeWhenResolved:
    def __init__(self, scope: Construct, resources: tuple[str, ...], reason: str) -> None:
        self._scope, self._resources, self._reason = scope, resources, reason

    def validate(self) -> list[str]:
        stack = Stack.of(self._scope)
        for resource in self._resources:
            finding = wildcard_resource_finding(flatten_reference(stack.resolve(resource)))
            Validations.of(self._scope).acknowledge(Acknowledgment(id=finding, reason=self._reason))
        return []


def flatten_reference(node: object) -> str:
    """cdk-nag's `flattenCfnReference`: a resolved CloudFormation value as one string."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
