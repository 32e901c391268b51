"""A throwaway certificate authority for one local run: the TLS of Azurite, the Azure stand-ins,
the function hosts that serve HTTPS and the MQTT broker, trusted by the local functions only
(SSL_CERT_FILE / REQUESTS_CA_BUNDLE point at it; nothing is installed on the machine).

The CA and the client certificates are the twin's own device CA and device certificates
(twin_ops/post_deploy/device_ca.py); only the server certificate, with its names, is made here."""

from __future__ import annotations

import datetime
import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin_ops.post_deploy.device_ca import DeviceCa

LOOPBACK_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class LocalTls:
    ca_file: Path
    cert_file: Path  # one server certificate for every local name
    key_file: Path

    def client_certificate(self, directory: Path, common_name: str) -> tuple[Path, Path]:
        """A client certificate (device identity for the MQTT broker) signed by the local CA."""
        from twin_ops.post_deploy.device_ca import issue

        issued = issue(_authority(self.ca_file), common_name)
        return _write(directory, common_name, issued.certificate_pem, issued.private_key_pem)


@functools.lru_cache(maxsize=8)
def _authority(ca_file: Path) -> DeviceCa:
    """The CA, read once per run (a fleet gets a certificate per device)."""
    from twin_ops.post_deploy.device_ca import DeviceCa

    return DeviceCa(ca_file.read_text("utf-8"), (ca_file.parent / "ca.key").read_text("utf-8"))


def _write(directory: Path, stem: str, cert: str, key: str) -> tuple[Path, Path]:
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_text(cert, "utf-8")
    key_file.write_text(key, "utf-8")
    key_file.chmod(0o600)
    return cert_file, key_file


def make_tls(directory: Path, names: Sequence[str] = ()) -> LocalTls:
    """A CA and one server certificate valid for loopback and `names` (emulated cloud host names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from twin_ops.post_deploy.device_ca import new_ca

    directory.mkdir(parents=True, exist_ok=True)
    ca = new_ca("local run")
    ca_file, _ = _write(directory, "ca", ca.certificate_pem, ca.private_key_pem)
    alternatives: list[x509.GeneralName] = []
    for name in dict.fromkeys([*LOOPBACK_NAMES, *names]):
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    cert_file, key_file = _write(directory, "server", cert.public_bytes(serialization.Encoding.PEM).decode(), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    return LocalTls(ca_file, cert_file, key_file)
