"""Verify that a request really comes from Alexa, following Amazon's checklist for web-service skills.

Amazon signs every request it sends to a skill hosted as a web service. Before the skill sees a request
we check, cheapest first, so that nothing is downloaded for a request that fails a free check: both
signature headers present and `Signature-256` base64, the certificate chain URL's shape, the body
(a JSON object, nesting at most MAX_NESTING deep), the request timestamp and the skill id; then the
chain itself (downloaded once per URL; trusted root, dates, echo-api SAN) and the signature over the
raw body. Any failure raises `RequestRejected` with one sentence that is safe to log (it never quotes
the body).

The trust store and the certificate fetcher are parameters, so tests and benchmarks can use their own
CA and a stand-in for Amazon's certificate server without touching the network.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import posixpath
import ssl
import threading
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

from ..errors import KindWellError
from ..state import as_moment
from .addressing import RequestRejected, application_id, check_skill_id

__all__ = [
    "RequestRejected",
    "RequestVerifier",
    "application_id",
    "certifi_trust_store",
    "check_skill_id",
    "https_cert_fetcher",
    "normalize_cert_url",
    "parse_envelope",
    "parse_timestamp",
]

SIGNING_DOMAIN = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
TIMESTAMP_TOLERANCE_SECONDS = 150.0
#: Skill events (AlexaSkillEvent.*, such as SkillDisabled) can reach the skill up to an hour after
#: they happen, Amazon's skill-events documentation says; their timestamps get that much room.
SKILL_EVENT_TOLERANCE_SECONDS = 3600.0
MAX_CHAIN_BYTES = 64 * 1024
#: Deepest nesting of lists and objects accepted in a body; Alexa's envelopes nest about 8 deep.
MAX_NESTING = 32

CertFetcher = Callable[[str], bytes]
"""Downloads the PEM certificate chain at a (validated, normalised) URL."""
Clock = Callable[[], dt.datetime]


class HeaderSource(Protocol):
    """Anything with header items: a dict, or Werkzeug's case-insensitive Headers."""

    def items(self) -> Iterable[tuple[str, str]]: ...


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@lru_cache(maxsize=64)
def normalize_cert_url(url: str) -> str:
    """The canonical form of a SignatureCertChainUrl, or RequestRejected when Amazon's rules forbid it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RequestRejected("The certificate chain URL cannot be parsed.") from None
    if parts.scheme.lower() != "https":
        raise RequestRejected("The certificate chain URL is not https.")
    if (parts.hostname or "").lower() != CERT_HOST or parts.username is not None or parts.password is not None:
        raise RequestRejected(f"The certificate chain URL's host is not {CERT_HOST}.")
    if port is not None and port != 443:
        raise RequestRejected("The certificate chain URL's port is not 443.")
    # Percent escapes and backslashes could hide dot segments from the normalisation below.
    if "%" in parts.path or "\\" in parts.path:
        raise RequestRejected("The certificate chain URL's path contains escapes.")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX):
        raise RequestRejected(f"The certificate chain URL's path does not start with {CERT_PATH_PREFIX}.")
    return f"https://{CERT_HOST}{path}"


def certifi_trust_store() -> list[x509.Certificate]:
    """The public roots shipped by certifi, which include the roots Amazon's signing certificate chains to."""
    import certifi

    with open(certifi.where(), "rb") as bundle:
        pem = bundle.read()
    roots: list[x509.Certificate] = []
    end = b"-----END CERTIFICATE-----"
    # Parsed one by one: a few old roots break RFC 5280 (e.g. a zero serial), which cryptography
    # warns about now and will refuse later; one such root must not take the whole store down.
    for block in pem.split(end)[:-1]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(block + end))
            except ValueError:
                continue
    return roots


