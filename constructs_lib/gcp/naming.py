"""Google names live in twin_contract.gcp_names (the operator commands need them too)."""

from twin_contract.gcp_names import (  # noqa: F401
    HASH_LENGTH,
    NAME_MAX,
    SERVICE_ACCOUNT_MAX,
    bucket_name,
    fit,
    resource_name,
    service_account_id,
    short_hash,
    slug,
)

__all__ = [
    "HASH_LENGTH", "NAME_MAX", "SERVICE_ACCOUNT_MAX", "bucket_name", "fit", "resource_name", "service_account_id",
    "short_hash", "slug",
]
