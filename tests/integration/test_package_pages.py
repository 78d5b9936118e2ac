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

from ..package_support import ExportedPackage, export
from ..web_support import LiveServer, live_server

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


# --- The privacy policy ---------------------------------------------------------------------------


def test_every_locale_names_the_privacy_page_the_endpoint_serves(package: ExportedPackage, server: LiveServer) -> None:
    privacy = package.manifest()["manifest"]["privacyAndCompliance"]
    urls = {locale["privacyPolicyUrl"] for locale in privacy["locales"].values()}
    assert set(privacy["locales"]) == {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
    assert urls == {f"{PUBLIC_URL}/privacy"}
    reply = server.request("GET", _path_on(urls.pop()))
    assert reply.status == 200 and reply.content_type.startswith("text/html")


def test_the_manifest_answers_the_privacy_questions_as_the_page_does(package: ExportedPackage) -> None:
    manifest = package.manifest()["manifest"]
    privacy = manifest["privacyAndCompliance"]
    # No purchases, no ads, nothing asked for that identifies a person, made for adults.
    assert privacy["allowsPurchases"] is False and privacy["containsAds"] is False
    assert privacy["usesPersonalInfo"] is False and privacy["isChildDirected"] is False
    assert "permissions" not in manifest  # no name, email, address or location is ever asked for
    # Deleting a record on SKILL_DISABLED is how the page says a person deletes it.
    events = manifest["events"]
    assert events["subscriptions"] == [{"eventName": "SKILL_DISABLED"}]
    assert events["endpoint"] == manifest["apis"]["custom"]["endpoint"]


def _page_text(server: LiveServer) -> str:
    import html
    import re

    body = server.request("GET", "/privacy").body.decode("utf-8")
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_policy_says_plainly_what_is_kept_and_what_never_is(server: LiveServer) -> None:
    page = _page_text(server)
    for fact in (
        "not therapy",
        "one-way hash (SHA-256)",
        "which practices you have finished",
        "the dates you practised (at most the last 400 days)",
        "where you paused a practice",
        "What you say, and how you feel",
        "not stored, not written to any log",
        "Disable KindWell in the Alexa app",
        "deletes your whole record",
        "not directed at children",
    ):
        assert fact in page, fact
    # The crisis lines, as on the listening page.
    assert "988" in page and "116 123" in page and "13 11 14" in page


# What the page promises is kept, by the name each item has in a stored record. A new stored item
# fails this test until the page (skill/web/templates/privacy.html) says so.
DESCRIBED = {
    "visits": "how many times you have opened KindWell",
    "completed": "which practices you have finished, how many times each",
    "by_practice": "which practices you have finished, how many times each",
    "last_done": "the date you last finished each one",
    "daily": "today's suggested practice and its date",
    "days": "the dates you practised",
    "heard": "which affirmations you have heard lately",
    "position": "where you paused a practice",
    "audio": "the moment in the recording",
}


def test_what_a_real_session_stores_is_what_the_page_says(server: LiveServer, tmp_path: Path) -> None:
    import json
    import sqlite3

    from ..conftest import FixtureDevice

    db_path = tmp_path / "kindwell.sqlite3"
    device = FixtureDevice(build_skill(SQLitePersistenceAdapter(db_path), rng=random.Random(3)))
    device.audio_player = {"playerActivity": "IDLE"}
    device.send("launch")
    device.send("checkin_anxious")
    device.send("affirmation")
    device.send("start_practice_breath_10", slots={"minutes": "3"})
    for _ in range(5):
        if device.attributes.get("awaiting") == "affirmation_offer":
            break
        device.send("amazon_next")
    device.audio_player = None
    device.send("start_practice_breath_10")
    device.send("amazon_next")
    device.send("amazon_pause")
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT id, attributes FROM attributes").fetchall()
    assert len(rows) == 1
    key, raw = rows[0]
    assert device.user_id not in key and device.user_id not in raw and len(key) == 64  # the hash only
    assert "anxious" not in raw and "tomorrow" not in raw  # the check-in's words were let go
    stored = json.loads(raw)
    assert {"visits", "completed", "days", "heard", "position"} <= set(stored)
    page = _page_text(server)
    for name in stored:
        assert name in DESCRIBED, f"{name} is stored but the privacy page does not say so"
        assert DESCRIBED[name] in page
