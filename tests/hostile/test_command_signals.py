"""Issue #28: every process an operator command starts ends with it, on success, failure, Ctrl-C
and SIGTERM, tested with real processes and real signals.

The command is `python -m twin_ops` itself; the tools it starts are shell scripts standing in for
terraform and the CDK CLI that leave a background process behind (as a careless script or a
plugin would) and write every pid they start. A background process of a non-interactive shell
ignores SIGINT, so only ending the whole process group ends it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import suppress
from pathlib import Path

import pytest

from twin_model.config import load_project
from twin_model.config.model import Layer
from twin_model.topology import plan_project
from tests.conftest import EXAMPLE, REPO

pytestmark = pytest.mark.slow

LONG_TOOL = """\
#!/bin/sh
sleep 600 >/dev/null 2>&1 &
echo $! >> "{pids}"
echo $$ >> "{pids}"
sleep 600
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to read its status has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def pids_in(file: Path) -> list[int]:
    return [int(line) for line in file.read_text().split()] if file.exists() else []


def tool(folder: Path, name: str, script: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(script))
    path.chmod(0o755)
    return path


def as_from_a_terminal(ignored: tuple[int, ...] = ()) -> None:
    """In the child before exec: Ctrl-C acts, as for a terminal's foreground job, whatever the test
    runner inherited (a shell script's background job, such as `make test &`, ignores SIGINT, and so
    would every command it starts; a test run under `nohup` ignores SIGHUP); `ignored` as `nohup`
    would ignore SIGHUP."""
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    for signum in ignored:
        signal.signal(signum, signal.SIG_IGN)


def command(args: list[str], cwd: Path, driver: str | None = None, ignored: tuple[int, ...] = ()) -> subprocess.Popen[str]:
    """`python -m twin_ops ARGS` (or a driver script calling its main), in a session of its own so the
    test can clean up after a failure, started as from a terminal (with `ignored` ignored)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "AWS_EC2_METADATA_DISABLED": "true"}
    argv = [sys.executable, "-c", driver, *args] if driver else [sys.executable, "-m", "twin_ops", *args]
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: as_from_a_terminal(ignored))


def test_the_commands_start_with_ctrl_c_acting_even_when_the_test_runner_ignores_it(tmp_path, reaped):
    """`make test &` from a script runs pytest with SIGINT ignored; the Ctrl-C tests below then
    hung 60 s each (Python keeps an inherited SIG_IGN), unless the command starts as from a terminal."""
    driver = "import signal, sys; sys.exit(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = command([], tmp_path, driver=driver)
    finally:
        signal.signal(signal.SIGINT, before)
    reaped.append(process)
    process.communicate(timeout=60)
    assert process.returncode == 1


def session(sid: int) -> list[int]:
    """Every process of a session (the command, its tools and whatever they started)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


@pytest.fixture
def reaped():
    """Every session the test started ends, whatever the test found."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        for pid in session(process.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def google_project(tmp_path_factory) -> tuple[Path, Path]:
    """The Google example and a Terraform output folder holding its L1 stack's folder."""
    root = tmp_path_factory.mktemp("signals")
    project = Path(shutil.copytree(REPO / "examples" / "factory-floor-gcp", root / "project"))
    stack = plan_project(load_project(project)).stack_name(Layer.L1)
    (root / "tf" / "stacks" / stack).mkdir(parents=True)
    return project, root / "tf"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "Ctrl-C", "SIGHUP"])
def test_a_stopped_post_deploy_ends_terraform_and_what_it_started(google_project, tmp_path, reaped, signum):
    project, tf_out = google_project
    pids = tmp_path / "pids"
    terraform = tool(tmp_path, "terraform", LONG_TOOL.format(pids=pids))
    process = command(["post-deploy", "gcp-device-registry", "--project", str(project), "--tf-out", str(tf_out),
                       "--terraform", str(terraform)], tmp_path)
    reaped.append(process)
    wait_for(lambda: len(pids_in(pids)) == 2, 60, "the tool to start")
    process.send_signal(signum)  # to the command only, as a terminal or a process manager would
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and "interrupted" in err, err
    wait_for(lambda: not any(alive(pid) for pid in pids_in(pids)), 5, "the tool and its background process to end")


DEPLOY_DRIVER = """\
import sys
import twin_ops.cli as cli
from twin_ops.deploy import Step
cli.plan_steps = lambda topology, action, settings: [Step("*", (sys.argv[1],))]
sys.exit(cli.main(["deploy", "--project", sys.argv[2]]))
"""


