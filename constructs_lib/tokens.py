"""Tokens generated at deploy time by Terraform stacks (bridge receivers, dashboards, callbacks).

One length for every token of the twin (twin_contract.wire.TOKEN_LENGTH), letters and digits only
so no header or URL encoding can mangle it; the value exists in Terraform state and Key Vault only.
"""

from __future__ import annotations

from constructs import Construct

from twin_contract.wire import TOKEN_LENGTH


def generated_token(scope: Construct, id: str) -> str:
    """A `random_password` at `scope`/`id`; returns its Terraform reference."""
    from cdktn_provider_random.password import Password

    return Password(scope, id, length=TOKEN_LENGTH, special=False).result
