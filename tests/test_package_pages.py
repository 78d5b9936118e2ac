"""The pages the skill store links to, served by the endpoint over a real HTTP server on loopback:
the icons named in skill.json (and the privacy policy)."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from skill.app import build_skill
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app

from .package_support import ExportedPackage, export
from .web_support import LiveServer, live_server

PUBLIC_URL = "https://kindwell.example.org"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ExportedPackage:
    return export(tmp_path_factory.mktemp("export") / "project", env={"KINDWELL_PUBLIC_URL": PUBLIC_URL})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web")
    settings = EndpointSettings(verify=False, audio_dir=folder / "audio", public_url=PUBLIC_URL)
    skill = build_skill(SQLitePersistenceAdapter(folder / "db.sqlite3"), rng=random.Random(1))
    with live_server(create_app(settings, skill=skill)) as running:
        yield running


def _path_on(url: str) -> str:
    """The path part of a manifest URL on PUBLIC_URL (which the loopback server stands in for)."""
    assert url.startswith(PUBLIC_URL + "/"), url
    return urlsplit(url).path


@pytest.mark.parametrize(("field", "size"), [("smallIconUri", 108), ("largeIconUri", 512)])
def test_every_locale_names_icons_the_endpoint_serves_at_the_right_size(
    package: ExportedPackage, server: LiveServer, field: str, size: int
) -> None:
    locales = package.manifest()["manifest"]["publishingInformation"]["locales"]
    assert set(locales) == {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
    paths = {_path_on(locale[field]) for locale in locales.values()}
    assert len(paths) == 1
    reply = server.request("GET", paths.pop())
    assert reply.status == 200 and reply.content_type == "image/png"
    assert reply.body.startswith(PNG_SIGNATURE)
    Image.open(io.BytesIO(reply.body)).verify()  # a whole, uncorrupted PNG
    image = Image.open(io.BytesIO(reply.body))
    assert image.format == "PNG" and image.size == (size, size)


def test_the_icon_is_a_cream_heart_on_warm_ground(server: LiveServer) -> None:
    image = Image.open(io.BytesIO(server.request("GET", "/icons/kindwell-512.png").body)).convert("RGB")
    red, green, blue = image.getpixel((256, 200))  # inside the heart
    assert min(red, green, blue) > 225
    for corner in ((4, 4), (507, 4), (4, 507), (507, 507)):
        red, green, blue = image.getpixel(corner)
        assert red > green > blue and red - blue > 100, corner  # warm: terracotta, not grey or blue
    colours = image.getcolors(maxcolors=512 * 512)
    assert colours is not None and len(colours) > 100  # drawn with smooth edges, not two flat colours


def test_icons_are_cached_and_revalidated(server: LiveServer) -> None:
    import http.client

    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request("GET", "/icons/kindwell-108.png")
    first = connection.getresponse()
    first.read()
    etag = first.getheader("ETag")
    assert etag and "max-age=86400" in (first.getheader("Cache-Control") or "")
    connection.request("GET", "/icons/kindwell-108.png", headers={"If-None-Match": etag})
    second = connection.getresponse()
    assert second.status == 304 and second.read() == b""
    connection.close()


@pytest.mark.parametrize("path", ["/icons/kindwell-64.png", "/icons/kindwell-512.jpg", "/icons/../alexa"])
def test_only_the_store_sizes_are_served(server: LiveServer, path: str) -> None:
    assert server.request("GET", path).status == 404


def test_icons_follow_the_public_url(tmp_path: Path) -> None:
    manifest = export(tmp_path / "p", "--endpoint", "https://kw.example.net/kw/alexa").manifest()
    locale = manifest["manifest"]["publishingInformation"]["locales"]["en-GB"]
    assert locale["smallIconUri"] == "https://kw.example.net/kw/icons/kindwell-108.png"
    assert locale["largeIconUri"] == "https://kw.example.net/kw/icons/kindwell-512.png"
