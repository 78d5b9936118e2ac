"""The two apps the endpoint benchmark serves with identical gunicorn settings.

`skill_app()` is the real endpoint (`skill.web.create_app`) with verification on; its verifier trusts
the benchmark's locally generated root and reads the certificate chain from a file through
`LocalChainFile`, a stand-in for Amazon's certificate host. `echo_app()` is a bare Flask JSON echo:
the floor that any Flask app under the same gunicorn settings costs.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from flask import Flask, Response, jsonify, request

from skill.settings import EndpointSettings
from skill.web import create_app
from skill.web.verify import RequestVerifier


class LocalChainFile:
    """STAND-IN for Amazon's certificate host: serves one PEM chain from a file for any URL."""

    def __init__(self, path: Path) -> None:
        self.pem = path.read_bytes()

    def __call__(self, url: str) -> bytes:
        return self.pem


def skill_app() -> Flask:
    """The KindWell endpoint, verifying signatures against the benchmark's own root CA."""
    settings = EndpointSettings.from_env()
    root = x509.load_pem_x509_certificates(Path(os.environ["BENCH_ROOT_PEM"]).read_bytes())
    verifier = RequestVerifier(
        settings.skill_id or "", trust_store=root, fetcher=LocalChainFile(Path(os.environ["BENCH_CHAIN_PEM"]))
    )
    return create_app(settings, verifier=verifier)


def echo_app() -> Flask:
    """A bare Flask app that parses the JSON body and returns it."""
    app = Flask("echo")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.post("/alexa")
    def echo() -> Response:
        return jsonify(request.get_json())

    return app
