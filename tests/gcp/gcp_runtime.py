"""Test doubles for the Google runtime: functions-framework servers on 127.0.0.1, fakes of
Secret Manager, Pub/Sub and ID tokens, and the GCS emulator (gcp-storage-emulator)."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from runtime.core.http_client import InterCloudClient, RetryPolicy

REPO = Path(__file__).resolve().parents[2]
BUNDLE_MAIN = REPO / "runtime" / "gcp" / "bundle_root" / "main.py"
TOKEN = "gcp-test-token-0123456789"
TOKEN_SECRET = "projects/twin-project/secrets/twin-inbound-token"
FAST_RETRIES = RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.02, deadline=3.0, timeout=3.0)
HANDLER_VARIABLES = (
    "TWIN_NAME", "LOG_LEVEL", "TARGET_URL", "DEAD_LETTER_TOPIC", "MAX_DELIVERY_AGE_SECONDS", "REMOTE_URL",
    "REMOTE_TOKEN_SECRET", "INBOUND_TOKEN_SECRET", "PROCESSOR_URL", "PERSISTER_URL", "PROJECT_BUNDLE_DIR",
    "HOT_DATABASE", "HOT_COLLECTION", "HOT_RETENTION_DAYS", "EVENT_CHECKER_URL", "ACTION_URLS", "WORKFLOW_NAME",
    "FEEDBACK_URL", "FEEDBACK_TOPIC", "COLD_BUCKET_NAME", "ARCHIVE_BUCKET_NAME", "COLD_RETENTION_DAYS",
    "TWIN_UPDATE_URL", "TWIN_UPDATE_TOKEN_SECRET", "DEVICE_REGISTRY_BUCKET", "DEVICE_FEEDBACK_URL",
    "DEVICE_FEEDBACK_TOKEN_SECRET",
)


class FakeSecretManager:
    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.reads = values, []

    def access_secret_version(self, name: str) -> Any:
        self.reads.append(name)
        secret = name.split("/versions/")[0]
        return SimpleNamespace(payload=SimpleNamespace(data=self.values[secret].encode()))


@dataclass
class FakePublisher:
    messages: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def publish(self, topic: str, data: bytes, **attributes: str) -> Any:
        self.messages.append((topic, data, attributes))
        return SimpleNamespace(result=lambda timeout=None: str(len(self.messages)))


def device_list(storage: Any, bucket: str, device_ids: list[str]) -> None:
    """The twin's device list as the gcp-device-registry step leaves it (in the storage emulator)."""
    from twin_contract.gcp_names import DEVICE_REGISTRY_OBJECT

    storage.create_bucket(bucket).blob(DEVICE_REGISTRY_OBJECT).upload_from_string(json.dumps(device_ids))


class FunctionServer:
    """One handler of runtime.gcp served by functions-framework's own app on a loopback port."""

    def __init__(self, target: str, signature_type: str = "http") -> None:
        import functions_framework
        from werkzeug.serving import make_server

        sys.modules.pop(f"runtime.gcp.{target}", None)  # a cold start: the environment is read again
        app = functions_framework.create_app(target=target, source=str(BUNDLE_MAIN), signature_type=signature_type)
        self.module = sys.modules[f"runtime.gcp.{target}"]
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/"

    def client(self, token: str = TOKEN) -> InterCloudClient:
        return InterCloudClient(self.url, lambda: token, FAST_RETRIES)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