def https_cert_fetcher(url: str, timeout_seconds: float = 5.0) -> bytes:
    """Download a certificate chain over TLS checked against certifi's roots (the production fetcher)."""
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds, context=context) as response:
            data: bytes = response.read(MAX_CHAIN_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise RequestRejected(f"The certificate chain could not be downloaded ({type(err).__name__}).") from None
    if len(data) > MAX_CHAIN_BYTES:
        raise RequestRejected("The certificate chain is too large.")
    return data


@dataclass(frozen=True)
class _Signer:
    """A signing key whose chain has been validated, and how long that validation may be reused."""

    public_key: rsa.RSAPublicKey
    not_before: dt.datetime
    """Latest notBefore in the chain."""
    not_after: dt.datetime
    """Earliest notAfter in the chain."""
    reuse_until: dt.datetime


class RequestVerifier:
    """Checks signature, certificate chain, timestamp and skill id of raw Alexa requests."""

    def __init__(
        self,
        skill_id: str,
        *,
        trust_store: Sequence[x509.Certificate],
        fetcher: CertFetcher,
        clock: Clock = _utcnow,
        tolerance_seconds: float = TIMESTAMP_TOLERANCE_SECONDS,
        reuse_seconds: float = 3600.0,
        max_cached_urls: int = 16,
    ) -> None:
        if not skill_id:
            raise KindWellError(
                "Request verification needs the skill id: set KINDWELL_SKILL_ID to your amzn1.ask.skill... id."
            )
        if not trust_store:
            raise KindWellError("The trust store for Alexa request verification is empty.")
        self.skill_id = skill_id
        self._store = Store(list(trust_store))
        self._fetcher = fetcher
        self._clock = clock
        self._tolerance = dt.timedelta(seconds=tolerance_seconds)
        self._reuse = dt.timedelta(seconds=reuse_seconds)
        self._max_cached = max_cached_urls
        # Validating a chain costs far more than checking a signature, and Amazon rotates its
        # certificate rarely, so each URL's validated key is kept (bounded, least recently used).
        self._signers: OrderedDict[str, _Signer] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, headers: HeaderSource, body: bytes) -> dict[str, Any]:
        """The request envelope, once every check has passed; RequestRejected otherwise."""
        lowered = {key.lower(): value for key, value in headers.items()}
        url = lowered.get("signaturecertchainurl")
        if not url:
            raise RequestRejected("The request has no SignatureCertChainUrl header.")
        signature_b64 = lowered.get("signature-256")
        if not signature_b64:
            if lowered.get("signature"):
                raise RequestRejected("The request has only the SHA-1 Signature header, not Signature-256.")
            raise RequestRejected("The request has no Signature-256 header.")
        # Everything that costs nothing is checked before the certificate chain is downloaded.
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise RequestRejected("The Signature-256 header is not base64.") from None
        if not signature:
            raise RequestRejected("The Signature-256 header is empty.")
        cert_url = normalize_cert_url(url)
        envelope = parse_envelope(body)
        now = self._clock()
        self._check_timestamp(envelope, now)
        check_skill_id(envelope, self.skill_id)
        signer = self._signer(cert_url, now)
        if not signer.not_before <= now <= signer.not_after:
            raise RequestRejected("The signing certificate is outside its validity dates.")
        try:
            signer.public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise RequestRejected("The Signature-256 header does not match the request body.") from None
        return envelope

    def _signer(self, url: str, now: dt.datetime) -> _Signer:
        with self._lock:
            cached = self._signers.get(url)
            if cached is not None and now < cached.reuse_until:
                self._signers.move_to_end(url)
                return cached
        signer = self._validate_chain(self._fetcher(url), now)
        with self._lock:
            self._signers[url] = signer
            self._signers.move_to_end(url)
            while len(self._signers) > self._max_cached:
                self._signers.popitem(last=False)
        return signer

    def _validate_chain(self, pem: bytes, now: dt.datetime) -> _Signer:
        try:
            certificates = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise RequestRejected("The certificate chain is not a PEM certificate list.") from None
        leaf, intermediates = certificates[0], certificates[1:]
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise RequestRejected("The signing certificate is outside its validity dates.")
        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise RequestRejected(f"The signing certificate has no SAN naming {SIGNING_DOMAIN}.") from None
        # Exact name only: the checklist asks for echo-api.amazon.com itself, not a wildcard covering it.
        if SIGNING_DOMAIN not in {name.lower() for name in san.get_values_for_type(x509.DNSName)}:
            raise RequestRejected(f"The signing certificate's SAN does not name {SIGNING_DOMAIN}.")
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise RequestRejected("The signing certificate does not hold an RSA key.")
        # cryptography's Web PKI verifier builds the path to a trusted root, checks every signature,
        # every certificate's dates and the CA constraints; it replaces a hand-written chain walk.
        verifier = PolicyBuilder().store(self._store).time(now).build_server_verifier(DNSName(SIGNING_DOMAIN))
        try:
            chain = verifier.verify(leaf, intermediates)
        except VerificationError as err:
            raise RequestRejected(f"The certificate chain does not validate to a trusted root ({err}).") from None
        return _Signer(
            public_key=public_key,
            not_before=max(cert.not_valid_before_utc for cert in chain),
            not_after=min(cert.not_valid_after_utc for cert in chain),
            reuse_until=min(now + self._reuse, min(cert.not_valid_after_utc for cert in chain)),
        )

    def _check_timestamp(self, envelope: dict[str, Any], now: dt.datetime) -> None:
        request = envelope.get("request")
        raw = request.get("timestamp") if isinstance(request, dict) else None
        if not isinstance(raw, str):
            raise RequestRejected("The request has no timestamp.")
        stamp = parse_timestamp(raw)
        if stamp is None:
            raise RequestRejected("The request timestamp is not an ISO 8601 time.")
        tolerance = self._tolerance
        kind = request.get("type") if isinstance(request, dict) else None
        if isinstance(kind, str) and kind.startswith("AlexaSkillEvent."):
            tolerance = max(tolerance, dt.timedelta(seconds=SKILL_EVENT_TOLERANCE_SECONDS))
        if abs(now - stamp) > tolerance:
            seconds = round(tolerance.total_seconds())
            raise RequestRejected(f"The request timestamp is more than {seconds} seconds from now.")


