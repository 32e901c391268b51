"""Issue #28: the operator commands with hostile folders and arguments exit 0/1/2 (3 where a command
documents it) with a message, never a traceback.

In-process through the command line's `main`: what is checked is its handling of what a user
types, which the process adds nothing to (the real-signal tests run the process). No cloud is
reached: credential chains are emptied and the clouds of `status` and `redrive` are unavailable.
Each case names the exit codes it may end with and a fragment of the message it must print.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from twin_model.config import load_project
from twin_model.config.model import Layer, Provider
from twin_model.topology import plan_project
from tests.conftest import EXAMPLE, REPO
from twin_ops import cloud_clients as clouds_module
from twin_ops.cli import main
from twin_model.deploy_plan import POST_DEPLOY_STEPS

GCP = REPO / "examples" / "factory-floor-gcp"


@dataclass(frozen=True)
class Place:
    """The folder every case's paths live in."""

    root: Path

    def __truediv__(self, name: str) -> str:
        return str(self.root / name)


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Place:
    root = tmp_path_factory.mktemp("arguments")
    (root / "a-file").write_text("mine\n")
    (root / "empty").mkdir()
    (root / "dangling").symlink_to(root / "nothing-here")
    (root / "loop").symlink_to(root / "loop")
    os.mkfifo(root / "fifo")
    server = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        server.bind("socket")
    finally:
        os.chdir(cwd)
        server.close()
    (root / "config-is-a-folder").mkdir()
    (root / "config-is-a-folder" / "config.json").mkdir()
    project = Path(shutil.copytree(EXAMPLE, root / "project", ignore=shutil.ignore_patterns("iot_devices_auth")))
    auth = project / "iot_devices_auth"
    auth.mkdir()
    for name, text in {"not-json": "{", "list": "[]", "no-devices": '{"cloud": "aws", "twin": "t"}',
                       "bad-cloud": '{"cloud": "moon", "twin": "t", "devices": {}}',
                       "key-outside": '{"cloud": "aws", "twin": "t", "mqtt": {"host": "h"}, "devices": '
                                      '{"press-01": {"certificate": "../../../../etc/passwd", "private_key": "k"}}}',
                       "absolute-key": '{"cloud": "azure", "twin": "t", "mqtt": {"host": "h"}, "devices": '
                                       '{"press-01": {"shared_access_key": "/root/.ssh/id_rsa"}}}',
                       "port-text": '{"cloud": "aws", "twin": "t", "mqtt": {"host": "h", "port": "x"}, "devices": {}}',
                       "unknown-field": '{"cloud": "aws", "twin": "t", "devices": {"press-01": {"token": "x"}}}'}.items():
        (root / f"simulator-{name}").mkdir()
        shutil.copytree(project, root / f"simulator-{name}" / "p", ignore=shutil.ignore_patterns("iot_devices_auth"))
        (root / f"simulator-{name}" / "p" / "iot_devices_auth").mkdir()
        (root / f"simulator-{name}" / "p" / "iot_devices_auth" / "simulator.json").write_text(text)
    payloads = root / "payloads-not-json" / "p"
    shutil.copytree(project, payloads)
    (payloads / "iot_devices_auth" / "simulator.json").write_text('{"cloud": "aws", "twin": "t", "devices": {}}')
    (payloads / "iot_device_simulator" / "payloads.json").write_text("[{")
    (root / "tf-empty").mkdir()
    stack = plan_project(load_project(GCP)).stack_name(Layer.L1)
    (root / "tf-gcp" / "stacks" / stack).mkdir(parents=True)  # the L1 stack's folder `terraform show` runs in
    return Place(root)


HOSTILE_FOLDERS = {  # name → (path under the place, or absolute)
    "missing": "nothing-here", "file": "a-file", "dev-null": "/dev/null", "fifo": "fifo", "socket": "socket",
    "dangling-link": "dangling", "link-loop": "loop", "empty-folder": "empty", "config-is-a-folder": "config-is-a-folder",
    "name-too-long": "n" * 300, "path-too-long": "/".join(["d" * 200] * 30), "newline": "a\nb", "dash": "-",
    "not-utf-8": "caf\udce9", "proc": "/proc/self", "root": "/",
}


def folder(place: Place, name: str) -> str:
    path = HOSTILE_FOLDERS[name]
    return path if path.startswith("/") else place / path


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Place], list[str]]
    codes: tuple[int, ...]  # exit codes it may end with
    says: str = ""  # a fragment of what it prints (stderr and stdout)


