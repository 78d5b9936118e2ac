"""Audio files and the listening page over a real HTTP server on loopback."""

from __future__ import annotations

import datetime as dt
import http.client
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape

from skill.app import build_skill
from skill.audio_catalog import AudioCatalog
from skill.content import default_content
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app

from ..web_support import LiveServer, live_server

BODY = bytes(range(256)) * 40  # 10 KiB standing in for a rendered MP3: these tests are about HTTP


@pytest.fixture()
def audio_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "audio"
    directory.mkdir()
    (tmp_path / "secret.mp3").write_bytes(b"outside the audio cache")
    return directory


@pytest.fixture()
def track_name(audio_dir: Path) -> str:
    catalog = AudioCatalog(default_content(), audio_dir, None)
    # The page offers the variant of the day (the same for every visitor, another tomorrow).
    variant = dt.date.today().toordinal() % catalog.content.practice("loving_kindness").variant_count(5)
    path = catalog.path(catalog.track("loving_kindness", 5, variant))
    path.write_bytes(BODY)
    return path.name


@pytest.fixture()
def server(tmp_path: Path, audio_dir: Path, track_name: str) -> Iterator[LiveServer]:
    settings = EndpointSettings(verify=False, audio_dir=audio_dir, public_url="https://kindwell.example.org")
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "db.sqlite3"), rng=random.Random(1))
    with live_server(create_app(settings, skill=skill)) as running:
        yield running


def get(
    server: LiveServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    response.read_body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_audio_is_served_with_type_etag_and_long_caching(server: LiveServer, track_name: str) -> None:
    response = get(server, f"/audio/{track_name}")
    assert response.status == 200
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.getheader("Content-Length") == str(len(BODY))
    assert response.getheader("ETag")
    assert response.getheader("Accept-Ranges") == "bytes"
    assert "immutable" in (response.getheader("Cache-Control") or "")
    assert response.read_body == BODY  # type: ignore[attr-defined]


def test_range_requests_for_seeking(server: LiveServer, track_name: str) -> None:
    first = get(server, f"/audio/{track_name}", {"Range": "bytes=0-99"})
    assert first.status == 206
    assert first.getheader("Content-Range") == f"bytes 0-99/{len(BODY)}"
    assert first.read_body == BODY[:100]  # type: ignore[attr-defined]
    middle = get(server, f"/audio/{track_name}", {"Range": "bytes=5000-5009"})
    assert middle.read_body == BODY[5000:5010]  # type: ignore[attr-defined]
    tail = get(server, f"/audio/{track_name}", {"Range": "bytes=-50"})
    assert tail.status == 206 and tail.read_body == BODY[-50:]  # type: ignore[attr-defined]
    beyond = get(server, f"/audio/{track_name}", {"Range": f"bytes={len(BODY) + 10}-"})
    assert beyond.status == 416


def test_conditional_requests_get_304(server: LiveServer, track_name: str) -> None:
    etag = get(server, f"/audio/{track_name}").getheader("ETag")
    assert etag
    again = get(server, f"/audio/{track_name}", {"If-None-Match": etag})
    assert again.status == 304 and again.read_body == b""  # type: ignore[attr-defined]


def test_head_gives_headers_without_the_body(server: LiveServer, track_name: str) -> None:
    response = get(server, f"/audio/{track_name}", method="HEAD")
    assert response.status == 200 and response.getheader("Content-Length") == str(len(BODY))
    assert response.read_body == b""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    [
        "/audio/../secret.mp3",
        "/audio/%2e%2e%2fsecret.mp3",
        "/audio/..%2fsecret.mp3",
        "/audio/secret.mp3",
        "/audio/loving_kindness-5min-000000000000.mp3",
        "/audio/.hidden",
        "/audio/loving_kindness-5min-abc.mp3%00.txt",
    ],
)
def test_nothing_outside_the_audio_cache_is_served(server: LiveServer, path: str) -> None:
    response = get(server, path)
    assert response.status == 404
    assert b"outside the audio cache" not in response.read_body  # type: ignore[attr-defined]


def test_listening_page_lists_every_practice(server: LiveServer, track_name: str) -> None:
    response = get(server, "/listen")
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/html")
    page = response.read_body.decode()  # type: ignore[attr-defined]
    for practice in default_content().practices.values():
        assert str(escape(practice.title.capitalize())) in page
        assert str(escape(practice.description[:40])) in page
    # Every length a practice comes in, the wind-down's twenty minutes too.
    assert 'id="wind_down-20-label"' in page and 'id="mindfulness-10-label"' in page
    assert f'src="/audio/{track_name}"' in page
    assert page.count("<audio") == 1 and "Not rendered yet" in page
    assert '<html lang="en">' in page and 'name="viewport"' in page
    assert "116 123" in page and "988" in page