@pytest.mark.parametrize("exit_status, expected", [(0, 0), (3, 1)], ids=["success", "failure"])
def test_a_deploy_step_leaves_no_process_behind_when_it_ends(tmp_path, reaped, exit_status, expected):
    pids = tmp_path / "pids"
    step = tool(tmp_path, "step", f'#!/bin/sh\nsleep 600 >/dev/null 2>&1 &\necho $! >> "{pids}"\nexit {exit_status}\n')
    process = command([str(step), str(EXAMPLE)], tmp_path, driver=DEPLOY_DRIVER)
    reaped.append(process)
    _, err = process.communicate(timeout=120)
    assert process.returncode == expected, err
    assert "Traceback" not in err
    (pid,) = pids_in(pids)
    wait_for(lambda: not alive(pid), 5, "the step's background process to end")


def test_a_deploy_stopped_with_sigterm_ends_its_step(tmp_path, reaped):
    pids = tmp_path / "pids"
    step = tool(tmp_path, "step", LONG_TOOL.format(pids=pids))
    process = command([str(step), str(EXAMPLE)], tmp_path, driver=DEPLOY_DRIVER)
    reaped.append(process)
    wait_for(lambda: len(pids_in(pids)) == 2, 60, "the step to start")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "Traceback" not in err and "interrupted (SIGTERM)" in err
    wait_for(lambda: not any(alive(pid) for pid in pids_in(pids)), 5, "the step and its background process to end")


def test_a_deploy_under_nohup_outlives_a_hangup_and_still_stops_on_sigterm(tmp_path, reaped):
    """`nohup` ignores SIGHUP so that a deploy outlives its terminal: the command keeps it ignored.
    SIGHUP then SIGTERM: a command that handled SIGHUP would stop with it first (129)."""
    pids = tmp_path / "pids"
    step = tool(tmp_path, "step", LONG_TOOL.format(pids=pids))
    process = command([str(step), str(EXAMPLE)], tmp_path, driver=DEPLOY_DRIVER, ignored=(signal.SIGHUP,))
    reaped.append(process)
    wait_for(lambda: len(pids_in(pids)) == 2, 60, "the step to start")
    process.send_signal(signal.SIGHUP)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "interrupted (SIGTERM)" in err, err
    wait_for(lambda: not any(alive(pid) for pid in pids_in(pids)), 5, "the step and its background process to end")


def test_a_tool_that_ignores_the_signal_is_killed_after_the_grace_period(tmp_path, reaped):
    """terraform may take its time to release a lock; a tool that never ends is killed all the same."""
    pids = tmp_path / "pids"
    step = tool(tmp_path, "step", f"#!/bin/sh\ntrap '' INT TERM\necho $$ >> \"{pids}\"\nwhile :; do sleep 1; done\n")
    driver = DEPLOY_DRIVER.replace("import twin_ops.cli as cli", "import twin_ops.cli as cli\nimport twin_ops.processes as p\n"
                                   "p.GRACE_SECONDS = 1.0\np.run.__defaults__ = (None, False, 1.0)")
    process = command([str(step), str(EXAMPLE)], tmp_path, driver=driver)
    reaped.append(process)
    wait_for(lambda: len(pids_in(pids)) == 1, 60, "the step to start")
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and time.monotonic() - started < 10, err
    wait_for(lambda: not alive(pids_in(pids)[0]), 5, "the step to be killed")


SIGNAL_WHILE_STARTING = """\
import os, signal, subprocess, sys
import twin_ops.processes as p

class Starting(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        os.kill(os.getpid(), int(sys.argv[2]))  # the signal comes before Popen has returned

p.subprocess.Popen = Starting
with p.stopping_on_signals():
    try:
        p.run([sys.argv[1]], grace=1.0)
    except KeyboardInterrupt as stop:
        sys.exit(p.exit_code(stop))
sys.exit(0)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_while_the_child_starts_still_ends_it(tmp_path, reaped, signum):
    """Raised inside Popen, the signal once left the child unknown and running, holding the command's
    output open: a tool that ignores SIGTERM kept its caller waiting for ever."""
    pids = tmp_path / "pids"
    step = tool(tmp_path, "step", f"#!/bin/sh\ntrap '' INT TERM\necho $$ >> \"{pids}\"\nwhile :; do sleep 1; done\n")
    process = subprocess.Popen([sys.executable, "-c", SIGNAL_WHILE_STARTING, str(step), str(int(signum))], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=as_from_a_terminal)
    reaped.append(process)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    # the step may be killed before it wrote its pid: look for it by its command line
    wait_for(lambda: not running(str(step)), 5, "the step to be killed")


def running(command_part: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with suppress(OSError):
            if command_part.encode() in cmdline.read_bytes() and (cmdline.parent / "stat").read_text().split(")")[-1].split()[0] != "Z":
                return True
    return False