PROJECT_COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "status": lambda p: ["status", "--project", p],
    "redrive": lambda p: ["redrive", "--project", p, "--dry-run"],
    "deploy-dry-run": lambda p: ["deploy", "--dry-run", "--project", p],
    "diff-dry-run": lambda p: ["diff", "--dry-run", "--project", p],
    "destroy-dry-run": lambda p: ["destroy", "--dry-run", "--project", p],
    "simulate": lambda p: ["simulate", "--project", p],
    **{f"post-deploy-{step.name}": (lambda p, s=step.name: ["post-deploy", s, "--project", p]) for step in POST_DEPLOY_STEPS},
    "migrate-old": lambda p: ["migrate", p, "/nonexistent/dt-migrate-new"],
}

CASES = [
    Case(f"{command}-{name}", (lambda place, c=command, n=name: PROJECT_COMMANDS[c](folder(place, n))), (1, 2))
    for command in PROJECT_COMMANDS for name in HOSTILE_FOLDERS
    if not (command == "migrate-old" and name == "root")  # / holds no project: covered by the others
] + [
    # simulate: its own file in the project folder, and its numbers
    *[Case(f"simulate-{name}", (lambda place, n=name: ["simulate", "--project", place / f"simulator-{n}/p"]), (1,), says)
      for name, says in {"not-json": "is not JSON", "list": "is not the simulator's file", "no-devices": "is not the simulator's file",
                         "bad-cloud": "is not the simulator's file", "key-outside": "is not a file name inside iot_devices_auth/",
                         "absolute-key": "is not a file name inside iot_devices_auth/", "port-text": "a port of 1-65535",
                         "unknown-field": "is not the simulator's file"}.items()],
    Case("simulate-payloads-not-json", lambda place: ["simulate", "--project", place / "payloads-not-json/p"], (1,), "is not JSON"),
    *[Case(f"simulate-count-{value}", (lambda place, v=value: ["simulate", "--project", str(EXAMPLE), "--count", v]), (2,), says)
      for value, says in {"0": "at least 1", "-1": "at least 1", "x": "a whole number", "1e3": "a whole number",
                          "99999999999999999999999": "at most 1,000,000", "": "a whole number"}.items()],
    *[Case(f"simulate-feedback-wait-{value}", (lambda place, v=value: ["simulate", "--project", str(EXAMPLE), "--feedback-wait", v]),
           (2,), says)
      for value, says in {"nan": "seconds from 0", "inf": "seconds from 0", "-1": "seconds from 0", "1e9": "seconds from 0",
                          "x": "a number of seconds"}.items()],
    Case("simulate-unknown-device", lambda place: ["simulate", "--project", str(EXAMPLE), "--device", "ghost"], (1,)),
    # redrive: the journal and the layer
    *[Case(f"redrive-journal-{name}", (lambda place, j=journal: ["redrive", "--project", str(EXAMPLE), "--journal", j(place)]),
           (2,), "cannot be the journal")
      for name, journal in {"folder": lambda p: p / "empty", "dev-null": lambda p: "/dev/null", "fifo": lambda p: p / "fifo",
                            "under-a-file": lambda p: p / "a-file/journal"}.items()],
    Case("redrive-journal-too-long", lambda place: ["redrive", "--project", str(EXAMPLE), "--journal", "j" * 300], (1, 2, 3)),
    Case("redrive-layer-unknown", lambda place: ["redrive", "--project", str(EXAMPLE), "--layer", "l9"], (2,), "invalid choice"),
    # status and redrive: where the clouds are
    *[Case(f"{command}-{option}-{label}", (lambda place, c=command, o=option, v=value: [c, "--project", str(EXAMPLE), o, v]), (3,))
      for command in ("status", "redrive") for option in ("--region", "--gcp-project")
      for label, value in {"empty": "", "path": "../../etc", "newline": "eu\nwest", "long": "r" * 5000}.items()],
    *[Case(f"status-tf-out-{name}", (lambda place, n=name: ["status", "--project", str(GCP), "--tf-out", folder(place, n)]), (1, 3))
      for name in ("file", "dev-null", "fifo", "dangling-link", "name-too-long", "empty-folder")],
    # deploy plans: what the dry run prints is the user's own text, quoted
    *[Case(f"deploy-dry-run-{option}-{label}", (lambda place, o=option, v=value: ["deploy", "--dry-run", "--project", str(EXAMPLE), o, v]),
           (0,), "receivers before senders")
      for option in ("--out", "--tf-out", "--cdk") for label, value in {"spaces": "a b; rm -rf /", "empty": "", "quote": "x'y",
                                                                          "not-utf-8": "caf\udce9"}.items()],
    # post-deploy: its tools and folders
    Case("post-deploy-unknown-step", lambda place: ["post-deploy", "nope", "--project", str(GCP)], (2,), "invalid choice"),
    Case("post-deploy-terraform-missing", lambda place: ["post-deploy", "gcp-telemetry-topic", "--project", str(GCP),
                                                         "--tf-out", place / "tf-gcp", "--terraform", place / "nothing-here"],
         (1,), "could not start"),
    Case("post-deploy-terraform-not-a-program", lambda place: ["post-deploy", "gcp-telemetry-topic", "--project", str(GCP),
                                                               "--tf-out", place / "tf-gcp", "--terraform", place / "a-file"],
         (1,), "could not start"),
    Case("post-deploy-terraform-writes-no-json", lambda place: ["post-deploy", "gcp-telemetry-topic", "--project", str(GCP),
                                                                "--tf-out", place / "tf-gcp", "--terraform", "/bin/echo"],
         (1,), "wrote no JSON state"),
    *[Case(f"post-deploy-tf-out-{name}", (lambda place, n=name: ["post-deploy", "gcp-telemetry-topic", "--project", str(GCP),
                                                                  "--tf-out", folder(place, n)]), (1,), says)
      for name, says in {"file": "is missing", "dev-null": "is missing", "missing": "is missing", "empty-folder": "is missing",
                         "name-too-long": "File name too long"}.items()],
    Case("post-deploy-wrong-cloud", lambda place: ["post-deploy", "azure-digital-twins", "--project", str(EXAMPLE)], (1,),
         "this twin's l4 is on aws"),
    # local: only what is refused before a run starts
    *[Case(f"local-{option}-{value}", (lambda place, o=option, v=value: ["local", "--project", str(EXAMPLE), o, v]), (2,))
      for option in ("--devices", "--messages", "--outage", "--timeout") for value in ("nan", "-1", "x", "1e99")],
    # the command line itself
    Case("no-command", lambda place: [], (2,), "required"),
    Case("unknown-command", lambda place: ["explode"], (2,), "invalid choice"),
    Case("unknown-option", lambda place: ["status", "--projet", str(EXAMPLE)], (2,), "unrecognized arguments"),
    Case("migrate-one-folder", lambda place: ["migrate", str(EXAMPLE)], (2,), "required"),
    Case("migrate-onto-itself", lambda place: ["migrate", str(EXAMPLE), str(EXAMPLE)], (2,), "not an empty folder"),
]


