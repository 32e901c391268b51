"""AWS onboarding (moto): the twin's CA into its secret, registered for JITP, device certificates
issued locally, a handful of API calls for any fleet size, removals with a dry run, and a partial
failure that names its device and is finished by a re-run."""

from __future__ import annotations

import json
import stat
from collections import Counter

import boto3
import pytest
from cryptography import x509
from moto import mock_aws

from constructs_lib.aws.l1_device_fleet import fleet_policy_document, provisioning_template_body
from twin_contract.devices import ca_secret_name, fleet_policy_name, provisioning_template_name, thing_group_name
from twin_ops.local.standins import jitp
from twin_ops.post_deploy.aws_device_certificates import onboard_devices
from twin_ops.post_deploy.device_ca import DeviceCa
from twin_ops.simulator.config import read_config

REGION = "eu-central-1"
TWIN = "factory-floor"
DEVICES = ("press-01", "conveyor-01", "sensor-a")
PLACEHOLDER = "4J#generated-by-cloudformation"  # what GenerateSecretString leaves before the step


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Calls:
    """Every API call a boto3 client makes, by operation."""

    def __init__(self, *clients) -> None:
        self.counts: Counter[str] = Counter()
        for client in clients:
            client.meta.events.register("before-call", self._count)

    def _count(self, model, **_) -> None:
        self.counts[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@pytest.fixture
def deleted_things_leave_their_groups(monkeypatch):
    """IoT Core drops a deleted thing from its thing groups; moto 5.2.5 keeps listing it there."""
    from moto.iot.models import IoTBackend

    delete = IoTBackend.delete_thing

    def delete_thing(self, thing_name: str) -> None:
        arn = self.describe_thing(thing_name).arn
        delete(self, thing_name)
        for group in self.thing_groups.values():
            group.things.pop(arn, None)

    monkeypatch.setattr(IoTBackend, "delete_thing", delete_thing)


@pytest.fixture
def aws(deleted_things_leave_their_groups):
    """What the L1 stack leaves: the CA secret with its throwaway value, the group, the policy."""
    with mock_aws(config={"iot": {"use_valid_cert": True}}):  # real certificate ids (SHA-256 of the DER)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        iot = boto3.client("iot", region_name=REGION)
        secrets.create_secret(Name=ca_secret_name(TWIN), SecretString=PLACEHOLDER)
        iot.create_thing_group(thingGroupName=thing_group_name(TWIN))
        arn_prefix = f"arn:aws:iot:{REGION}:123456789012:"
        iot.create_policy(policyName=fleet_policy_name(TWIN),
                          policyDocument=json.dumps(fleet_policy_document(TWIN, arn_prefix)))
        yield secrets, iot


def stored_ca(secrets) -> DeviceCa:
    ca = DeviceCa.from_json(json.loads(secrets.get_secret_value(SecretId=ca_secret_name(TWIN))["SecretString"]))
    assert ca is not None
    return ca


TEMPLATES = {provisioning_template_name(TWIN): provisioning_template_body(TWIN)}


def connect_once(iot, secrets, project, device) -> None:
    """The device's first connection: IoT Core provisions it just in time (and refuses this attempt)."""
    pem, ca = (project / "iot_devices_auth" / device / "certificate.pem.crt").read_text(), stored_ca(secrets).certificate_pem
    with pytest.raises(jitp.ProvisioningRefused, match="connect again"):
        jitp.connect(iot, pem, TEMPLATES, [ca])
    jitp.connect(iot, pem, TEMPLATES, [ca])  # the second attempt is admitted


def group_things(iot) -> list[str]:
    return sorted(iot.list_things_in_thing_group(thingGroupName=thing_group_name(TWIN))["things"])


def test_first_run_makes_the_ca_registers_it_for_jitp_and_issues_each_device_a_certificate(tmp_path, aws):
    secrets, iot = aws
    result = onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    assert result.ca_created and result.ca_registered and sorted(result.issued) == sorted(DEVICES)
    ca = stored_ca(secrets)
    described = iot.describe_ca_certificate(certificateId=ca.certificate_id)
    assert described["certificateDescription"]["status"] == "ACTIVE"
    assert described["registrationConfig"] == {"templateName": f"{TWIN}-jitp"}
    folder = tmp_path / "iot_devices_auth"
    for device in DEVICES:
        certificate = x509.load_pem_x509_certificate((folder / device / "certificate.pem.crt").read_bytes())
        certificate.verify_directly_issued_by(ca.certificate)  # signed by the twin's CA
        assert certificate.subject.rfc4514_string() == f"CN={device}"
        assert mode(folder / device / "private.pem.key") == 0o600 and mode(folder / device / "certificate.pem.crt") == 0o600
    assert mode(folder) == 0o700 and "*" in (folder / ".gitignore").read_text().splitlines()
    config = read_config(tmp_path)
    assert config.mqtt.host.endswith(f"-ats.iot.{REGION}.amazonaws.com") and config.mqtt.port == 8883
    assert config.devices[0].certificate == f"{DEVICES[0]}/certificate.pem.crt"
    # No device exists in IoT Core until it connects: onboarding made no thing.
    assert iot.list_things()["things"] == [] and group_things(iot) == []


def test_the_ca_key_is_only_in_the_secret(tmp_path, aws):
    secrets, iot = aws
    result = onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    key = stored_ca(secrets).private_key_pem
    assert "PRIVATE KEY" in key
    written = [p.read_text() for p in (tmp_path / "iot_devices_auth").rglob("*") if p.is_file()]
    assert not any(key.strip() in text for text in written)
    assert "PRIVATE KEY" not in result.summary(tmp_path)
    assert "PRIVATE KEY" not in (tmp_path / "iot_devices_auth" / "simulator.json").read_text()


def test_a_device_provisions_itself_on_first_connection_into_the_fleet_group_with_the_fleet_policy(tmp_path, aws):
    secrets, iot = aws
    onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    connect_once(iot, secrets, tmp_path, "press-01")
    thing = iot.describe_thing(thingName=f"{TWIN}-press-01")
    assert thing["attributes"] == {"device_id": "press-01"}
    assert group_things(iot) == [f"{TWIN}-press-01"]
    (principal,) = iot.list_thing_principals(thingName=f"{TWIN}-press-01")["principals"]
    assert [p["policyName"] for p in iot.list_attached_policies(target=principal)["policies"]] == [fleet_policy_name(TWIN)]
    assert iot.describe_certificate(certificateId=principal.rsplit("/", 1)[-1])["certificateDescription"]["status"] == "ACTIVE"


@pytest.mark.parametrize("missing", ["policy", "group"])
def test_a_template_naming_a_policy_or_group_that_does_not_exist_fails_provisioning(tmp_path, aws, missing):
    """JITP makes neither by name: the attach (or the add to the group) fails, and the device is no
    member of any group (the stand-in checks through those calls, without a look-up first)."""
    secrets, iot = aws
    onboard_devices(tmp_path, TWIN, DEVICES[:1], secrets, iot)
    if missing == "policy":
        iot.delete_policy(policyName=fleet_policy_name(TWIN))
    else:
        iot.delete_thing_group(thingGroupName=thing_group_name(TWIN))
    pem = (tmp_path / "iot_devices_auth" / DEVICES[0] / "certificate.pem.crt").read_text()
    with pytest.raises(iot.exceptions.ResourceNotFoundException):
        jitp.connect(iot, pem, TEMPLATES, [stored_ca(secrets).certificate_pem])


def test_a_rerun_keeps_the_ca_and_every_certificate(tmp_path, aws):
    secrets, iot = aws
    onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    before = {d: (tmp_path / "iot_devices_auth" / d / "certificate.pem.crt").read_text() for d in DEVICES}
    key = tmp_path / "iot_devices_auth" / "press-01" / "private.pem.key"
    key.chmod(0o644)
    ca_id = stored_ca(secrets).certificate_id
    again = onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    assert (again.ca_created, again.ca_registered, again.issued, again.kept) == (False, False, [], len(DEVICES))
    assert before == {d: (tmp_path / "iot_devices_auth" / d / "certificate.pem.crt").read_text() for d in DEVICES}
    assert stored_ca(secrets).certificate_id == ca_id  # the same registration
    (tmp_path / "iot_devices_auth" / "sensor-a" / "certificate.pem.crt").write_text("not a certificate")
    assert onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot).issued == ["sensor-a"]  # a broken one is reissued


