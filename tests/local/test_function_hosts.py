"""The function hosts of a local run: one process per function, forked from one interpreter that
imported the platforms' libraries once (twin_ops/local/function_host.py `fork`). Each host must
see only its own environment and its own code, and stopping the server ends every host."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from twin_ops.local.function_platform import FUNCTION_HOST

HANDLER = '''import os

STARTED = os.environ.get("ONLY_MINE")  # read at import: the function's own setting, never another's


def handler(event, context):
    return {"environment": dict(os.environ), "pid": os.getpid(), "started": STARTED}
'''


def spec(tmp_path: Path, name: str) -> Path:
    code = tmp_path / name / "code"
    code.mkdir(parents=True)
    (code / "probe.py").write_text(HANDLER, "utf-8")
    document = {
        "label": f"stack/{name}", "cloud": "aws", "code": str(code), "entry": "probe.handler", "layers": [],
        "environment": {"PATH": "/usr/bin:/bin", "ONLY_MINE": name, "AWS_REGION": "us-east-1"},
        "signature_type": None, "ready_file": str(tmp_path / f"{name}.ready"), "log_file": str(tmp_path / f"{name}.log"),
        "report_url": None, "listen_fd": None, "tls": None, "hosts": {}, "grants": None, "google_clients": None,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document), "utf-8")
    return path


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_each_forked_host_sees_only_its_own_environment_and_stopping_the_server_ends_them_all(tmp_path):
    names = ("first", "second")
    specs = [spec(tmp_path, name) for name in names]
    server = subprocess.Popen([sys.executable, "-I", str(FUNCTION_HOST), "fork", *map(str, specs)],
                              env={"PATH": "/usr/bin:/bin", "ONLY_MINE": "the server's", "LEAKED": "the server's"}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"{name}.ready").is_file() for name in names):
            assert server.poll() is None and time.monotonic() < deadline, [p.read_text() for p in tmp_path.glob("*.log")]
            time.sleep(0.05)
        answers = {}
        for name in names:
            ready = json.loads((tmp_path / f"{name}.ready").read_text())
            request = urllib.request.Request(f"http://127.0.0.1:{ready['port']}/invoke", method="POST",
                                             data=json.dumps({"event": {}, "context": {}}).encode())
            answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
            assert answer["ok"], answer
            answers[name] = (ready["pid"], answer["result"])
        for name, (pid, result) in answers.items():
            assert result["environment"] == {"PATH": "/usr/bin:/bin", "ONLY_MINE": name, "AWS_REGION": "us-east-1"}
            assert result["started"] == name and result["pid"] == pid
        pids = {pid for pid, _ in answers.values()}
        assert len(pids) == 2 and server.pid not in pids
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert not any(alive(pid) for pid in pids)


def test_an_http_function_that_fails_reports_its_status_as_the_error():
    from twin_ops.local.function_host import http_error

    assert [http_error(status) for status in (200, 404, 499, 500, 503)] == [None, None, None, "HTTP 500", "HTTP 503"]
