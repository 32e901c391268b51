"""The twin's device CA and the certificates it signs (X.509 with `cryptography`).

AWS IoT Core provisions a device just in time when it first connects with a certificate of a CA
registered for the twin (docs/design.md §7a). The CA is an ECDSA P-256 key, which IoT Core
accepts for CA and device certificates; a device certificate's subject common name is the device
id (the provisioning template makes the thing `<twin>-<id>` of it), so it is at most 64
characters (RFC 5280), which the loader enforces with L1 on AWS.

Keys are generated here, in memory: the CA's goes only to the cloud's secret store, a device's
only to the operator's `iot_devices_auth/` folder (mode 0600).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_YEARS = 10
DEVICE_YEARS = 5
CLOCK_SKEW = datetime.timedelta(hours=1)  # a device whose clock runs behind still accepts its certificate


@dataclass(frozen=True)
class DeviceCa:
    """`certificate_id`: IoT Core's id of the registered CA, None before registration."""

    certificate_pem: str
    private_key_pem: str
    certificate_id: str | None = None

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    @cached_property
    def key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the device CA's key is not an EC key")
        return key

    def to_json(self) -> dict[str, str | None]:
        return {"certificate_pem": self.certificate_pem, "private_key_pem": self.private_key_pem,
                "certificate_id": self.certificate_id}

    @classmethod
    def from_json(cls, data: object) -> "DeviceCa | None":
        """The CA a secret holds, None for anything else (the stack's throwaway value)."""
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("certificate_pem", "private_key_pem")):
            return None
        identifier = data.get("certificate_id")
        return cls(data["certificate_pem"], data["private_key_pem"], identifier if isinstance(identifier, str) else None)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def new_ca(twin: str, now: datetime.datetime | None = None) -> DeviceCa:
    now = now or _now()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "multicloud-digital-twin"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{twin} device CA"[:64]),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return DeviceCa(certificate.public_bytes(serialization.Encoding.PEM).decode(), _pem(key))


def _signed(ca: DeviceCa, common_name: str, public_key: ec.EllipticCurvePublicKey, years: int,
            now: datetime.datetime, client: bool) -> x509.Certificate:
    ca_certificate = ca.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + datetime.timedelta(days=365 * years), ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if client:
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(ca.key, hashes.SHA256())


def verification_certificate(ca: DeviceCa, registration_code: str, now: datetime.datetime | None = None) -> str:
    """Proof that the registrant holds the CA's key: a certificate of the account's registration
    code (GetRegistrationCode), signed by the CA (IoT Core's DEFAULT certificate mode)."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _signed(ca, registration_code, key.public_key(), 1, now or _now(), client=False)
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class DeviceCertificate:
    certificate_pem: str
    private_key_pem: str


def issue(ca: DeviceCa, device_id: str, now: datetime.datetime | None = None) -> DeviceCertificate:
    """A new key and a client certificate for `device_id`, signed by the twin's CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _signed(ca, device_id, key.public_key(), DEVICE_YEARS, now or _now(), client=True)
    return DeviceCertificate(certificate.public_bytes(serialization.Encoding.PEM).decode(), _pem(key))


def issued_by(ca: DeviceCa, certificate_pem: str, device_id: str, now: datetime.datetime | None = None) -> bool:
    """True when `certificate_pem` is a valid certificate of `device_id`, signed by this CA."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    moment = now or _now()
    return (
        [n.value for n in names] == [device_id]
        and certificate.not_valid_before_utc <= moment + CLOCK_SKEW
        and moment < certificate.not_valid_after_utc - datetime.timedelta(days=30)  # renew a month ahead
    )


def common_name(certificate_pem: str) -> str | None:
    names = x509.load_pem_x509_certificate(certificate_pem.encode()).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if len(names) == 1 else None
