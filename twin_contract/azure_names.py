"""Azure resource names derived from the twin name, within each service's length and charset rules.

Why a hash suffix: several Azure names are global DNS labels (storage accounts, function apps,
Key Vaults, Cosmos DB, IoT Hub, Digital Twins, Grafana). A short, stable hash of the twin name
and layer keeps them unique per twin and layer while every rerun of synth yields the same name
(a changed name would make Terraform replace the resource).

Shared by the Azure stacks and the operator commands, which reach the same accounts and queues.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


def stable_hash(*parts: str, length: int = 6) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _slug(text: str) -> str:
    """Lower case, `_` → `-`, no leading/trailing or doubled hyphens (valid in every DNS label)."""
    slug = re.sub(r"-{2,}", "-", text.lower().replace("_", "-")).strip("-")
    return slug or "twin"


def _cut(slug: str, length: int) -> str:
    return slug[:length].rstrip("-")


@dataclass(frozen=True)
class AzureNames:
    """Every Azure name of one layer of one twin."""

    twin: str
    layer: str  # the stack suffix: l1, l2, l3-hot, ...
    code: str  # the layer's short code for names limited to 24 characters: l1, l3h, ...

    @property
    def slug(self) -> str:
        return _slug(self.twin)

    @property
    def suffix(self) -> str:
        return stable_hash(self.twin, self.layer)

    def resource_group(self) -> str:  # 1-90: alphanumerics, - _ . ( )
        return f"{self.slug}-{self.layer}-rg"

    def plain(self, kind: str, limit: int = 60) -> str:
        """Names unique within the resource group only (identity, plan, workspace, ...)."""
        return _cut(f"{self.slug}-{self.layer}-{kind}", limit)

    def storage_account(self, kind: str = "") -> str:
        """3-24 lowercase letters and digits, globally unique."""
        tail = f"{self.code}{kind}{stable_hash(self.twin, self.layer, kind)}"
        head = re.sub(r"[^a-z0-9]", "", self.twin.lower())[: 24 - len(tail)]
        return f"{head}{tail}"

    def key_vault(self) -> str:
        """3-24 letters, digits, single hyphens; starts with a letter; globally unique."""
        tail = f"-{self.code}-{self.suffix}"
        head = _cut(self.slug, 24 - len(tail))
        head = head if head[:1].isalpha() else f"t{head}"[: 24 - len(tail)].rstrip("-")
        return f"{head}{tail}"

    def global_name(self, kind: str, limit: int = 60) -> str:
        """Globally unique DNS-label names (function app, Cosmos, IoT Hub, ADT): hash kept whole."""
        tail = f"-{kind}-{self.suffix}"
        return f"{_cut(self.slug, limit - len(tail))}{tail}"

    def grafana(self) -> str:
        """2-23 letters, digits, hyphens; starts with a letter, ends with a letter or digit."""
        tail = f"-{self.suffix}"
        head = _cut(self.slug, 23 - len(tail))
        return f"{head if head[:1].isalpha() else 'g' + head[:len(head) - 1]}{tail}"


# Storage queues of the layers' Function Apps (in each app's own storage account). The Functions
# host moves a message it failed to process maxDequeueCount times to `<queue>-poison`.
TELEMETRY_QUEUE = "telemetry"  # L1: Event Grid → dispatcher
CONNECTOR_QUEUE = "connector"  # L1: dispatcher → connector (L2 on another cloud)
PROCESSOR_QUEUE = "processor"  # L2
PERSISTER_QUEUE = "persister"
EVENT_CHECKER_QUEUE = "event-checker"
EVENT_ACTIONS_QUEUE = "event-actions"
FEEDBACK_QUEUE = "feedback"
POISON_SUFFIX = "-poison"
# Blob container (in the L1 app's account) where Event Grid dead-letters telemetry events it
# could not deliver to the telemetry queue.
TELEMETRY_DEAD_LETTER_CONTAINER = "telemetry-deadletter"
FUNCTION_STORAGE_KIND = "fn"
COSMOS_DATABASE = "twin"
COSMOS_CONTAINER = "hot"


def poison_queue_name(queue: str) -> str:
    return f"{queue}{POISON_SUFFIX}"


def function_storage_account(names: AzureNames) -> str:
    """The storage account of a layer's Function App: its queues and the host's own state."""
    return names.storage_account(FUNCTION_STORAGE_KIND)


def cosmos_account_name(names: AzureNames) -> str:
    """The hot store's Cosmos DB account (L3 hot)."""
    return names.global_name("cosmos", 44)
