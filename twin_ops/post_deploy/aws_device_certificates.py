"""AWS L1 onboarding: the twin's CA, each device's certificate, and removals (docs/design.md §7a).

The L1 stack holds the fleet's one policy, thing group and just-in-time provisioning (JITP)
template; the devices themselves are data. This step, after the L1 stack:
1. reads the twin's CA from the secret `<twin>/devices/ca`. While the secret holds the stack's
   throwaway value, it generates the CA and stores it there first, so the key is in no template,
   output or log (a CA of your own: put `{certificate_pem, private_key_pem}` into the secret first);
2. registers the CA with IoT Core once (certificate mode DEFAULT: a verification certificate of the
   account's registration code proves the key; active, auto-registration on, the twin's JITP
   template), or repairs a registration that drifted;
3. gives each device of the project without a valid certificate of this CA a new key and
   certificate in `iot_devices_auth/<device>/` (0600). That costs no API call per device: IoT
   Core provisions the device (thing, group, policy) when it first connects;
4. removes what the project no longer holds: each thing of the twin's group whose device was
   removed has its certificates revoked (JITP never provisions a revoked certificate again) and is
   deleted; a removed device's local certificate that never connected is registered as revoked;
   its local files go. `dry_run` lists all this and changes nothing.
A failure on one device does not stop the others: it is reported with the device, and a re-run
retries what is left (every operation is idempotent).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin_model.config.model import ProjectConfig, Provider
from twin_model.topology import Topology, TwinStack
from twin_contract.devices import (
    ca_secret_name,
    device_of_thing,
    provisioning_template_name,
    thing_group_name,
)
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_file, write_simulator_config
from twin_ops.post_deploy.device_ca import DeviceCa, issue, issued_by, new_ca, verification_certificate
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig, auth_dir

CERTIFICATE_FILE = "certificate.pem.crt"
PRIVATE_KEY_FILE = "private.pem.key"
LIST_PAGE = 250  # ListThingsInThingGroup's largest page


@dataclass
class OnboardingResult:
    endpoint: str
    ca_created: bool = False
    ca_registered: bool = False
    issued: list[str] = field(default_factory=list)
    kept: int = 0
    removed: list[str] = field(default_factory=list)  # removed (or, with dry_run, to remove)
    failed: dict[str, str] = field(default_factory=dict)  # device → why
    dry_run: bool = False

    def summary(self, folder: Path) -> str:
        verb = "would" if self.dry_run else ""
        parts = [
            ("CA generated and registered" if self.ca_created else "CA registered" if self.ca_registered else "CA in place")
            if not self.dry_run else ("CA to generate" if self.ca_created else "CA in place"),
            f"{len(self.issued)} device certificates {verb + ' be ' if verb else ''}issued, {self.kept} kept (in {folder})",
            f"{len(self.removed)} removed devices {verb + ' be ' if verb else ''}deregistered"
            + (f" ({', '.join(self.removed[:20])}{' …' if len(self.removed) > 20 else ''})" if self.removed else ""),
            f"endpoint {self.endpoint}",
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} failed: " + "; ".join(f"{d}: {why}" for d, why in sorted(self.failed.items())))
        return "; ".join(parts)


def onboard_devices(
    project: Path, twin: str, device_ids: Sequence[str], secrets: Any, iot: Any, *, dry_run: bool = False,
    issue_certificate: Callable[[DeviceCa, str], Any] = issue,
) -> OnboardingResult:
    """`secrets`/`iot`: boto3 Secrets Manager and IoT clients (moto in the tests)."""
    result = OnboardingResult(iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"], dry_run=dry_run)
    ca = _read_ca(secrets, twin)
    if ca is None:
        result.ca_created = True
        if dry_run:
            result.issued = list(device_ids)
            _plan_removals(result, iot, twin, set(device_ids), project)
            return result
        ca = new_ca(twin)
        _write_ca(secrets, twin, ca)
    if not dry_run:
        ca, result.ca_registered = _ensure_registered(iot, twin, ca)
        if result.ca_registered:
            _write_ca(secrets, twin, ca)
    folder = prepare_auth_dir(project) if not dry_run else project / "iot_devices_auth"
    wanted = set(device_ids)
    credentials = []
    for device_id in device_ids:
        certificate, key = folder / device_id / CERTIFICATE_FILE, folder / device_id / PRIVATE_KEY_FILE
        if certificate.is_file() and key.is_file() and issued_by(ca, certificate.read_text(encoding="utf-8"), device_id):
            result.kept += 1
        else:
            result.issued.append(device_id)
            if not dry_run:
                made = issue_certificate(ca, device_id)
                write_file(key, made.private_key_pem)
                write_file(certificate, made.certificate_pem)
        credentials.append(DeviceCredentials(device_id, certificate=f"{device_id}/{CERTIFICATE_FILE}",
                                             private_key=f"{device_id}/{PRIVATE_KEY_FILE}"))
    _plan_removals(result, iot, twin, wanted, project, ca=None if dry_run else ca)
    if not dry_run:
        write_simulator_config(project, SimulatorConfig(Provider.AWS, twin, tuple(credentials), mqtt=MqttBroker(result.endpoint)))
    return result


def _read_ca(secrets: Any, twin: str) -> DeviceCa | None:
    try:
        text = secrets.get_secret_value(SecretId=ca_secret_name(twin))["SecretString"]
    except secrets.exceptions.ResourceNotFoundException as error:
        raise PostDeployError(f"the secret {ca_secret_name(twin)} is missing: deploy the L1 stack first") from error
    try:
        return DeviceCa.from_json(json.loads(text))
    except json.JSONDecodeError:
        return None  # the stack's generated placeholder


def _write_ca(secrets: Any, twin: str, ca: DeviceCa) -> None:
    secrets.put_secret_value(SecretId=ca_secret_name(twin), SecretString=json.dumps(ca.to_json()))


def _registration_config(twin: str) -> dict[str, str]:
    return {"templateName": provisioning_template_name(twin)}


def _ensure_registered(iot: Any, twin: str, ca: DeviceCa) -> tuple[DeviceCa, bool]:
    """The CA registered and set up for JITP; True when it was registered now."""
    if ca.certificate_id is not None:
        try:
            described = iot.describe_ca_certificate(certificateId=ca.certificate_id)
        except iot.exceptions.ResourceNotFoundException:
            described = None
        if described is not None:
            description = described.get("certificateDescription", {})
            config = described.get("registrationConfig") or {}
            if (description.get("status") != "ACTIVE" or description.get("autoRegistrationStatus", "ENABLE") != "ENABLE"
                    or config.get("templateName") != provisioning_template_name(twin)):
                iot.update_ca_certificate(certificateId=ca.certificate_id, newStatus="ACTIVE",
                                          newAutoRegistrationStatus="ENABLE", registrationConfig=_registration_config(twin))
            return ca, False
    code = iot.get_registration_code()["registrationCode"]
    registered = iot.register_ca_certificate(
        caCertificate=ca.certificate_pem,
        verificationCertificate=verification_certificate(ca, code),
        setAsActive=True,
        allowAutoRegistration=True,
        registrationConfig=_registration_config(twin),
        certificateMode="DEFAULT",
    )
    return DeviceCa(ca.certificate_pem, ca.private_key_pem, registered["certificateId"]), True


def _group_devices(iot: Any, twin: str) -> dict[str, str]:
    """device id → thing name, for every thing of the twin's group."""
    things: dict[str, str] = {}
    request: dict[str, Any] = {"thingGroupName": thing_group_name(twin), "maxResults": LIST_PAGE}
    while True:
        try:
            page = iot.list_things_in_thing_group(**request)
        except iot.exceptions.ResourceNotFoundException as error:
            raise PostDeployError(f"the thing group {thing_group_name(twin)} is missing: deploy the L1 stack first") from error
        for thing in page.get("things", []):
            device = device_of_thing(twin, thing)
            if device is not None:
                things[device] = thing
        if not page.get("nextToken"):
            return things
        request["nextToken"] = page["nextToken"]


