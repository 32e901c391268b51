"""AWS IoT Core's just-in-time provisioning (JITP), over an IoT registry (moto), for local runs and tests.

No emulator provisions devices, so this imitates the documented flow strictly (AWS IoT Core
developer guide, "Just-in-time provisioning" and "Provisioning templates"):
- a client certificate that IoT Core does not know yet, signed by a registered CA certificate that
  is ACTIVE and allows auto-registration with a provisioning template, is registered
  (PENDING_ACTIVATION) and the CA's template is run; the connection attempt itself fails, and the
  device connects again;
- the template's parameters are the certificate's subject fields it declares
  (`AWS::IoT::Certificate::CommonName`, `…::Country`, …) and `AWS::IoT::Certificate::Id`; a
  declared field the subject lacks (without a default) fails the provisioning;
- its resources: an `AWS::IoT::Thing` (created, or updated as `OverrideSettings` say: attributes
  REPLACE or MERGE, thing groups MERGE or REPLACE; added to its `ThingGroups`, which must exist),
  an `AWS::IoT::Certificate` (its `Status`) and an `AWS::IoT::Policy` by `PolicyName` (attached
  to the certificate; it must exist); the certificate is attached to the thing;
- `Ref` and `Fn::Join` are the intrinsic functions evaluated; any other raises.
A known certificate is not provisioned again: ACTIVE connects, anything else (REVOKED, INACTIVE,
PENDING_*) is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

SUBJECT_PARAMETERS = {
    "AWS::IoT::Certificate::CommonName": NameOID.COMMON_NAME,
    "AWS::IoT::Certificate::Country": NameOID.COUNTRY_NAME,
    "AWS::IoT::Certificate::Organization": NameOID.ORGANIZATION_NAME,
    "AWS::IoT::Certificate::OrganizationalUnit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "AWS::IoT::Certificate::DistinguishedNameQualifier": NameOID.DN_QUALIFIER,
    "AWS::IoT::Certificate::StateName": NameOID.STATE_OR_PROVINCE_NAME,
    "AWS::IoT::Certificate::SerialNumber": NameOID.SERIAL_NUMBER,
}
CERTIFICATE_ID = "AWS::IoT::Certificate::Id"


class ProvisioningRefused(Exception):
    """The connection is refused (and, where IoT Core would, nothing was provisioned)."""


@dataclass(frozen=True)
class Admitted:
    """A certificate IoT Core knows as ACTIVE: the connection goes on to policy evaluation."""

    certificate_arn: str


def certificate_id(certificate_pem: str) -> str:
    """IoT Core's certificate id: the SHA-256 of the certificate's DER encoding."""
    der = x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def connect(iot: Any, certificate_pem: str, templates: dict[str, dict], ca_certificates: Sequence[str] = ()) -> Admitted:
    """What IoT Core does with a client certificate at TLS time. `templates`: provisioning
    template name → its body (the synthesized AWS::IoT::ProvisioningTemplate resources);
    `ca_certificates`: PEMs of the CAs that may be registered (moto cannot list CA certificates,
    so the caller names the candidates; each counts only when the registry holds it, ACTIVE).
    Raises ProvisioningRefused when the connection fails (a first connection always does)."""
    try:  # the registry's description of the certificate, found by its id (moto: with `iot.use_valid_cert`)
        known = iot.describe_certificate(certificateId=certificate_id(certificate_pem))["certificateDescription"]
    except iot.exceptions.ResourceNotFoundException:
        known = None
    if known is not None:
        if known["status"] != "ACTIVE":
            raise ProvisioningRefused(f"certificate {known['certificateId']} is {known['status']}")
        return Admitted(known["certificateArn"])
    ca = _issuing_ca(iot, certificate_pem, ca_certificates)
    if ca is None:
        raise ProvisioningRefused("the certificate is neither registered nor signed by a registered, active CA")
    template_name = (ca.get("registrationConfig") or {}).get("templateName")
    body = ca.get("registrationConfig", {}).get("templateBody")
    template = json.loads(body) if body else templates.get(template_name or "")
    if template is None or ca.get("autoRegistrationStatus", "ENABLE") != "ENABLE":
        raise ProvisioningRefused("the CA allows no auto-registration with a provisioning template")
    registered = iot.register_certificate(certificatePem=certificate_pem, caCertificatePem=ca["certificatePem"],
                                          status="PENDING_ACTIVATION")
    _run_template(iot, template, certificate_pem, registered["certificateId"], registered["certificateArn"])
    raise ProvisioningRefused("provisioned just in time: connect again")


def _issuing_ca(iot: Any, certificate_pem: str, candidates: Sequence[str]) -> dict | None:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    for pem in candidates:
        try:
            certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(pem.encode()))
            described = iot.describe_ca_certificate(certificateId=certificate_id(pem))
        except (ValueError, TypeError, InvalidSignature, iot.exceptions.ResourceNotFoundException):
            continue
        description = described["certificateDescription"]
        if description.get("status") == "ACTIVE":
            return {**description, "certificatePem": pem, "registrationConfig": described.get("registrationConfig") or {}}
    return None


def _parameters(template: dict, certificate_pem: str, certificate_id_: str) -> dict[str, str]:
    subject = x509.load_pem_x509_certificate(certificate_pem.encode()).subject
    values: dict[str, str] = {}
    for name, declaration in (template.get("Parameters") or {}).items():
        if name == CERTIFICATE_ID:
            values[name] = certificate_id_
            continue
        if name not in SUBJECT_PARAMETERS:
            raise ProvisioningRefused(f"JITP cannot fill the template parameter {name!r} from a certificate")
        found = subject.get_attributes_for_oid(SUBJECT_PARAMETERS[name])
        if found:
            values[name] = str(found[0].value)
        elif "Default" in declaration:
            values[name] = declaration["Default"]
        else:
            raise ProvisioningRefused(f"the certificate's subject has no value for {name}")
    return values


def _evaluate(node: Any, parameters: dict[str, str]) -> Any:
    if isinstance(node, dict) and len(node) == 1:
        (key, value), = node.items()
        if key == "Ref":
            if value not in parameters:
                raise ProvisioningRefused(f"Ref to an undeclared parameter {value!r}")
            return parameters[value]
        if key == "Fn::Join":
            separator, parts = value
            return separator.join(str(_evaluate(part, parameters)) for part in parts)
        if key.startswith("Fn::"):
            raise ProvisioningRefused(f"{key} is not evaluated by this stand-in")
    if isinstance(node, dict):
        return {key: _evaluate(value, parameters) for key, value in node.items()}
    if isinstance(node, list):
        return [_evaluate(value, parameters) for value in node]
    return node


def _run_template(iot: Any, template: dict, certificate_pem: str, certificate_id_: str, certificate_arn: str) -> None:
    parameters = _parameters(template, certificate_pem, certificate_id_)
    resources = _evaluate(template.get("Resources") or {}, parameters)
    things = [r for r in resources.values() if r.get("Type") == "AWS::IoT::Thing"]
    for resource in resources.values():
        if resource.get("Type") not in ("AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::Policy"):
            raise ProvisioningRefused(f"resource type {resource.get('Type')!r} is not one a provisioning template holds")
    for resource in resources.values():
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::IoT::Certificate":
            iot.update_certificate(certificateId=certificate_id_, newStatus=properties.get("Status", "ACTIVE"))
        elif resource["Type"] == "AWS::IoT::Policy":
            # A missing policy fails the attach (JITP makes none by name): no look-up first, a call less a device.
            iot.attach_policy(policyName=properties["PolicyName"], target=certificate_arn)
    for thing in things:
        properties, override = thing.get("Properties") or {}, thing.get("OverrideSettings") or {}
        name = properties["ThingName"]
        attributes = {k: str(v) for k, v in (properties.get("AttributePayload") or {}).items()}
        try:
            iot.describe_thing(thingName=name)
        except iot.exceptions.ResourceNotFoundException:
            iot.create_thing(thingName=name, attributePayload={"attributes": attributes})
        else:
            merge = override.get("AttributePayload", "REPLACE") == "MERGE"
            iot.update_thing(thingName=name, attributePayload={"attributes": attributes, "merge": merge})
        for group in properties.get("ThingGroups") or []:  # one that does not exist fails the add
            iot.add_thing_to_thing_group(thingGroupName=group, thingName=name)
        iot.attach_thing_principal(thingName=name, principal=certificate_arn)
