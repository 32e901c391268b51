"""Acknowledge cdk-nag's IAM5 finding for one specific wildcard resource, such as `<bucket>/*`.

cdk-nag v3 names each wildcard finding after the resource as written in the template
(`AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`), and only an acknowledgment with that exact id
covers it. A bucket of another stack only gets its template form (an `Fn::ImportValue` of a
CDK-generated export) when CDK resolves references at synthesis, so the acknowledgment is
recorded then, from a construct validation, with nag's own flattening of the reference.
Acknowledging the bare rule id instead would cover nothing, and covering every IAM5 finding of a
role would hide any wildcard added later.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import Construct, IValidation


def acknowledge_wildcard_resources(scope: Construct, resources: list[str], reason: str) -> None:
    """Acknowledge `AwsSolutions-IAM5[Resource::…]` for each of `resources` on `scope` and below."""
    scope.node.add_validation(_AcknowledgeWhenResolved(scope, tuple(resources), reason))


@jsii.implements(IValidation)
class _AcknowledgeWhenResolved:
    def __init__(self, scope: Construct, resources: tuple[str, ...], reason: str) -> None:
        self._scope, self._resources, self._reason = scope, resources, reason

    def validate(self) -> list[str]:
        stack = Stack.of(self._scope)
        for resource in self._resources:
            finding = f"AwsSolutions-IAM5[Resource::{flatten_reference(stack.resolve(resource))}]"
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
