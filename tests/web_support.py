"""A real HTTP server on loopback for the Flask app, and a small client for it."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.serving import make_server


@dataclass(frozen=True)
class Reply:
    """What the server answered."""

    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class LiveServer:
    """The app behind Werkzeug's threaded WSGI server on 127.0.0.1, on a free port."""

    host: str
    port: int

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Reply(response.status, response.read(), response.getheader("Content-Type") or "")
        finally:
            connection.close()

    def post(self, body: bytes, headers: Mapping[str, str] | None = None, path: str = "/alexa") -> Reply:
        return self.request("POST", path, body, headers)


@contextmanager
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serve app on loopback for the duration of the block."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer("127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