def test_a_ca_supplied_by_the_user_is_used_as_is(tmp_path, aws):
    from twin_ops.post_deploy.device_ca import new_ca

    secrets, iot = aws
    own = new_ca("my-own")
    secrets.put_secret_value(SecretId=ca_secret_name(TWIN), SecretString=json.dumps(own.to_json()))
    result = onboard_devices(tmp_path, TWIN, DEVICES[:1], secrets, iot)
    assert (result.ca_created, result.ca_registered) == (False, True)
    assert stored_ca(secrets).certificate_pem == own.certificate_pem


def test_removed_devices_are_listed_by_a_dry_run_and_deregistered_by_the_next_run(tmp_path, aws):
    secrets, iot = aws
    onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    connect_once(iot, secrets, tmp_path, "press-01")
    connect_once(iot, secrets, tmp_path, "conveyor-01")  # sensor-a never connects
    remaining = ("conveyor-01",)

    dry = onboard_devices(tmp_path, TWIN, remaining, secrets, iot, dry_run=True)
    assert dry.removed == ["press-01", "sensor-a"] and "would be deregistered" in dry.summary(tmp_path)
    assert group_things(iot) == [f"{TWIN}-conveyor-01", f"{TWIN}-press-01"]  # nothing changed
    assert (tmp_path / "iot_devices_auth" / "press-01").is_dir()

    press_pem = (tmp_path / "iot_devices_auth" / "press-01" / "certificate.pem.crt").read_text()
    sensor_pem = (tmp_path / "iot_devices_auth" / "sensor-a" / "certificate.pem.crt").read_text()
    result = onboard_devices(tmp_path, TWIN, remaining, secrets, iot)
    assert result.removed == ["press-01", "sensor-a"] and result.failed == {}
    assert group_things(iot) == [f"{TWIN}-conveyor-01"]
    assert not (tmp_path / "iot_devices_auth" / "press-01").exists()
    for pem in (press_pem, sensor_pem):  # neither can connect (nor be provisioned) again
        status = iot.describe_certificate(certificateId=jitp.certificate_id(pem))["certificateDescription"]["status"]
        assert status == "REVOKED"
        with pytest.raises(jitp.ProvisioningRefused, match="REVOKED"):
            jitp.connect(iot, pem, TEMPLATES, [stored_ca(secrets).certificate_pem])
    assert onboard_devices(tmp_path, TWIN, remaining, secrets, iot).removed == []


