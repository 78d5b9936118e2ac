"""TEST DOUBLE for Amazon's Alexa Settings API (Amazon's servers cannot exist here): a real HTTPS
server on loopback, with a certificate from a certificate authority made for the test."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.locality-test-token.c2lnbmF0dXJl"
DEVICE_ID = "amzn1.ask.device.ALOCALITYTESTDEVICE"
TIME_ZONE_PATH = f"/v2/devices/{DEVICE_ID}/settings/System.timeZone"


@dataclass
class LoopbackCertificates:
    """A CA made for this test and a server certificate it signed for 127.0.0.1."""

    ca_pem: bytes
    server_pem: bytes
    server_key_pem: bytes


def _certificate_authority() -> LoopbackCertificates:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "KindWell Test Settings API CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return LoopbackCertificates(
        ca_pem=ca.public_bytes(serialization.Encoding.PEM),
        server_pem=server.public_bytes(serialization.Encoding.PEM),
        server_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


@dataclass
class FakeAlexaSettingsApi:
    """TEST DOUBLE for Amazon's Alexa Settings API: answers GET .../settings/System.timeZone like Alexa does.

    It checks the path and the bearer token (401/404 otherwise, as Amazon would), then behaves as `mode` says:
    "answer" (HTTP 200 with a JSON string), "slow" (waits `delay` seconds first), "status" (HTTP `status`
    with an Alexa error body) or "not-json".
    """

    url: str
    ca_bundle: str
    mode: str = "answer"
    time_zone: str = "Europe/London"
    status: int = 403
    delay: float = 3.0
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Authorization header) of every request received."""


@pytest.fixture()
def settings_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAlexaSettingsApi]:
    """A FakeAlexaSettingsApi on an HTTPS port of 127.0.0.1, and the CA file that vouches for it."""
    authority = _certificate_authority()
    (tmp_path / "ca.pem").write_bytes(authority.ca_pem)
    (tmp_path / "server.pem").write_bytes(authority.server_pem)
    (tmp_path / "server.key").write_bytes(authority.server_key_pem)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy in the environment must not take loopback calls
    double: FakeAlexaSettingsApi

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            authorization = self.headers.get("Authorization")
            double.seen.append((self.path, authorization))
            if self.path != TIME_ZONE_PATH:
                return self._send(404, {"code": "INVALID_URI", "message": "No such setting."})
            if authorization != f"Bearer {TOKEN}":
                return self._send(401, {"code": "INVALID_TOKEN", "message": "Bad token."})
            if double.mode == "slow":
                time.sleep(double.delay)
            if double.mode == "status":
                return self._send(double.status, {"code": "INVALID_TOKEN", "message": "Refused."})
            if double.mode == "not-json":
                return self._send_raw(200, b"<html>maintenance</html>")
            return self._send(200, double.time_zone)

        def _send(self, status: int, body: object) -> None:
            self._send_raw(status, json.dumps(body).encode("utf-8"))

        def _send_raw(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the client gave up (the slow case): nothing to answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    double = FakeAlexaSettingsApi(url=f"https://127.0.0.1:{httpd.server_port}", ca_bundle=str(tmp_path / "ca.pem"))
    yield double
    httpd.shutdown()
    httpd.server_close()
