"""End to end through the real entry point: `python app.py` as the CDK CLI runs it.

Three subprocess runs (a bad project, the all-AWS example, a multi-cloud variant), each shared by
the tests of its module-scoped fixture; plus two in-process synths for stack placement. The
all-AWS example is the README's `node_modules/.bin/cdk synth -c project=…` run in a copy of the
repository (the CDK CLI starting `python3 app.py`, which switches to `.venv/bin/python`), made once
per test run for this module and tests/commands/test_readme_commands.py (tests.commands.conftest.
run_once); the multi-cloud run goes through the shared synth cache, so once per test run too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from twin_model.config.model import Layer
from tests import synth_cache
from tests.commands.conftest import CDK_CLI_PROJECT, CDK_CLI_SYNTH, run_once
from tests.conftest import ALL_AWS, EXAMPLE, REPO, WITHOUT_EVENTS, write_project

TWIN = "factory-floor"
LAYER_SUFFIXES = ["l1", "l2", "l3-hot", "l3-cold", "l3-archive", "l4", "l5"]
STACKS = [f"{TWIN}-{suffix}" for suffix in LAYER_SUFFIXES]
TERRAFORM_PROVIDER = {"azure": "azurerm", "google": "google"}
ALARM_EMAIL = "twin-operators@example.com"  # config_user.json admin_email of the multi-cloud run
MULTI_CLOUD = {
    "layer_1_provider": "aws",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "google",
    "layer_3_cold_provider": "google",
    "layer_3_archive_provider": "azure",
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}


@dataclass(frozen=True)
class Run:
    returncode: int
    stderr: str
    out: Path
    tf: Path
    stdout: str = ""
    cwd: Path = REPO  # where it ran: the printed paths are relative to it (or absolute)

    def succeeded(self) -> "Run":
        assert self.returncode == 0, f"app.py exited {self.returncode}:\n{self.stderr[-3000:]}"
        return self

    def template(self, stack: str) -> Path:
        return self.out / f"{stack}.template.json"

    def terraform(self, stack: str) -> Path:
        return self.tf / "stacks" / stack / "cdk.tf.json"

    def stack_environments(self) -> dict[str, str]:
        """Top-level CloudFormation stacks of the cloud assembly (nested stacks are not listed) -> env."""
        manifest = json.loads((self.out / "manifest.json").read_text())
        return {
            name: artifact["environment"]
            for name, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }

    def cloudformation_stacks(self) -> set[str]:
        stacks = set(self.stack_environments())
        assert all(self.template(stack).is_file() for stack in stacks)
        return stacks

    def terraform_stacks(self) -> set[str]:
        return {p.parent.name for p in self.tf.glob("stacks/*/cdk.tf.json")}


def run_app(project: Path, workdir: Path, **env: str) -> Run:
    out, tf = workdir / "out", workdir / "tf"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    clean.update(
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CDK_CONTEXT_JSON=json.dumps({"project": str(project), "tf_outdir": str(tf)}),
        CDK_OUTDIR=str(out),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=clean, capture_output=True, text=True, timeout=600
    )
    return Run(done.returncode, done.stderr, out, tf, done.stdout)


def run_app_once(project: Path, **env: str) -> Run:
    """run_app once per test run, whichever worker asks first (the shared synth cache holds its
    output): a module's tests may be spread over several workers."""

    def produce(folder: Path) -> None:
        ran = run_app(project, folder, **env)
        synth_cache.write_json(folder / "run.json", {"returncode": ran.returncode, "stderr": ran.stderr, "stdout": ran.stdout})

    folder = synth_cache.entry(synth_cache.key("app-py", project, env), produce)
    ran = json.loads((folder / "run.json").read_text())
    return Run(ran["returncode"], ran["stderr"], folder / "out", folder / "tf", ran["stdout"])


def providers_by_stack(providers: dict) -> dict[str, str]:
    return {f"{TWIN}-{layer.value}": providers[layer.config_key] for layer in Layer}


