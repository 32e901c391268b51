"""Google Cloud clients, created on first use and reused for the life of the function instance.

Tests replace these factories (fake Firestore, the storage emulator, fake Pub/Sub).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def firestore(database: str) -> Any:
    from google.cloud import firestore as firestore_lib

    return firestore_lib.Client(database=database)


@functools.cache
def storage() -> Any:
    from google.cloud import storage as storage_lib  # type: ignore[attr-defined]  # no type information

    return storage_lib.Client()


@functools.cache
def publisher() -> Any:
    from google.cloud import pubsub_v1  # type: ignore[attr-defined]  # no type information

    return pubsub_v1.PublisherClient()


@functools.cache
def secret_manager() -> Any:
    from google.cloud import secretmanager

    return secretmanager.SecretManagerServiceClient()
