"""Names in the connection registry, shared by every cloud's stacks (docs/design.md §4).

Receivers publish their endpoint URL to SSM Parameter Store and their token to Secrets Manager
under these names; senders on any cloud read them from the same place.
"""

from __future__ import annotations

URL_KEY = "url"
LAST_ENTRY_URL_KEY = "last-entry-url"


def url_parameter_name(twin_name: str, connection_id: str, key: str = URL_KEY) -> str:
    return f"/{twin_name}/inter-cloud/{connection_id}/{key}"


def token_secret_name(twin_name: str, connection_id: str) -> str:
    return f"{twin_name}/inter-cloud/{connection_id}/token"


def connection_id(source_cloud: str, source_segment: str, target_cloud: str, target_segment: str) -> str:
    """`<cloud>_<layer>_to_<cloud>_<layer>`: names a bridge in the registry, in logs and in the summary."""
    return f"{source_cloud}_{source_segment}_to_{target_cloud}_{target_segment}"
