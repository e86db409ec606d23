"""The demo's signing certificates: a demo CA and the demo province's certificate it issued, in var/signing/.

Both say in their names that they have no legal value. The province's key and certificate (with the CA's) are in
a PKCS#12 file, demo-province.p12, whose password is settings.DEMO_SIGNING_PASSWORD (the defaults of
SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD when DEBUG is on); the CA's certificate is demo-ca.pem (the
default trust root then). The CA's key is not kept: renewing means making both again.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

NOT_LEGAL = "DEMO — không có giá trị pháp lý"
# A common name has at most 64 bytes: the CA's says it all, the province's says DEMO (its organisation the rest).
CA_NAME = f"CA {NOT_LEGAL}"
# The issuer of the decisions: the province police (Công an), not its People's Committee.
PROVINCE_NAME = "Công an thành phố Cần Thơ (DEMO)"
CA_FILE, PKCS12_FILE, CERTIFICATE_FILE = "demo-ca.pem", "demo-province.p12", "demo-province.pem"
CA_DAYS, PROVINCE_DAYS = 10 * 365, 3 * 365
# Renewed when the province's certificate has less than this left.
RENEW_BEFORE = datetime.timedelta(days=30)


@dataclass(frozen=True)
class DemoSigning:
    directory: Path
    created: bool

    @property
    def ca(self) -> Path:
        return self.directory / CA_FILE

    @property
    def pkcs12(self) -> Path:
        return self.directory / PKCS12_FILE

    @property
    def certificate(self) -> Path:
        return self.directory / CERTIFICATE_FILE


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, NOT_LEGAL),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "modelphuong"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign_documents,
        content_commitment=sign_documents,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign_documents,
        crl_sign=not sign_documents,
        encipher_only=False,
        decipher_only=False,
    )


def _still_good(directory: Path, password: str, now: datetime.datetime) -> bool:
    try:
        ca = x509.load_pem_x509_certificate((directory / CA_FILE).read_bytes())
        key, certificate, _ = pkcs12.load_key_and_certificates(
            (directory / PKCS12_FILE).read_bytes(), password.encode()
        )
    except (OSError, ValueError):
        return False
    return (
        key is not None
        and certificate is not None
        and certificate.issuer == ca.subject
        and certificate.subject == _name(PROVINCE_NAME)  # made again when the demo's name changes
        and certificate.not_valid_after_utc - RENEW_BEFORE > now
        and ca.not_valid_after_utc > certificate.not_valid_after_utc
    )


def ensure_demo_signing(directory: Path | None = None, password: str | None = None) -> DemoSigning:
    """Make the demo CA and province certificate unless they are there and valid for a while yet (idempotent)."""
    directory = Path(directory or settings.SIGNING_DIR)
    password = settings.DEMO_SIGNING_PASSWORD if password is None else password
    now = datetime.datetime.now(datetime.UTC)
    if _still_good(directory, password, now):
        return DemoSigning(directory=directory, created=False)
    directory.mkdir(parents=True, exist_ok=True)
    start = now - datetime.timedelta(days=1)  # a little clock skew between machines

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign_documents=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(PROVINCE_NAME))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=PROVINCE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign_documents=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        b"demo-province", key, certificate, [ca], serialization.BestAvailableEncryption(password.encode())
    )
    # Written under temporary names and renamed: a reader never sees a CA from one run and a key from another.
    files = {
        CA_FILE: ca.public_bytes(serialization.Encoding.PEM),
        CERTIFICATE_FILE: certificate.public_bytes(serialization.Encoding.PEM),
        PKCS12_FILE: bundle,
    }
    for name, content in files.items():
        temporary = directory / f".{name}.tmp"
        temporary.write_bytes(content)
        temporary.chmod(0o600)
    for name in files:
        (directory / f".{name}.tmp").replace(directory / name)
    return DemoSigning(directory=directory, created=True)
