"""Senders of Azure's side of a bridge: the URL from the app settings, the token from Key Vault."""

from runtime.azure.environment import SOURCE_CLOUD
from runtime.azure.keyvault import get_secret
from runtime.core.bridge_clients import BridgeClients

BRIDGE_CLIENTS = BridgeClients(SOURCE_CLOUD, get_secret)
