"""The request verifier on its own: URL rules, certificate cache, dates, and what it refuses to accept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509

from skill.errors import KindWellError
from skill.web.verify import RequestRejected, RequestVerifier, certifi_trust_store, normalize_cert_url
from testkit.alexa_pki import (
    TEST_SKILL_ID,
    FakeAmazonCertServer,
    SigningIdentity,
    signed,
    signing_identity,
    trust_store,
)

from ..conftest import load_fixture

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)

VALID_URLS = {
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "HTTPS://S3.AmazonAWS.com/echo.api/echo-api-cert.pem": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    ),
    "https://s3.amazonaws.com/echo.api/./certs/../echo-api-cert.pem": (
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    ),
}

INVALID_URLS = {
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem": "not https",
    "https://notamazon.com/echo.api/echo-api-cert.pem": "host",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem": "host",
    "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem": "host",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem": "host",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem": "path",
    "https://s3.amazonaws.com/echo.api%2F..%2Finvalid/echo-api-cert.pem": "escapes",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem": "port",
    "https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem": "port",
    "https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem": "cannot be parsed",
    "https://s3.amazonaws.com": "path",
    "ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem": "not https",
}


def launch_body(**request_fields: Any) -> dict[str, Any]:
    envelope = load_fixture("launch")
    envelope["request"].update(request_fields)
    return envelope


def verifier_for(
    *identities: SigningIdentity, clock: Any = lambda: NOW
) -> tuple[RequestVerifier, FakeAmazonCertServer]:
    amazon = FakeAmazonCertServer()
    for identity in identities:
        amazon.publish(identity)
    return RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=clock), amazon


def test_url_normalisation_accepts_exactly_amazons_valid_forms() -> None:
    assert {url: normalize_cert_url(url) for url in VALID_URLS} == VALID_URLS


@pytest.mark.parametrize(("url", "reason"), sorted(INVALID_URLS.items()))
def test_url_normalisation_rejects_every_bad_form(url: str, reason: str) -> None:
    with pytest.raises(RequestRejected, match=reason):
        normalize_cert_url(url)


def test_a_signed_request_passes_and_the_chain_is_fetched_once_per_url() -> None:
    identity = signing_identity()
    verifier, amazon = verifier_for(identity)
    for _ in range(3):
        body, headers = signed(launch_body(), identity)
        assert verifier.verify(headers, body)["request"]["type"] == "LaunchRequest"
    # Other spellings of the same URL share the cached chain.
    body, headers = signed(launch_body(), identity)
    headers["SignatureCertChainUrl"] = identity.cert_url.replace(
        "https://s3.amazonaws.com", "HTTPS://S3.amazonaws.com:443"
    )
    verifier.verify(headers, body)
    assert amazon.fetches == [identity.cert_url]


def test_header_names_are_case_insensitive() -> None:
    identity = signing_identity()
    verifier, _ = verifier_for(identity)
    body, headers = signed(launch_body(), identity)
    lowered = {key.lower(): value for key, value in headers.items()}
    assert verifier.verify(lowered, body)["request"]["type"] == "LaunchRequest"


def test_a_cached_chain_stops_being_trusted_when_its_certificate_expires() -> None:
    identity = signing_identity(not_after=NOW + dt.timedelta(minutes=10))
    clock = [NOW]
    verifier, amazon = verifier_for(identity, clock=lambda: clock[0])
    body, headers = signed(launch_body(), identity)
    verifier.verify(headers, body)
    clock[0] = NOW + dt.timedelta(minutes=11)
    late_body, late_headers = signed(launch_body(timestamp="2026-11-25T09:41:00Z"), identity)
    with pytest.raises(RequestRejected, match="validity dates"):
        verifier.verify(late_headers, late_body)
    assert len(amazon.fetches) == 2  # the expired cache entry was not reused; the fresh download was refused


def test_a_certificate_not_yet_valid_is_refused() -> None:
    identity = signing_identity(not_before=NOW + dt.timedelta(days=1))
    verifier, _ = verifier_for(identity)
    body, headers = signed(launch_body(), identity)
    with pytest.raises(RequestRejected, match="validity dates"):
        verifier.verify(headers, body)


def test_a_wildcard_san_is_not_enough() -> None:
    identity = signing_identity(san=("*.amazon.com",))
    verifier, _ = verifier_for(identity)
    body, headers = signed(launch_body(), identity)
    with pytest.raises(RequestRejected, match=r"SAN does not name echo-api\.amazon\.com"):
        verifier.verify(headers, body)


def test_a_certificate_without_san_is_refused() -> None:
    identity = signing_identity(san=())
    verifier, _ = verifier_for(identity)
    body, headers = signed(launch_body(), identity)
    with pytest.raises(RequestRejected, match="no SAN"):
        verifier.verify(headers, body)


def test_garbage_at_the_certificate_url_is_refused() -> None:
    amazon = FakeAmazonCertServer(
        chains={"https://s3.amazonaws.com/echo.api/echo-api-cert-kindwell-test.pem": b"<html/>"}
    )
    verifier = RequestVerifier(TEST_SKILL_ID, trust_store=trust_store(), fetcher=amazon, clock=lambda: NOW)
    body, headers = signed(launch_body(), signing_identity())
    with pytest.raises(RequestRejected, match="not a PEM certificate list"):
        verifier.verify(headers, body)


def test_a_signature_that_is_not_base64_is_refused() -> None:
    identity = signing_identity()
    verifier, _ = verifier_for(identity)
    body, headers = signed(launch_body(), identity)
    headers["Signature-256"] = "not base64!"
    with pytest.raises(RequestRejected, match="not base64"):
        verifier.verify(headers, body)


def test_timestamps_inside_the_150_second_window_pass() -> None:
    identity = signing_identity()
    verifier, _ = verifier_for(identity)
    for stamp in ("2026-11-25T09:27:31Z", "2026-11-25T09:32:29Z", "2026-11-25T09:30:00.123+00:00"):
        body, headers = signed(launch_body(timestamp=stamp), identity)
        assert verifier.verify(headers, body)["request"]["timestamp"] == stamp


@pytest.mark.parametrize("stamp", [None, 1764063000, "yesterday", ""])
def test_missing_or_malformed_timestamps_are_refused(stamp: Any) -> None:
    identity = signing_identity()
    verifier, _ = verifier_for(identity)
    envelope = launch_body()
    envelope["request"]["timestamp"] = stamp
    body, headers = signed(envelope, identity)
    with pytest.raises(RequestRejected, match="timestamp"):
        verifier.verify(headers, body)


def test_rejections_never_quote_the_body() -> None:
    identity = signing_identity()
    verifier, _ = verifier_for(identity)
    envelope = launch_body(timestamp="2020-01-01T00:00:00Z")
    envelope["request"]["secret"] = "I feel hopeless today"
    body, headers = signed(envelope, identity)
    with pytest.raises(RequestRejected) as caught:
        verifier.verify(headers, body)
    assert "hopeless" not in str(caught.value) and "\n" not in str(caught.value)


def test_verification_needs_a_skill_id_and_a_trust_store() -> None:
    amazon = FakeAmazonCertServer()
    with pytest.raises(KindWellError, match="set KINDWELL_SKILL_ID"):
        RequestVerifier("", trust_store=trust_store(), fetcher=amazon)
    with pytest.raises(KindWellError, match="trust store"):
        RequestVerifier(TEST_SKILL_ID, trust_store=[], fetcher=amazon)


def test_the_production_trust_store_is_certifis_public_roots() -> None:
    roots = certifi_trust_store()
    names = {cert.subject.rfc4514_string() for cert in roots}
    # Amazon's signing certificate chains to Amazon Root CA 1; it must be trusted in production.
    assert any("CN=Amazon Root CA 1" in name for name in names)
    assert len(roots) > 50 and all(isinstance(cert, x509.Certificate) for cert in roots)


CHEAP_FAILURES = {
    "signature not base64": ({"Signature-256": "not base64!"}, None, "not base64"),
    "signature empty": ({"Signature-256": "   "}, None, "Signature-256"),
    "certificate URL elsewhere": ({"SignatureCertChainUrl": "https://evil.example/echo.api/c.pem"}, None, "host"),
    "body not JSON": ({}, b"{not json", "not JSON"),
    "body nested too deep": ({}, b'{"a":' + b"[" * 100 + b"]" * 100 + b"}", "levels deep"),
    "body 5,000 levels deep": ({}, b"[" * 5000 + b"]" * 5000, "levels deep"),
    "number JSON cannot carry": ({}, b'{"request": {"n": 1e400}}', "number JSON cannot carry"),
    "stale timestamp": ({}, launch_body(timestamp="2020-01-01T00:00:00Z"), "150 seconds"),
    "timestamp offset of 25 hours": ({}, launch_body(timestamp="2026-11-25T09:30:00+25:00"), "not an ISO 8601"),
    "another skill": ({}, {**launch_body(), "context": {"System": {"application": {"applicationId": "x"}}}}, "skill"),
}


@pytest.mark.parametrize("case", sorted(CHEAP_FAILURES))
def test_cheap_checks_fail_before_the_certificate_chain_is_downloaded(case: str) -> None:
    identity = signing_identity()
    verifier, amazon = verifier_for(identity)
    header_changes, body, reason = CHEAP_FAILURES[case]
    raw, headers = signed(body if body is not None else launch_body(), identity)
    headers.update(header_changes)
    with pytest.raises(RequestRejected, match=reason):
        verifier.verify(headers, raw)
    assert amazon.fetches == []
