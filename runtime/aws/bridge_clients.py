"""Senders of AWS's side of a bridge: the URL from the environment, the token from Secrets Manager."""

from runtime.aws.environment import SOURCE_CLOUD
from runtime.aws.secrets import get_secret
from runtime.core.bridge_clients import BridgeClients

BRIDGE_CLIENTS = BridgeClients(SOURCE_CLOUD, get_secret)