class FailingDelete:
    """An IoT client whose DeleteThing fails for one thing, as a throttled or denied call would."""

    def __init__(self, iot, thing: str) -> None:
        self._iot, self._thing, self.exceptions = iot, thing, iot.exceptions

    def __getattr__(self, name):
        return getattr(self._iot, name)

    def delete_thing(self, thingName):
        if thingName == self._thing:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DeleteThing")
        return self._iot.delete_thing(thingName=thingName)


def test_a_partial_failure_names_its_device_and_a_rerun_finishes_without_duplicates(tmp_path, aws):
    secrets, iot = aws
    onboard_devices(tmp_path, TWIN, DEVICES, secrets, iot)
    for device in DEVICES:
        connect_once(iot, secrets, tmp_path, device)
    result = onboard_devices(tmp_path, TWIN, (), secrets, FailingDelete(iot, f"{TWIN}-press-01"))
    assert result.failed == {"press-01": "ThrottlingException: Rate exceeded"}
    assert "press-01: ThrottlingException" in result.summary(tmp_path)
    assert group_things(iot) == [f"{TWIN}-press-01"]
    again = onboard_devices(tmp_path, TWIN, (), secrets, iot)
    assert (again.removed, again.failed) == (["press-01"], {})
    assert group_things(iot) == [] and iot.list_things()["things"] == []


@pytest.mark.slow
def test_ten_thousand_devices_onboard_in_a_handful_of_api_calls(tmp_path, aws):
    secrets, iot = aws
    devices = [f"device-{n:05d}" for n in range(10_000)]
    calls = Calls(secrets, iot)
    result = onboard_devices(tmp_path, TWIN, devices, secrets, iot)
    assert len(result.issued) == 10_000
    # GetSecretValue, PutSecretValue ×2 (the CA, then its id), GetRegistrationCode, RegisterCACertificate,
    # DescribeEndpoint, ListThingsInThingGroup.
    assert calls.counts == Counter({"PutSecretValue": 2, "GetSecretValue": 1, "GetRegistrationCode": 1,
                                    "RegisterCACertificate": 1, "DescribeEndpoint": 1, "ListThingsInThingGroup": 1})
    calls.counts.clear()
    onboard_devices(tmp_path, TWIN, devices, secrets, iot)
    assert calls.total == 4  # a re-run: the secret, the CA's registration, the endpoint, the group