def _plan_removals(result: OnboardingResult, iot: Any, twin: str, wanted: set[str], project: Path,
                   ca: DeviceCa | None = None) -> None:
    """Deregister removed devices (only list them while `ca` is None: a dry run)."""
    registered = _group_devices(iot, twin)
    folder = project / "iot_devices_auth"
    local = {path.parent.name for path in folder.glob(f"*/{CERTIFICATE_FILE}")} if folder.is_dir() else set()
    for device in sorted((set(registered) | local) - wanted):
        result.removed.append(device)
        if ca is None:
            continue
        try:
            if device in registered:
                _deregister_thing(iot, registered[device])
            elif (folder / device / CERTIFICATE_FILE).is_file():
                _revoke_unused(iot, ca, (folder / device / CERTIFICATE_FILE).read_text(encoding="utf-8"))
            shutil.rmtree(folder / device, ignore_errors=True)
        except Exception as error:  # one device's failure must not stop the others; it is reported
            result.failed[device] = _reason(error)


def _deregister_thing(iot: Any, thing: str) -> None:
    """Revoke the thing's certificates (so JITP never provisions them again), detach, delete (which
    takes the thing out of its groups)."""
    try:
        principals = iot.list_thing_principals(thingName=thing).get("principals", [])
    except iot.exceptions.ResourceNotFoundException:
        return  # deleted meanwhile
    for principal in principals:
        if ":cert/" in principal:
            iot.update_certificate(certificateId=principal.rsplit("/", 1)[-1], newStatus="REVOKED")
        iot.detach_thing_principal(thingName=thing, principal=principal)
    with contextlib.suppress(iot.exceptions.ResourceNotFoundException):
        iot.delete_thing(thingName=thing)