# --- (a) a bad project ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory) -> Run:
    workdir = tmp_path_factory.mktemp("bad")
    devices = json.loads((EXAMPLE / "config_iot_devices.json").read_text())
    devices.append({"id": "press-01", "properties": []})
    project = write_project(
        workdir / "project", {**ALL_AWS, "layer_4_provider": "google"}, config_iot_devices=devices
    )
    return run_app_once(project)  # once per test run, though its two tests may run on two workers


def test_bad_project_exits_1_with_one_report_naming_file_and_path(bad_run):
    assert bad_run.returncode == 1
    assert "has 2 problems:" in bad_run.stderr
    assert "config_iot_devices.json $[4].id: " in bad_run.stderr
    assert "config_providers.json $.layer_4_provider: " in bad_run.stderr
    assert "Traceback" not in bad_run.stderr


def test_bad_project_writes_nothing(bad_run):
    assert not bad_run.tf.exists()
    assert not bad_run.out.exists(), f"partial output: {sorted(p.name for p in bad_run.out.iterdir())}"


# --- (b) the all-AWS example ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def aws_run() -> Run:
    """The README's CDK CLI synth of the all-AWS example: its outputs where the CLI and cdk.json put them."""
    assert REPO / CDK_CLI_PROJECT == EXAMPLE
    ran = run_once(CDK_CLI_SYNTH, CDK_CLI_PROJECT)
    return Run(ran.returncode, ran.stderr, ran.cwd / "cdk.out", ran.cwd / "cdktf.out", ran.stdout, cwd=ran.cwd)


def test_all_aws_example_synthesizes_seven_cloudformation_stacks(aws_run):
    assert aws_run.succeeded().cloudformation_stacks() == set(STACKS)
    for stack in STACKS:
        assert isinstance(json.loads(aws_run.template(stack).read_text()), dict)
    assert not aws_run.tf.exists() or aws_run.terraform_stacks() == set()


def test_all_aws_example_prints_the_summary_table(aws_run):
    lines = aws_run.succeeded().stderr.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["stack", "cloud", "resources", "output"])
    rows = lines[header + 1 : header + 8]
    assert {row.split()[0] for row in rows} == set(STACKS)
    for row in rows:
        name, cloud, count, output = row.split()
        assert cloud == "AWS" and count.isdigit()
        assert aws_run.cwd / output == aws_run.template(name)
    assert "bridges: none (neighbouring layers share a cloud)" in aws_run.stderr
    assert "Traceback" not in aws_run.stderr


def test_all_aws_example_writes_the_topology_diagram(aws_run):
    diagram = (aws_run.succeeded().out / "topology.md").read_text()
    assert "```mermaid\nflowchart LR\n" in diagram
    assert 'subgraph aws["AWS"]' in diagram
    (named,) = [line.removeprefix("topology diagram: ") for line in aws_run.stderr.splitlines() if line.startswith("topology diagram: ")]
    assert aws_run.cwd / named == aws_run.out / "topology.md"


# --- (c) a multi-cloud variant -------------------------------------------------------------------


@pytest.fixture(scope="module")
def multi_run(tmp_path_factory) -> Run:
    workdir = tmp_path_factory.mktemp("multi")
    administrator = {"admin_email": ALARM_EMAIL, "admin_first_name": "Ada", "admin_last_name": "Lovelace"}
    project = write_project(workdir / "project", MULTI_CLOUD, **WITHOUT_EVENTS, config_user=administrator)
    return run_app_once(project, AWS_REGION="ap-southeast-2", CDK_DEFAULT_REGION="us-east-1")


def test_multi_cloud_puts_each_stack_on_its_side(multi_run):
    multi_run.succeeded()
    clouds = providers_by_stack(MULTI_CLOUD)
    assert multi_run.cloudformation_stacks() == {s for s, c in clouds.items() if c == "aws"}
    assert multi_run.terraform_stacks() == {s for s, c in clouds.items() if c != "aws"}