@pytest.fixture(autouse=True)
def no_cloud(monkeypatch, tmp_path):
    """No credentials anywhere, and the clouds of status and redrive unavailable at once."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "ARM_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "GCE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.chdir(tmp_path)

    def unavailable(region: str, gcp_project: str | None) -> clouds_module.Clouds:
        def refuse() -> None:
            raise clouds_module.CloudUnavailable("no credentials (test)")

        return clouds_module.Clouds(dict.fromkeys(Provider, refuse))

    monkeypatch.setattr(clouds_module, "real_clouds", unavailable)


def run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse: usage errors (2) and --help (0)
            code = exit.code if isinstance(exit.code, int) else 2
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_hostile_argument_ends_with_an_exit_code_and_a_message(case, place):
    code, printed = run(case.argv(place))  # an exception escaping main fails the test with its traceback
    assert code in case.codes, f"exit {code}\n{printed[-2000:]}"
    assert "Traceback" not in printed
    if code != 0:
        assert printed.strip(), "a failure without a message"
    assert case.says in printed, printed[-2000:]


def test_the_cases_cover_every_command_and_hostile_folder():
    ids = {case.id for case in CASES}
    assert len(CASES) >= 250
    for command in ("status", "redrive", "deploy", "diff", "destroy", "post-deploy", "simulate", "migrate", "local"):
        assert any(i.startswith(command) for i in ids), command
    assert not os.path.exists("/nonexistent/dt-migrate-new")


@pytest.mark.parametrize("program", ["nothing-here", "a-file", "empty"])
def test_a_deploy_tool_that_cannot_start_is_a_failed_step(place, monkeypatch, program):
    """`--cdk` or `--terraform` naming no program (the plan's synth step is replaced: it would synthesize)."""
    from twin_ops import cli
    from twin_ops.deploy import Step

    monkeypatch.setattr(cli, "plan_steps", lambda topology, action, settings: [Step("stack", (place / program, "deploy"))])
    code, printed = run(["deploy", "--project", str(EXAMPLE)])
    assert code == 1 and "Traceback" not in printed
    assert f"error: stack stack: `{place / program} deploy` could not start (" in printed
    assert "re-run the same command to resume" in printed
