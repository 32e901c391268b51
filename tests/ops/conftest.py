"""Fixtures of the operator-command tests: the bundled examples synthesized once per session
(shared with the stack tests' caches when they run in the same session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthesized_examples(tmp_path_factory, example):
    """Example name → what its synth wrote (CDK assembly and/or Terraform JSON)."""
    from tests.conftest import synthesize_example
    from tests.gcp.synth import synth_variant

    return {
        "factory-floor": example,
        "factory-floor-aws-azure": synthesize_example("factory-floor-aws-azure", tmp_path_factory),
        "factory-floor-azure": synthesize_example("factory-floor-azure", tmp_path_factory),
        "factory-floor-gcp": synth_variant("example", tmp_path_factory),
    }


# -- Azurite (Storage emulator: queues and blobs) ---------------------------------------------------

import base64  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from twin_model.config.model import Layer  # noqa: E402
from tests.conftest import REPO  # noqa: E402
from twin_contract.azure_names import AzureNames, function_storage_account  # noqa: E402
from twin_ops.local.services import free_port  # noqa: E402

AZURE_TWIN = "factory-floor-az"
# The example Azure twin's Function App accounts, so the commands reach them under their own names.
AZURITE_ACCOUNTS = tuple(function_storage_account(AzureNames(AZURE_TWIN, layer.value, layer.code)) for layer in (Layer.L1, Layer.L2))
AZURITE_KEY = base64.b64encode(b"twin-ops-tests-" + b"k" * 49).decode()




@dataclass(frozen=True)
class Azurite:
    queue_port: int
    blob_port: int

    def endpoint(self, account: str, service: str) -> str:
        port = self.queue_port if service == "queue" else self.blob_port
        return f"http://127.0.0.1:{port}/{account}"

    @staticmethod
    def signer(method: str, url: str, headers: dict[str, str]) -> dict[str, str]:
        """Shared Key of the account named by the path (Azurite only: the twin's accounts take Entra ID)."""
        from runtime.azure.blob_storage import shared_key

        account = urlsplit(url).path.split("/")[1]
        return shared_key(account, AZURITE_KEY)(method, url, headers)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    local = REPO / "node_modules" / ".bin" / "azurite"
    if not local.exists() or shutil.which("node") is None:
        pytest.fail("Azurite is not installed: run `make install` (npm ci puts it into node_modules)")
    ports = [free_port() for _ in range(3)]
    env = {**os.environ, "AZURITE_ACCOUNTS": ";".join(f"{a}:{AZURITE_KEY}" for a in AZURITE_ACCOUNTS)}
    process = subprocess.Popen(
        [str(local), "--blobHost", "127.0.0.1", "--blobPort", str(ports[0]), "--queueHost", "127.0.0.1",
         "--queuePort", str(ports[1]), "--tableHost", "127.0.0.1", "--tablePort", str(ports[2]),
         "--location", str(tmp_path_factory.mktemp("azurite")), "--silent", "--skipApiVersionCheck", "--loose"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    for port in ports[:2]:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail("Azurite did not start")
                time.sleep(0.2)
    yield Azurite(queue_port=ports[1], blob_port=ports[0])
    # Azurite's SIGTERM closes its servers gracefully, waiting for the keep-alive connections this
    # process holds (10 s in every worker's teardown): its data is a scratch folder, so kill it.
    process.kill()
    process.wait()
