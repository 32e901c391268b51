"""The twin's functions: each role, the handler module that runs it on each cloud, and the names
of the settings (environment variables) the stacks set and the handlers read.

One table for both sides: the Azure app's module list (`runtime/azure/function_app.py`), the
Google bundle's entry points (`runtime/gcp/bundle_root/main.py`) and the AWS handler strings
derive from ROLES; the stacks write settings under these constants and the handlers read them
(docs/runtime-contract.md has what each setting holds).
"""

from __future__ import annotations

from dataclasses import dataclass

from twin_contract.azure_names import (
    EVENT_ACTIONS_QUEUE, EVENT_CHECKER_QUEUE, FEEDBACK_QUEUE, PERSISTER_QUEUE, PROCESSOR_QUEUE,
)
from twin_contract.registry import URL_KEY

AWS, AZURE, GOOGLE = "aws", "azure", "google"
CLOUDS = (AWS, AZURE, GOOGLE)

# Every function.
TWIN_NAME = "TWIN_NAME"
LOG_LEVEL = "LOG_LEVEL"
PROJECT_BUNDLE_DIR = "PROJECT_BUNDLE_DIR"

# Bridges: a sender's settings are <prefix>_URL (and _LAST_ENTRY_URL) and <prefix>_TOKEN_SECRET,
# the latter a secret NAME; a receiver's token secret name is INBOUND_TOKEN_SECRET (or a setting of
# its own where one app receives several bridges).
REMOTE = "REMOTE"
TWIN_UPDATE = "TWIN_UPDATE"  # the persister's second bridge (L2 → Azure Digital Twins)
DEVICE_FEEDBACK = "DEVICE_FEEDBACK"  # L2's feedback function → L1's feedback receiver
DASHBOARD = "DASHBOARD"  # Grafana's data source → the dashboard readers (no function sends)


def url_setting(prefix: str, key: str = URL_KEY) -> str:
    """The sender's setting holding the receiver's URL of registry key `key`: REMOTE_URL, REMOTE_LAST_ENTRY_URL, ..."""
    return f"{prefix}_{key.upper().replace('-', '_')}"


def token_setting(prefix: str) -> str:
    """The sender's setting naming its copy of the token (a secret name, never the value)."""
    return f"{prefix}_TOKEN_SECRET"


REMOTE_URL = url_setting(REMOTE)
REMOTE_LAST_ENTRY_URL = url_setting(REMOTE, "last-entry-url")
REMOTE_TOKEN_SECRET = token_setting(REMOTE)
TWIN_UPDATE_URL = url_setting(TWIN_UPDATE)
TWIN_UPDATE_TOKEN_SECRET = token_setting(TWIN_UPDATE)
DEVICE_FEEDBACK_URL = url_setting(DEVICE_FEEDBACK)
DEVICE_FEEDBACK_TOKEN_SECRET = token_setting(DEVICE_FEEDBACK)
DASHBOARD_TOKEN_SECRET = "DASHBOARD_TOKEN_SECRET"  # Azure L3 hot app: the dashboard readers' own token
INBOUND_TOKEN_SECRET = "INBOUND_TOKEN_SECRET"
WRITER_TOKEN_SECRET = "WRITER_TOKEN_SECRET"  # Azure L3 hot app: the hot writer's own token
UPDATER_TOKEN_SECRET = "UPDATER_TOKEN_SECRET"  # Azure L4 app: the ADT updater's own token

