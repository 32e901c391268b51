"""A throwaway certificate authority for one local run: the TLS of Azurite, the Azure stand-ins,
the function hosts that serve HTTPS and the MQTT broker, trusted by the local functions only
(SSL_CERT_FILE / REQUESTS_CA_BUNDLE point at it; nothing is installed on the machine)."""

from __future__ import annotations

import datetime
import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOOPBACK_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class LocalTls:
    ca_file: Path
    cert_file: Path  # one server certificate for every local name
    key_file: Path

    def client_certificate(self, directory: Path, common_name: str) -> tuple[Path, Path]:
        """A client certificate (device identity for the MQTT broker) signed by the local CA."""
        ca_cert, ca_key = _authority(self.ca_file)
        cert, key = _issue(common_name, [], ca_cert, ca_key, client=True)
        cert_file, key_file = directory / f"{common_name}.crt", directory / f"{common_name}.key"
        cert_file.write_bytes(cert)
        key_file.write_bytes(key)
        key_file.chmod(0o600)
        return cert_file, key_file


@functools.lru_cache(maxsize=8)
def _authority(ca_file: Path) -> tuple[Any, Any]:
    """The CA's certificate and key, read once per run (a fleet gets a certificate per device)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return x509.load_pem_x509_certificate(ca_file.read_bytes()), load_pem_private_key((ca_file.parent / "ca.key").read_bytes(), None)


def make_tls(directory: Path, names: Sequence[str] = ()) -> LocalTls:
    """A CA and one server certificate valid for loopback and `names` (emulated cloud host names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "digital twin local run CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False,
        ), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "ca.key").write_bytes(ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    (directory / "ca.key").chmod(0o600)
    cert, key = _issue("localhost", [*LOOPBACK_NAMES, *names], ca_cert, ca_key)
    cert_file, key_file = directory / "server.crt", directory / "server.key"
    cert_file.write_bytes(cert)
    key_file.write_bytes(key)
    key_file.chmod(0o600)
    return LocalTls(ca_file, cert_file, key_file)


def _issue(common_name: str, names: Sequence[str], ca_cert, ca_key, client: bool = False) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
        ), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if names:
        alternatives = []
        for name in dict.fromkeys(names):
            try:
                alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternatives.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
