"""Azure names live in twin_contract.azure_names (the operator commands need them too)."""

from twin_contract.azure_names import AzureNames, stable_hash  # noqa: F401

__all__ = ["AzureNames", "stable_hash"]
