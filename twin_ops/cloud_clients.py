"""Each cloud's clients for `status` and `redrive`, or one line saying why that cloud cannot be reached.

The commands go on with the other clouds when one has no credentials, so each cloud is opened
lazily and at most once. Credentials come from each cloud's standard chain, as for deploying:
AWS profile/environment/instance role, Azure `az login` or ARM_*/AZURE_* variables, Google
application-default credentials. The tests hand in factories over moto, Azurite and fakes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twin_model.config.model import Provider
from twin_ops.azure_storage import STORAGE_SCOPE, BlobService, QueueService, Signer, account_url, bearer

GOOGLE_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


class CloudUnavailable(RuntimeError):
    """No usable credentials (or client library) for one cloud: its line of the report."""


@dataclass
class AwsClients:
    session: Any  # boto3.Session
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        """A client in the twin's region, or in `region` (e.g. the Terraform state bucket's)."""
        key = f"{service}@{region or ''}"
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region) if region else self.session.client(service)
        return self._clients[key]


@dataclass
class AzureClients:
    signer: Signer  # storage requests
    tokens: Callable[[str], str]  # scope → bearer token (Cosmos DB)
    endpoint: Callable[[str, str], str] = account_url  # (account, service) → base URL

    def queues(self, account: str) -> QueueService:
        return QueueService(self.endpoint(account, "queue"), self.signer)

    def blobs(self, account: str) -> BlobService:
        return BlobService(self.endpoint(account, "blob"), self.signer)

    def cosmos(self, account: str, database: str, container: str) -> Any:
        from twin_ops.status.hot import CosmosHot

        return CosmosHot(self.endpoint(account, "cosmos"), database, container, self.tokens)


@dataclass
class GoogleClients:
    project: str
    credentials: Any
    _clients: dict[str, Any] = field(default_factory=dict)

    def subscriber(self) -> Any:
        if "subscriber" not in self._clients:
            from google.cloud import pubsub_v1

            self._clients["subscriber"] = pubsub_v1.SubscriberClient(credentials=self.credentials)
        return self._clients["subscriber"]

    def publisher(self) -> Any:
        if "publisher" not in self._clients:
            from google.cloud import pubsub_v1

            self._clients["publisher"] = pubsub_v1.PublisherClient(credentials=self.credentials)
        return self._clients["publisher"]

    def firestore(self, database: str) -> Any:
        key = f"firestore:{database}"
        if key not in self._clients:
            from google.cloud import firestore

            self._clients[key] = firestore.Client(project=self.project, database=database, credentials=self.credentials)
        return self._clients[key]

    def storage(self) -> Any:
        from google.cloud import storage

        return storage.Client(project=self.project, credentials=self.credentials)

    def session(self) -> Any:
        """An authorized HTTP session (Cloud Monitoring REST)."""
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self.credentials)


@dataclass
class Clouds:
    """Lazily opened clients per cloud; `open` raises CloudUnavailable with the cloud's one line."""

    factories: dict[Provider, Callable[[], Any]]
    _opened: dict[Provider, Any] = field(default_factory=dict)
    _failed: dict[Provider, CloudUnavailable] = field(default_factory=dict)

    def open(self, cloud: Provider) -> Any:
        if cloud in self._failed:
            raise self._failed[cloud]
        if cloud not in self._opened:
            try:
                self._opened[cloud] = self.factories[cloud]()
            except CloudUnavailable as error:
                self._failed[cloud] = error
                raise
        return self._opened[cloud]

    @property
    def unavailable(self) -> dict[Provider, str]:
        return {cloud: str(error) for cloud, error in self._failed.items()}


def real_clouds(aws_region: str, gcp_project: str | None) -> Clouds:
    """Each cloud opened by its own CloudOps (twin_ops.cloud_ops), on first use."""
    from twin_ops.cloud_ops import Reach, cloud_ops

    reach = Reach(aws_region, gcp_project)
    return Clouds({provider: (lambda provider=provider: cloud_ops(provider).open(reach)) for provider in Provider})


def open_aws(region: str) -> AwsClients:
    import boto3

    session = boto3.Session(region_name=region)
    if session.get_credentials() is None:
        raise CloudUnavailable(
            "AWS: no credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use an instance role)"
        )
    return AwsClients(session)


def open_azure() -> AzureClients:
    from twin_ops.post_deploy import PostDeployError

    try:
        from twin_ops.post_deploy.azure_data_plane import EntraTokens

        # DefaultAzureCredential logs every credential it tried as a warning; the line below says it once.
        logging.getLogger("azure.identity").setLevel(logging.ERROR)
        tokens = EntraTokens()
        tokens(STORAGE_SCOPE)
    except PostDeployError as error:
        raise CloudUnavailable(
            "Azure: no credentials found (run `az login`, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID)"
            if "no Azure credentials" in str(error) else f"Azure: {error}"
        ) from error
    return AzureClients(bearer(tokens), tokens)


def open_google(project: str | None) -> GoogleClients:
    try:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError
    except ImportError as error:
        raise CloudUnavailable("Google Cloud: google-auth is not installed (pip install -e '.[deploy]')") from error
    try:
        credentials, default_project = google.auth.default(scopes=list(GOOGLE_SCOPES))
    except DefaultCredentialsError as error:
        raise CloudUnavailable(
            "Google Cloud: no application-default credentials found "
            "(run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS)"
        ) from error
    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or default_project
    if not project:
        raise CloudUnavailable("Google Cloud: no project (pass --gcp-project, or set GOOGLE_CLOUD_PROJECT)")
    return GoogleClients(project, credentials)
