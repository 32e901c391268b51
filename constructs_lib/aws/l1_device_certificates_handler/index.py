"""Custom resource handler: one active IoT device certificate whose private key only Secrets Manager sees.

CloudFormation's AWS::IoT::Certificate needs a CSR, so IoT makes the key pair here
(CreateKeysAndCertificate). The key and certificate PEM go straight into the secret named by
`SecretName`; the response carries only the certificate ARN and id, so no template, output or
provider-framework log ever holds the key. Delete deactivates and deletes the certificate and
deletes the secret without a recovery window (the key is worthless once its certificate is gone,
and a pending deletion would block redeploying the same device).
"""

from __future__ import annotations

import contextlib
import json
import time

import boto3
from typing import Any

iot = boto3.client("iot")
secrets = boto3.client("secretsmanager")

DETACH_WAIT_SECONDS = (2, 4, 8, 16, 30)  # principal detachments are eventually consistent


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request, props = event["RequestType"], event["ResourceProperties"]
    if request == "Create":
        return _create(props)
    if request == "Update":
        if _identity(props) != _identity(event["OldResourceProperties"]):
            return _create(props)  # a new physical id: CloudFormation deletes the old certificate
        return _result(event["PhysicalResourceId"])
    _delete(event["PhysicalResourceId"], props["SecretName"])
    return {"PhysicalResourceId": event["PhysicalResourceId"]}


def _identity(props: dict[str, Any]) -> tuple[Any, ...]:
    return props["DeviceId"], props["SecretName"]


def _create(props: dict[str, Any]) -> dict[str, Any]:
    created = iot.create_keys_and_certificate(setAsActive=True)
    credentials = json.dumps(
        {
            "device_id": props["DeviceId"],
            "certificate_arn": created["certificateArn"],
            "certificate_pem": created["certificatePem"],
            "private_key": created["keyPair"]["PrivateKey"],
        }
    )
    try:
        try:
            secrets.create_secret(
                Name=props["SecretName"],
                Description=f"IoT credentials of device {props['DeviceId']}",
                SecretString=credentials,
                Tags=[{"Key": key, "Value": value} for key, value in props.get("Tags", {}).items()],
            )
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=props["SecretName"], SecretString=credentials)
    except Exception:
        _delete_certificate(created["certificateId"])  # no active certificate without a stored key
        raise
    return _result(created["certificateArn"])


def _result(certificate_arn: str) -> dict[str, Any]:
    return {
        "PhysicalResourceId": certificate_arn,
        "Data": {"CertificateArn": certificate_arn, "CertificateId": certificate_arn.rsplit("/", 1)[-1]},
    }


def _delete(physical_id: str, secret_name: str) -> None:
    if physical_id.startswith("arn:"):  # otherwise the create failed before a certificate existed
        _delete_certificate(physical_id.rsplit("/", 1)[-1])
    with contextlib.suppress(secrets.exceptions.ResourceNotFoundException):
        secrets.delete_secret(SecretId=secret_name, ForceDeleteWithoutRecovery=True)


def _delete_certificate(certificate_id: str) -> None:
    try:
        iot.update_certificate(certificateId=certificate_id, newStatus="INACTIVE")
        for wait in (*DETACH_WAIT_SECONDS, None):
            try:
                iot.delete_certificate(certificateId=certificate_id, forceDelete=True)
                return
            except iot.exceptions.DeleteConflictException:
                if wait is None:
                    raise
                time.sleep(wait)
    except iot.exceptions.ResourceNotFoundException:
        pass
