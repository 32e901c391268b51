"""`python -m twin_ops status|redrive` as an operator runs them: real credential chains (none here,
or moto's), exit codes as documented in `--help` and the README."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from tests.conftest import REPO, WITHOUT_EVENTS, write_project
from twin_ops.cli import main

TWIN = "factory-floor"
EVERY_CLOUD = {"layer_1_provider": "google", "layer_2_provider": "azure", "layer_3_hot_provider": "aws",
               "layer_3_cold_provider": "azure", "layer_3_archive_provider": "aws", "layer_4_provider": "aws"}
NO_CREDENTIALS = [
    "AWS: no credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use an instance role)",
    "Azure: no credentials found (run `az login`, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID)",
    "Google Cloud: no application-default credentials found "
    "(run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS)",
]


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    """An operator's shell with no cloud logged in: each chain finds nothing, fast."""
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_", "ARM_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "GCE_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no ~/.aws, ~/.azure, ~/.config/gcloud
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(home / "gcloud"))
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # no metadata server to wait for
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no az, azd or pwsh
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path / "project", EVERY_CLOUD, **WITHOUT_EVENTS)


def test_status_without_credentials_names_each_cloud_once_and_exits_3(no_credentials, capsys):
    assert main(["status", "--project", str(no_credentials)]) == 3
    out = capsys.readouterr().out.splitlines()
    lines = sorted(line.removesuffix("; its rows above were not checked") for line in out if "credentials found" in line)
    assert lines == sorted(NO_CREDENTIALS)
    assert "  press-01: not checked (no AWS credentials)" in out


def test_redrive_without_credentials_touches_nothing_and_exits_3(no_credentials, capsys):
    assert main(["redrive", "--project", str(no_credentials), "--dry-run"]) == 3
    out = capsys.readouterr().out.splitlines()
    lines = sorted(line.removesuffix("; its dead letters were not touched") for line in out if "credentials found" in line)
    assert lines == sorted(NO_CREDENTIALS)


@pytest.fixture
def moto_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.chdir(tmp_path)
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


def test_status_and_redrive_through_the_cli(moto_credentials, capsys, tmp_path):
    import boto3

    sqs = boto3.client("sqs", region_name="eu-west-1")  # AWS_REGION is the twin's region
    url = sqs.create_queue(QueueName=f"{TWIN}-feedback-failed")["QueueUrl"]
    record = {"requestContext": {"functionArn": f"arn:aws:lambda:eu-west-1:123456789012:function:{TWIN}-feedback:$LATEST"},
              "requestPayload": {"device_id": "press-01", "message": "slow down"}}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    project = str(REPO / "examples" / "factory-floor")

    assert main(["status", "--project", project]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"  [l2] {TWIN}-feedback-failed → {TWIN}-feedback: 1" in out
    assert f"  press-01: not deployed (table {TWIN}-hot does not exist)" in out

    assert main(["redrive", "--project", project, "--layer", "l1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"# redrive {TWIN}: 2 dead-letter destinations"

    assert main(["redrive", "--project", project, "--layer", "l2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"[l2] {TWIN}-feedback-failed → {TWIN}-feedback: 1 moved" in out
    assert out[-1] == "# 1 moved, 0 finished from an interrupted run, 0 kept"
    assert not (tmp_path / ".dt-redrive").exists() or not any((tmp_path / ".dt-redrive").iterdir())


def test_a_bad_project_is_reported_and_exits_1(tmp_path, capsys):
    assert main(["status", "--project", str(tmp_path)]) == 1
    assert main(["redrive", "--project", str(tmp_path), "--dry-run"]) == 1
    assert "config.json" in capsys.readouterr().err


def test_ctrl_c_during_a_redrive_says_how_to_finish_and_exits_130(monkeypatch, tmp_path, capsys):
    import twin_ops.redrive.run as run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "run_redrive", interrupted)
    monkeypatch.chdir(tmp_path)
    assert main(["redrive", "--project", str(REPO / "examples" / "factory-floor")]) == 130
    assert capsys.readouterr().err == (
        f"interrupted: run the same command again to finish (journal .dt-redrive/{TWIN}.jsonl)\n")


def test_python_m_cdk_app_is_an_alias_of_python_m_twin_ops():
    """Existing users' `python -m cdk_app …` runs the same commands, exit codes included."""
    import subprocess
    import sys

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True, timeout=120)

    ran = {}
    for args, code in ((("--help",), 0), (("deploy", "--dry-run"), 0), (("no-such-command",), 2)):
        new, old = ran[args] = run("twin_ops", *args), run("cdk_app", *args)
        assert (old.returncode, old.stdout, old.stderr) == (new.returncode, new.stdout, new.stderr) and new.returncode == code, args
    assert ran[("--help",)][0].stdout.startswith("usage: python -m twin_ops ")  # the run above: no second process