def _revoke_unused(iot: Any, ca: DeviceCa, certificate_pem: str) -> None:
    """A certificate that never connected: registered as revoked, so it cannot connect later."""
    # Already known: it connected once, and revoking its thing's certificates revoked it.
    with contextlib.suppress(iot.exceptions.ResourceAlreadyExistsException):
        iot.register_certificate(certificatePem=certificate_pem, caCertificatePem=ca.certificate_pem, status="REVOKED")


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(error).__name__}: {error}"


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    import boto3

    session = boto3.Session(region_name=request.aws_region)
    result = onboard_devices(
        request.project, config.name, [d.id for d in config.devices],
        session.client("secretsmanager"), session.client("iot"), dry_run=request.dry_run,
    )
    if result.failed:
        raise PostDeployError(result.summary(auth_dir(request.project)))
    return result.summary(auth_dir(request.project))


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The step against moto (the twin's CA, a certificate per device), then each device's first
    connection, which IoT Core answers by provisioning it (JITP, twin_ops/local/standins/jitp.py).
    The run's MQTT broker trusts the run's own CA (twin_ops/local/tls.py)."""
    from concurrent.futures import ThreadPoolExecutor

    from twin_ops.local.standins import jitp
    from twin_contract.devices import ca_secret_name as secret_name

    secrets, iot = local.aws("secretsmanager"), local.aws("iot")
    onboarding = local.workdir / "onboarding"
    device_ids = sorted(device.id for device in local.config.devices)
    result = onboard_devices(onboarding, local.config.name, device_ids, secrets, iot)
    if result.failed:
        raise PostDeployError(result.summary(auth_dir(onboarding)))
    ca = DeviceCa.from_json(json.loads(secrets.get_secret_value(SecretId=secret_name(local.config.name))["SecretString"]))
    assert ca is not None
    templates = local.platform.provisioning_templates

    def first_connection(device: str) -> None:
        pem = (auth_dir(onboarding) / device / CERTIFICATE_FILE).read_text(encoding="utf-8")
        try:
            jitp.connect(iot, pem, templates, [ca.certificate_pem])
        except jitp.ProvisioningRefused:
            jitp.connect(iot, pem, templates, [ca.certificate_pem])  # IoT Core refuses the first attempt

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(first_connection, device_ids))
