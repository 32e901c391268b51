"""Terraform in the pipeline's builds: a pinned release, installed only after its signature verifies."""

from __future__ import annotations

TERRAFORM_VERSION = "1.10.5"  # ≥ 1.10: S3-native state locking (use_lockfile)
# HashiCorp's release-signing key (https://www.hashicorp.com/trust/security): the checksums file
# must carry its signature before the binary's checksum is trusted.
HASHICORP_KEY_FINGERPRINT = "C874011F0AB405110D02105534365D9472D7468F"


def terraform_install_commands(version: str = TERRAFORM_VERSION) -> list[str]:
    """Download Terraform, verify the signed checksums, then the zip, then install it."""
    base = f"https://releases.hashicorp.com/terraform/{version}/terraform_{version}"
    return [
        "cd /tmp",
        f"curl -fsSLO {base}_linux_amd64.zip -O {base}_SHA256SUMS -O {base}_SHA256SUMS.sig",
        "curl -fsSL https://www.hashicorp.com/.well-known/pgp-key.txt | gpg --batch --import",
        f"gpg --batch --with-colons --fingerprint | grep -q '^fpr:*{HASHICORP_KEY_FINGERPRINT}:'",
        f"gpg --batch --verify terraform_{version}_SHA256SUMS.sig terraform_{version}_SHA256SUMS",
        f"grep ' terraform_{version}_linux_amd64.zip$' terraform_{version}_SHA256SUMS | sha256sum -c -",
        f"unzip -o -d /usr/local/bin terraform_{version}_linux_amd64.zip",
        "cd -",
    ]