def parse_timestamp(raw: str) -> dt.datetime | None:
    """An ISO 8601 request timestamp in UTC, or None when it is not one (or not a real moment, like a +25:00
    offset or year 1): read as the skill's typed state reads it (skill.state.as_moment)."""
    try:
        return as_moment(dt.datetime.fromisoformat(raw))
    except ValueError:
        return None


class _NotFinite(ValueError):
    """A JSON number too large for a float (1e400), or the non-JSON NaN and Infinity."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _not_json(name: str) -> float:
    raise _NotFinite(name)


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """True when lists and objects in value nest more than limit levels deep (counted without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def parse_envelope(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object, or RequestRejected saying why it is not one."""
    try:
        # Alexa sends UTF-8; json.loads on bytes would also guess UTF-16/32, which nothing here expects.
        envelope = json.loads(body.decode("utf-8"), parse_float=_finite, parse_constant=_not_json)
    except _NotFinite:
        raise RequestRejected("The request body holds a number JSON cannot carry.") from None
    except RecursionError:
        raise RequestRejected(f"The request body nests more than {MAX_NESTING} levels deep.") from None
    except (ValueError, UnicodeDecodeError):
        raise RequestRejected("The request body is not JSON.") from None
    if not isinstance(envelope, dict):
        raise RequestRejected("The request body is not a JSON object.")
    # ask-sdk copies session attributes recursively: deep nesting must stop here, not in its deepcopy.
    if nesting_depth_exceeds(envelope, MAX_NESTING):
        raise RequestRejected(f"The request body nests more than {MAX_NESTING} levels deep.")
    return envelope
