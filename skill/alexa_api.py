"""An ask-sdk ApiClient with a deadline, for calls to Alexa's APIs from inside a request.

ask-sdk's DefaultApiClient calls `requests` with no timeout at all, and a timeout given to requests
bounds each connect and each read, not name resolution or the whole exchange. A call made while a
person waits for an answer needs a hard limit, so `TimeoutApiClient` runs the exchange on a daemon
thread and stops waiting at the deadline. It uses the standard library's urllib rather than requests:
requests costs about 150 ms to import and loads its certificate bundle again on every call.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

DEFAULT_TIMEOUT = 1.0
"""Seconds an Alexa API call may take, connection and answer together."""
MAX_TIMEOUT = 1.0
"""The longest wait allowed, in seconds: these calls sit in front of an answer a person is waiting for."""
MAX_BODY_BYTES = 64 * 1024
"""The most of an answer's body that is read, in bytes (a setting is a few dozen)."""
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"})


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand a redirect back as the answer: the access token is not for another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class TimeoutApiClient(ApiClient):
    """ask-sdk's DefaultApiClient with a deadline: every call answers within `timeout` seconds or raises.

    Like DefaultApiClient it refuses plain HTTP (the access token travels in a header) and returns every
    HTTP status as an answer for the service client to judge; unlike it, it follows no redirects.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, *, ca_bundle: str | None = None) -> None:
        if not 0 < timeout <= MAX_TIMEOUT:
            raise ValueError(f"The API timeout must be above 0 and at most {MAX_TIMEOUT:g} s (got {timeout!r}).")
        self.timeout = float(timeout)
        """Seconds to wait for the whole exchange."""
        self.ca_bundle = ca_bundle
        """PEM file of the certificate authorities to trust (None: SSL_CERT_FILE, else certifi's, as requests)."""
        self._opener: urllib.request.OpenerDirector | None = None
        self._opener_lock = threading.Lock()

    def with_timeout(self, timeout: float) -> TimeoutApiClient:
        """A client like this one whose deadline is no later than timeout."""
        return TimeoutApiClient(min(timeout, self.timeout), ca_bundle=self.ca_bundle)

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        """Send request and return the answer, whatever its status; raise ApiClientException otherwise."""
        method = (request.method or "").upper()
        if method not in _METHODS:
            raise ApiClientException(f"Invalid request method: {request.method}.")
        url = request.url or ""
        if urlsplit(url).scheme != "https":
            raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
        headers = _header_dict(request.headers)
        outgoing = urllib.request.Request(url, data=_body(request.body, headers), headers=headers, method=method)
        answer: Future[ApiClientResponse] = Future()
        worker = threading.Thread(target=self._send, args=(answer, outgoing), name="kindwell-alexa-api", daemon=True)
        worker.start()
        try:
            return answer.result(timeout=self.timeout)
        except TimeoutError:  # the deadline passed here, or a socket timed out in the worker
            raise ApiClientException(f"The Alexa API did not answer within {self.timeout:g} s.") from None
        except Exception as error:  # our own sentence: a library's message may quote the address
            raise ApiClientException(f"The Alexa API could not be reached ({type(error).__name__}).") from None

    def _send(self, answer: Future[ApiClientResponse], request: urllib.request.Request) -> None:
        try:
            with self._open(request) as response:
                answer.set_result(_answer(response.status, response.headers, response.read(MAX_BODY_BYTES)))
        except urllib.error.HTTPError as error:  # an error status or a redirect: still an answer
            with error:
                answer.set_result(_answer(error.code, error.headers, error.read(MAX_BODY_BYTES)))
        except urllib.error.URLError as error:
            answer.set_exception(error.reason if isinstance(error.reason, TimeoutError) else error)
        except Exception as error:
            answer.set_exception(error)

    def _open(self, request: urllib.request.Request) -> Any:
        with self._opener_lock:
            if self._opener is None:
                # Built on first use, not with the skill: loading certificates takes tens of milliseconds.
                tls = ssl.create_default_context(cafile=self.ca_bundle or _default_ca_bundle())
                self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls), _NoRedirects())
            opener = self._opener
        return opener.open(request, timeout=self.timeout)


def _default_ca_bundle() -> str | None:
    """SSL_CERT_FILE, else certifi's bundle (installed with requests, which ask-sdk needs), else the system's."""
    if configured := os.environ.get("SSL_CERT_FILE"):
        return configured
    try:
        import certifi
    except ImportError:
        return None
    return str(certifi.where())


def _answer(status: int, headers: Message, body: bytes) -> ApiClientResponse:
    return ApiClientResponse(
        headers=list(headers.items()), status_code=status, body=body.decode("utf-8", errors="replace")
    )


def _header_dict(headers: Sequence[tuple[str, str]] | None) -> dict[str, str]:
    """Header pairs as one dict, repeated names joined with commas (as DefaultApiClient does)."""
    merged: dict[str, str] = {}
    for key, value in headers or ():
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _body(body: Any, headers: Mapping[str, str]) -> bytes | None:
    """The request body as DefaultApiClient sends it: JSON when the content type says so."""
    if not body:
        return None
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    text = json.dumps(body) if "json" in content_type else str(body)
    return text.encode("utf-8")


def api_client(timeout: float = DEFAULT_TIMEOUT, *, ca_bundle: str | None = None) -> TimeoutApiClient:
    """The api_client to pass to CustomSkillBuilder, so handlers get service clients with a deadline."""
    return TimeoutApiClient(timeout, ca_bundle=ca_bundle)
