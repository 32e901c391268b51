"""AWS device certificates: Secrets Manager → iot_devices_auth/, owner-only files, idempotent (moto)."""

from __future__ import annotations

import json
import stat

import boto3
import pytest
from moto import mock_aws

from twin_ops.post_deploy.aws_device_certificates import download_device_certificates
from twin_ops.simulator.config import read_config

REGION = "eu-central-1"
TWIN = "factory-floor"
DEVICES = ("press-01", "conveyor-01")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def aws():
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        for device in DEVICES:
            secrets.create_secret(
                Name=f"{TWIN}/devices/{device}/credentials",
                SecretString=json.dumps({
                    "device_id": device,
                    "certificate_arn": f"arn:aws:iot:{REGION}:123456789012:cert/{device}",
                    "certificate_pem": f"-----BEGIN CERTIFICATE-----\n{device}\n-----END CERTIFICATE-----\n",
                    "private_key": f"-----BEGIN RSA PRIVATE KEY-----\n{device}\n-----END RSA PRIVATE KEY-----\n",
                }),
            )
        yield secrets, boto3.client("iot", region_name=REGION)


def test_certificates_and_keys_land_owner_only_with_a_simulator_config(tmp_path, aws):
    secrets, iot = aws
    result = download_device_certificates(tmp_path, TWIN, DEVICES, secrets, iot)
    folder = tmp_path / "iot_devices_auth"
    for device in DEVICES:
        key = folder / device / "private.pem.key"
        assert key.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----\n" + device)
        assert mode(key) == 0o600 and mode(folder / device / "certificate.pem.crt") == 0o600
    assert mode(folder) == 0o700
    assert "*" in (folder / ".gitignore").read_text().splitlines()  # keys never end up in a commit
    config = read_config(tmp_path)
    assert config == result.config
    # The ATS endpoint (Amazon Root CA 1, in the system trust store), not the legacy Symantec one.
    assert config.mqtt.host.endswith(f"-ats.iot.{REGION}.amazonaws.com")
    assert (config.mqtt.port, config.mqtt.ca_file) == (8883, None)
    assert config.devices[0].certificate == "press-01/certificate.pem.crt"
    assert "PRIVATE KEY" not in (folder / "simulator.json").read_text()


def test_rerun_rewrites_only_reissued_certificates_and_repairs_permissions(tmp_path, aws):
    secrets, iot = aws
    download_device_certificates(tmp_path, TWIN, DEVICES, secrets, iot)
    key = tmp_path / "iot_devices_auth" / "press-01" / "private.pem.key"
    key.chmod(0o644)
    assert download_device_certificates(tmp_path, TWIN, DEVICES, secrets, iot).updated == ()
    assert mode(key) == 0o600
    reissued = json.loads(secrets.get_secret_value(SecretId=f"{TWIN}/devices/conveyor-01/credentials")["SecretString"])
    reissued["certificate_pem"] = "-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n"
    secrets.put_secret_value(SecretId=f"{TWIN}/devices/conveyor-01/credentials", SecretString=json.dumps(reissued))
    assert download_device_certificates(tmp_path, TWIN, DEVICES, secrets, iot).updated == ("conveyor-01",)


def test_a_device_without_credentials_is_an_aws_error(tmp_path, aws):
    secrets, iot = aws
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        download_device_certificates(tmp_path, TWIN, ("press-99",), secrets, iot)
