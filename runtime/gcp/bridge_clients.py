"""Senders of Google's side of a bridge: the URL from the environment, the token from Secret Manager."""

from runtime.core.bridge_clients import BridgeClients
from runtime.gcp.environment import SOURCE_CLOUD
from runtime.gcp.secrets import get_secret

BRIDGE_CLIENTS = BridgeClients(SOURCE_CLOUD, get_secret)
