"""Terraform state is remote by default, chosen by the twin's clouds, and no local path leaks."""

from __future__ import annotations

import json

import pytest

from twin_model.config.model import Provider
from cdk_app.stacks.terraform.backend import resolve_kind
from tests import found
from tests.conftest import WITHOUT_EVENTS

MIXED = {
    "layer_1_provider": "aws",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "google",
    "layer_4_provider": "aws",
}


@pytest.mark.parametrize(
    ("clouds", "expected"),
    [
        ((Provider.AWS, Provider.AZURE), "s3"),
        ((Provider.AWS, Provider.GOOGLE), "s3"),
        ((Provider.AZURE, Provider.GOOGLE), "azurerm"),
        ((Provider.AZURE,), "azurerm"),
        ((Provider.GOOGLE,), "gcs"),
    ],
)
def test_auto_backend_follows_the_clouds(clouds, expected):
    assert resolve_kind("auto", clouds) == expected


def test_explicit_backend_wins_and_unknown_is_a_clear_error():
    assert resolve_kind("gcs", (Provider.AWS,)) == "gcs"
    with pytest.raises(ValueError, match="tf_backend must be one of"):
        resolve_kind("consul", (Provider.AWS,))


def test_every_terraform_stack_uses_the_s3_backend_with_locking(synth_project):
    result = synth_project(MIXED, **WITHOUT_EVENTS)
    stacks = sorted(p.parent.name for p in result.tf_outdir.glob("stacks/*/cdk.tf.json"))
    assert stacks == ["factory-floor-l2", "factory-floor-l3-archive", "factory-floor-l3-cold", "factory-floor-l3-hot"]
    for name in stacks:
        backend = result.terraform(name)["terraform"]["backend"]
        assert backend == {
            "s3": {
                "bucket": "factory-floor-tfstate",
                "key": f"{name}.tfstate",
                "region": "eu-central-1",
                "encrypt": True,
                "use_lockfile": True,
            }
        }


def test_no_absolute_local_path_in_terraform_output(synth_project):
    result = synth_project(MIXED, **WITHOUT_EVENTS)
    workdir = str(result.tf_outdir.parent)
    for stack_json in found(result.tf_outdir.glob("stacks/*/cdk.tf.json"), "Terraform stacks"):
        text = stack_json.read_text()
        assert workdir not in text, stack_json
        assert '"/' not in json.dumps(json.loads(text)["terraform"]), stack_json
