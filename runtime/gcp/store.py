"""The hot store of this deployment, from HOT_DATABASE and HOT_COLLECTION."""

from __future__ import annotations

from runtime.core.config import Environment
from runtime.gcp import clients
from runtime.gcp.firestore_store import FirestoreHotStore
from twin_contract.functions import HOT_COLLECTION, HOT_DATABASE


def store_settings(env: Environment) -> tuple[str, str]:
    return env.required(HOT_DATABASE), env.required(HOT_COLLECTION)


def hot_store(database: str, collection: str, retention_days: int | None = None) -> FirestoreHotStore:
    return FirestoreHotStore(clients.firestore(database), collection, retention_days)
