"""The privacy policy in a real headless browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from skill.app import build_skill
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.web import create_app

from ..integration.test_listen_browser import CHROMIUM, CHROMIUM_ARGS
from ..web_support import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("site")
    settings = EndpointSettings(verify=False, audio_dir=root / "audio")
    skill = build_skill(SQLitePersistenceAdapter(root / "db.sqlite3"), rng=random.Random(2))
    with live_server(create_app(settings, skill=skill)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_policy_reads_on_a_phone_with_the_icon_shown(server: LiveServer, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"http://{server.host}:{server.port}/privacy")
    assert page.title() == "KindWell privacy policy"
    headings = page.locator("main h2").all_inner_texts()
    assert "What KindWell keeps" in headings and "How to delete your record" in headings
    assert headings[0] == "Not therapy"
    # Every section is named by its heading, for screen readers.
    assert page.locator("main section:not([aria-labelledby])").count() == 0
    # The browser decoded the 512 px icon the manifest names (shown at 72 px).
    mark = page.locator("img.mark")
    page.wait_for_function("() => document.querySelector('img.mark').complete")
    assert mark.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [512, 512]
    assert page.locator("footer li").count() >= 5
    # Nothing spills sideways on a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()