# The next function of the data path.
TARGET_FUNCTION_NAME = "TARGET_FUNCTION_NAME"  # AWS dispatcher: processor or connector
TARGET_QUEUE_URL = "TARGET_QUEUE_URL"  # Azure dispatcher
TARGET_URL = "TARGET_URL"  # Google dispatcher
PROCESSOR_FUNCTION_NAME = "PROCESSOR_FUNCTION_NAME"
PROCESSOR_URL = "PROCESSOR_URL"
PERSISTER_FUNCTION_NAME = "PERSISTER_FUNCTION_NAME"
PERSISTER_URL = "PERSISTER_URL"
EVENT_CHECKER_FUNCTION_NAME = "EVENT_CHECKER_FUNCTION_NAME"
EVENT_CHECKER_URL = "EVENT_CHECKER_URL"
LOCAL_READER_FUNCTION_NAME = "LOCAL_READER_FUNCTION_NAME"
DEAD_LETTER_TOPIC = "DEAD_LETTER_TOPIC"
MAX_DELIVERY_AGE_SECONDS = "MAX_DELIVERY_AGE_SECONDS"

# Event rules and their actions.
ACTION_FUNCTION_PREFIX = "ACTION_FUNCTION_PREFIX"  # AWS: `<prefix><functionName>`
ACTION_URLS = "ACTION_URLS"  # Google: JSON object of function name → URL
ACTION_TOKEN_SECRET = "ACTION_TOKEN_SECRET"  # Azure: the event actions' HTTP token
WORKFLOW_ARN = "WORKFLOW_ARN"
WORKFLOW_NAME = "WORKFLOW_NAME"
WORKFLOW_URL_SECRET = "WORKFLOW_URL_SECRET"  # Azure: the Logic App trigger URL (it carries a SAS signature)
FEEDBACK_FUNCTION_NAME = "FEEDBACK_FUNCTION_NAME"
FEEDBACK_URL = "FEEDBACK_URL"
FEEDBACK_TOPIC = "FEEDBACK_TOPIC"
DEVICE_REGISTRY_BUCKET = "DEVICE_REGISTRY_BUCKET"  # Google: the bucket of the device list (gcp_names.DEVICE_REGISTRY_OBJECT)
IOT_HUB_HOST = "IOT_HUB_HOST"
ADT_URL = "ADT_URL"

# Storage.
HOT_TABLE_NAME = "HOT_TABLE_NAME"
HOT_DATABASE = "HOT_DATABASE"
HOT_COLLECTION = "HOT_COLLECTION"
COSMOS_ENDPOINT = "COSMOS_ENDPOINT"
COSMOS_DATABASE = "COSMOS_DATABASE"
COSMOS_CONTAINER = "COSMOS_CONTAINER"
HOT_RETENTION_DAYS = "HOT_RETENTION_DAYS"
COLD_RETENTION_DAYS = "COLD_RETENTION_DAYS"
COLD_BUCKET_NAME = "COLD_BUCKET_NAME"
ARCHIVE_BUCKET_NAME = "ARCHIVE_BUCKET_NAME"
COLD_CONTAINER_URL = "COLD_CONTAINER_URL"
ARCHIVE_CONTAINER_URL = "ARCHIVE_CONTAINER_URL"

# Azure: the app's Key Vault, the modules it runs, and the URLs of its Storage queues (the
# function app host adds `<QUEUE>_QUEUE_URL` for each queue of twin_contract.azure_names it creates).
KEY_VAULT_URI = "KEY_VAULT_URI"
DT_FUNCTIONS = "DT_FUNCTIONS"


def queue_url_setting(queue: str) -> str:
    return f"{queue.upper().replace('-', '_')}_QUEUE_URL"


PROCESSOR_QUEUE_URL = queue_url_setting(PROCESSOR_QUEUE)
PERSISTER_QUEUE_URL = queue_url_setting(PERSISTER_QUEUE)
EVENT_CHECKER_QUEUE_URL = queue_url_setting(EVENT_CHECKER_QUEUE)
EVENT_ACTIONS_QUEUE_URL = queue_url_setting(EVENT_ACTIONS_QUEUE)
FEEDBACK_QUEUE_URL = queue_url_setting(FEEDBACK_QUEUE)


