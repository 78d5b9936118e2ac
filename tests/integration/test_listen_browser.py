"""The listening page in a real headless browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from local_runner.render import PracticeRenderer
from skill.app import build_skill
from skill.audio_catalog import AudioCatalog
from skill.content import default_content
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app

from ..web_support import LiveServer, live_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags keep Chromium off the network (this machine has none) and let the test press play.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    root = tmp_path_factory.mktemp("site")
    catalog = AudioCatalog(default_content(), root / "audio", None)
    # The page offers the variant of the day.
    variant = dt.date.today().toordinal() % catalog.content.practice("soothing_breath").variant_count(3)
    track = catalog.track("soothing_breath", 3, variant)
    renderer = PracticeRenderer(catalog)
    renderer.write(renderer.render("soothing_breath", 3, variant=variant), catalog.path(track))
    settings = EndpointSettings(verify=False, audio_dir=catalog.directory)
    skill = build_skill(SQLitePersistenceAdapter(root / "db.sqlite3"), rng=random.Random(2))
    with live_server(create_app(settings, skill=skill)) as server:
        yield server, f"/audio/{track.stem}.mp3"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_page_lists_every_practice_and_a_player_plays(site: tuple[LiveServer, str], browser: Browser) -> None:
    server, src = site
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"http://{server.host}:{server.port}/listen")
    assert page.title() == "KindWell: listen to a practice"
    headings = page.locator("main h2").all_inner_texts()
    content = default_content()
    assert headings == [*(p.title.capitalize() for p in content.practices.values()), content.timer.title.capitalize()]
    player = page.locator(f'audio[src="{src}"]')
    assert player.count() == 1
    assert player.get_attribute("aria-labelledby")
    player.evaluate("audio => audio.play()")
    page.wait_for_function(
        "src => { const a = document.querySelector(`audio[src='${src}']`); return a.currentTime > 1.0; }",
        arg=src,
        timeout=15_000,
    )
    state = player.evaluate("audio => ({paused: audio.paused, error: audio.error, duration: audio.duration})")
    assert state["paused"] is False and state["error"] is None
    assert 170 <= state["duration"] <= 195
    # Nothing spills sideways on a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()


def test_page_works_without_javascript(site: tuple[LiveServer, str], browser: Browser) -> None:
    server, src = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"http://{server.host}:{server.port}/listen")
    assert page.locator("audio[controls]").count() == 1
    assert page.locator(f'a[href="{src}"]').count() == 1  # fallback link inside the player
    assert page.locator("text=Not rendered yet").count() == 28  # 7 practices x 3, wind-down x 4, timer x 4, less 1
    context.close()