def test_multi_cloud_terraform_stacks_use_their_clouds_provider(multi_run):
    multi_run.succeeded()
    for stack, cloud in providers_by_stack(MULTI_CLOUD).items():
        if cloud != "aws":
            document = json.loads(multi_run.terraform(stack).read_text())
            assert TERRAFORM_PROVIDER[cloud] in document["provider"], stack


def test_multi_cloud_region_comes_from_aws_region(multi_run):
    environments = multi_run.succeeded().stack_environments()
    assert set(environments) == {f"{TWIN}-l1", f"{TWIN}-l4", f"{TWIN}-l5"}
    assert all(env.endswith("/ap-southeast-2") for env in environments.values()), environments


def test_multi_cloud_summary_lists_the_bridges(multi_run):
    multi_run.succeeded()
    for connection_id in ("aws_l1_to_azure_l2", "azure_l2_to_google_l3_hot", "google_l3_cold_to_azure_l3_archive",
                          "google_l3_to_aws_l4_hot_reader"):
        assert f"  {connection_id}: " in multi_run.stderr
    assert "Google Cloud" in multi_run.stderr and "Azure" in multi_run.stderr


def test_the_alarm_email_is_in_the_templates_but_never_printed(multi_run):
    """README, Alarms: the address goes into the synthesized files only, on every cloud of the twin."""
    multi_run.succeeded()
    assert ALARM_EMAIL not in multi_run.stderr and ALARM_EMAIL not in multi_run.stdout
    assert ALARM_EMAIL not in (multi_run.out / "topology.md").read_text()
    holding = {path.name for path in multi_run.out.glob("*.template.json") if ALARM_EMAIL in path.read_text()}
    holding |= {path.parent.name for path in multi_run.tf.glob("stacks/*/cdk.tf.json") if ALARM_EMAIL in path.read_text()}
    # The first stack of each cloud in deploy order (l3-archive, l3-cold, l3-hot, l4, l2, l1, l5).
    assert holding == {f"{TWIN}-l4.template.json", f"{TWIN}-l3-archive", f"{TWIN}-l3-cold"}


# --- stack placement for more combinations (in-process, cached per session) ----------------------

PLACEMENTS = [
    pytest.param(
        {"layer_1_provider": "google", "layer_2_provider": "google", "layer_3_hot_provider": "azure",
         "layer_3_cold_provider": "aws", "layer_3_archive_provider": "google", "layer_4_provider": "azure",
         "layer_5_provider": "azure"},
        WITHOUT_EVENTS,
        {},
        id="google-front-azure-twin",
    ),
    pytest.param(
        {"layer_1_provider": "azure", "layer_2_provider": "aws", "layer_3_hot_provider": "aws",
         "layer_3_cold_provider": "azure", "layer_3_archive_provider": "aws", "layer_4_provider": "azure",
         "layer_5_provider": "aws"},
        {},
        # The example returns feedback to devices: the L1 feedback receiver is a stack on L1's cloud.
        {f"{TWIN}-l1-feedback": "azure"},
        id="aws-core-azure-edges",
    ),
]


@pytest.mark.parametrize("providers, overrides, parts", PLACEMENTS)
def test_stack_placement(synth_project, providers, overrides, parts):
    synthesized = synth_project(providers, **overrides)
    clouds = {**providers_by_stack(providers), **parts}
    assert {s.stack_name for s in synthesized.assembly.stacks} == {s for s, c in clouds.items() if c == "aws"}
    on_terraform = {p.parent.name for p in synthesized.tf_outdir.glob("stacks/*/cdk.tf.json")}
    assert on_terraform == {s for s, c in clouds.items() if c != "aws"}
    for stack in on_terraform:
        assert TERRAFORM_PROVIDER[clouds[stack]] in synthesized.terraform(stack)["provider"], stack