@dataclass(frozen=True)
class FunctionRole:
    """One job of the twin; `modules` names its handler module on each cloud that runs it
    (AWS `runtime.aws.<module>.handler`, Azure `runtime.azure.functions.<module>`, Google the
    entry point `<module>` of `runtime.gcp`)."""

    name: str
    modules: tuple[tuple[str, str], ...]

    @property
    def route(self) -> str:
        """Its HTTP route where it has one (Azure `POST /api/<route>`): `hot_writer` → `hot-writer`."""
        return self.name.replace("_", "-")

    def module(self, cloud: str) -> str:
        try:
            return dict(self.modules)[cloud]
        except KeyError:
            raise KeyError(f"the {self.name} function does not run on {cloud}") from None


def _everywhere(name: str, azure: str | None = None) -> FunctionRole:
    return FunctionRole(name, ((AWS, name), (AZURE, azure or name), (GOOGLE, name)))


DISPATCHER = _everywhere("dispatcher")
CONNECTOR = _everywhere("connector")
INGESTION = _everywhere("ingestion")
PROCESSOR = _everywhere("processor")
PERSISTER = _everywhere("persister")
EVENT_CHECKER = _everywhere("event_checker")
EVENT_ACTION = FunctionRole("event_action", ((AZURE, "event_action"),))  # AWS, Google: user functions
FEEDBACK = _everywhere("feedback")
FEEDBACK_RECEIVER = _everywhere("feedback_receiver")  # L1's side of the L2 → L1 feedback bridge
HOT_WRITER = _everywhere("hot_writer")
HOT_READER = _everywhere("hot_reader")
HOT_READER_LAST_ENTRY = _everywhere("hot_reader_last_entry", azure="hot_reader")  # one Azure module serves both
HOT_TO_COLD = _everywhere("hot_to_cold")
COLD_WRITER = _everywhere("cold_writer")
COLD_TO_ARCHIVE = _everywhere("cold_to_archive")
ARCHIVE_WRITER = _everywhere("archive_writer")
# Grafana's readers of a hot store on another cloud: Azure has its own app functions; AWS and
# Google serve them from their hot reader code (the same query, another token).
DASHBOARD_READER = FunctionRole("dashboard_reader", ((AZURE, "dashboard_reader"),))
DASHBOARD_READER_LAST_ENTRY = FunctionRole("dashboard_reader_last_entry", ((AZURE, "dashboard_reader"),))
ADT_UPDATER = FunctionRole("adt_updater", ((AZURE, "adt_updater"),))  # Azure Digital Twins only
# L4 is never on Google Cloud.
DT_DATA_CONNECTOR = FunctionRole("dt_data_connector", ((AWS, "dt_data_connector"), (AZURE, "dt_data_connector")))
DT_DATA_CONNECTOR_LAST_ENTRY = FunctionRole(
    "dt_data_connector_last_entry", ((AWS, "dt_data_connector_last_entry"), (AZURE, "dt_data_connector"))
)

# Grafana's data source: the sending end of the dashboard readers' bridge, a managed service's, so
# no handler of ours runs it (not in ROLES; the bridge alarms count no sender line for it).
DASHBOARD_SOURCE = FunctionRole("dashboard_source", ())

ROLES: tuple[FunctionRole, ...] = (
    DISPATCHER, CONNECTOR, INGESTION, PROCESSOR, PERSISTER, EVENT_CHECKER, EVENT_ACTION, FEEDBACK,
    FEEDBACK_RECEIVER, HOT_WRITER, HOT_READER, HOT_READER_LAST_ENTRY, HOT_TO_COLD, COLD_WRITER, COLD_TO_ARCHIVE,
    ARCHIVE_WRITER, DASHBOARD_READER, DASHBOARD_READER_LAST_ENTRY, ADT_UPDATER, DT_DATA_CONNECTOR, DT_DATA_CONNECTOR_LAST_ENTRY,
)


def handler_modules(cloud: str) -> tuple[str, ...]:
    """The handler modules of `cloud`, each once, in the order of ROLES."""
    modules = [dict(role.modules)[cloud] for role in ROLES if cloud in dict(role.modules)]
    return tuple(dict.fromkeys(modules))
