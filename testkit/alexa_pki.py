"""A local stand-in for Amazon's request signing: a real CA, intermediate and signing certificate.

Made with `cryptography` at test time, shaped like Amazon's chain (a root, an intermediate, and a leaf
for echo-api.amazon.com), so the verifier checks real signatures and real chains. `FakeAmazonCertServer`
is the one test double: it plays Amazon's certificate host so no test touches the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.web.verify import RequestRejected

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-kindwell-test.pem"
TEST_SKILL_ID = "amzn1.ask.skill.8f2c1d9e-5b7a-4c3e-9d1f-2a6b8c0e4f71"  # the fixtures' skill id
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name per test session (key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "KindWell Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    path_length: int | None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(EPOCH - dt.timedelta(days=365))
        .not_valid_after(EPOCH + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@cache
def root_ca(name: str = "root") -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A self-signed root (cached per name)."""
    key = rsa_key(name)
    return _ca_cert(f"KindWell Test Root {name}", key, None, key, None), key


@cache
def intermediate_ca(root_name: str = "root") -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """An intermediate CA under a root, like Amazon's RSA 2048 M0x under Amazon Root CA 1."""
    root, root_key = root_ca(root_name)
    key = rsa_key(f"intermediate-{root_name}")
    return _ca_cert(f"KindWell Test Intermediate {root_name}", key, root, root_key, 0), key


@dataclass(frozen=True)
class SigningIdentity:
    """A signing certificate with its chain and key: what Amazon holds when it signs a request."""

    chain_pem: bytes
    key: rsa.RSAPrivateKey
    cert_url: str = CERT_URL

    def signature(self, body: bytes) -> str:
        """Base64 RSA PKCS#1 v1.5 signature over SHA-256 of body, as in Signature-256."""
        return base64.b64encode(self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")

    def headers(self, body: bytes) -> dict[str, str]:
        """The headers Alexa sends with a signed request."""
        return {
            "Content-Type": "application/json",
            "SignatureCertChainUrl": self.cert_url,
            "Signature-256": self.signature(body),
        }


def signing_identity(
    *,
    san: tuple[str, ...] = ("echo-api.amazon.com",),
    not_before: dt.datetime = EPOCH - dt.timedelta(days=30),
    not_after: dt.datetime = EPOCH + dt.timedelta(days=3000),
    root_name: str = "root",
    cert_url: str = CERT_URL,
) -> SigningIdentity:
    """A leaf certificate for san under the test intermediate, with the PEM chain Amazon would serve."""
    intermediate, intermediate_key = intermediate_ca(root_name)
    key = rsa_key("signer")
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(san[0] if san else "no-san"))
        .issuer_name(intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(intermediate_key.public_key()), critical=False
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), critical=False)
    leaf = builder.sign(intermediate_key, hashes.SHA256())
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, intermediate))
    return SigningIdentity(chain_pem=chain, key=key, cert_url=cert_url)


def trust_store(root_name: str = "root") -> list[x509.Certificate]:
    """The verifier's trust store in tests: only the test root."""
    return [root_ca(root_name)[0]]


@dataclass
class FakeAmazonCertServer:
    """TEST DOUBLE for Amazon's certificate host: serves chains by URL and counts downloads."""

    chains: dict[str, bytes] = field(default_factory=dict)
    fetches: list[str] = field(default_factory=list)

    def publish(self, identity: SigningIdentity, url: str | None = None) -> None:
        """Serve identity's chain at url (its own URL by default, normalised as the verifier asks)."""
        from skill.web.verify import normalize_cert_url

        self.chains[normalize_cert_url(url or identity.cert_url)] = identity.chain_pem

    def __call__(self, url: str) -> bytes:
        self.fetches.append(url)
        try:
            return self.chains[url]
        except KeyError:
            raise RequestRejected("The certificate chain could not be downloaded (HTTPError).") from None


def signed(envelope: Mapping[str, Any] | bytes, identity: SigningIdentity) -> tuple[bytes, dict[str, str]]:
    """A body and the headers that sign it."""
    body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode("utf-8")
    return body, identity.headers(body)
