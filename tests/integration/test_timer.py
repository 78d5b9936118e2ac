"""The unguided timer: its timeline, its bell (real synthesis, real loudness, real MP3), and its replies.

Audio is rendered for real (espeak-ng for the voice it is measured against, numpy for the bell, LAME
for the MP3) and decoded back with libsndfile; replies go through real request envelopes, a real
SQLite file and, for the SSML clips, the Flask endpoint on loopback.
"""

from __future__ import annotations

import itertools
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from local_runner.bell import BellRenderer, loudness
from local_runner.render import PracticeRenderer
from skill import ssml
from skill.app import build_skill
from skill.audio_catalog import BELL_KINDS, AudioCatalog
from skill.content import default_content
from skill.envelopes import speech_of
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings
from skill.timer import BELLS, TIMER_LENGTHS, BellSettings, TimerPlan, timer_parts
from testkit.bells import strike_onsets

from ..conftest import FixtureDevice, text
from ..web_support import LiveServer, live_server

PUBLIC_URL = "https://kindwell.example.org"
RATE = 22050
BELL = BellSettings()


# --- the timeline --------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", TIMER_LENGTHS)
@pytest.mark.parametrize("bells", BELLS)
def test_parts_cover_the_timeline_within_alexa_limits_and_never_cut_a_ring(minutes: int, bells: str) -> None:
    plan = TimerPlan.of(minutes, bells)
    parts = timer_parts(plan, BELL, ssml.MAX_SEGMENT_SECONDS)
    assert parts[0].start == 0 and parts[-1].end == minutes * 60
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert all(0 < p.seconds <= ssml.MAX_SEGMENT_SECONDS for p in parts)
    assert min(p.seconds for p in parts) >= 60  # no stub of a last part
    heard = [b for p in parts for b in p.bells]
    assert heard == list(plan.timeline())  # every bell once, in order
    for part in parts[:-1]:
        assert all(b.at + BELL.clip_seconds(b.kind) <= part.end for b in part.bells)


def test_interval_bells_ring_on_their_marks() -> None:
    def marks(minutes: int, bells: str) -> list[float]:
        return [b.at for b in TimerPlan.of(minutes, bells).timeline()]

    assert marks(10, "none") == [0, 600]
    assert marks(15, "halfway") == [0, 450, 900]
    assert marks(20, "every_five") == [0, 300, 600, 900, 1200]
    assert marks(5, "every_five") == [0, 300]  # nothing between the first bell and the close
    # Ten minutes halfway rings the same bells as every five minutes: one stream serves both.
    assert TimerPlan.of(10, "halfway") == TimerPlan.of(10, "every_five")


# --- the bell: synthesis, loudness, files --------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> AudioCatalog:
    """Bell clips and the five-minute timers, rendered as `kindwell render --all` does, served at PUBLIC_URL."""
    catalog = AudioCatalog(default_content(), tmp_path_factory.mktemp("timer-audio"), PUBLIC_URL)
    renderer = PracticeRenderer(catalog)
    BellRenderer(renderer).write_clips()
    for bells in ("none", "halfway"):
        track = catalog.timer_track(5, bells)
        renderer.write(renderer.render_track(track), catalog.path(track), renderer.bitrate_for(track))
    return catalog


@pytest.fixture(scope="module")
def voice_lufs() -> float:
    """The loudness of the voice as practices render it: the three-minute soothing breath, step by step."""
    catalog = AudioCatalog(default_content(), Path("unused"), None)
    renderer = PracticeRenderer(catalog)
    samples = renderer.render("soothing_breath", 3)
    return loudness(samples, renderer.sample_rate)


def decode(path: Path) -> np.ndarray:
    samples, rate = soundfile.read(path, dtype="int16")
    assert rate == RATE
    return np.asarray(samples)


def mp3_header(path: Path) -> tuple[int, int, int, int]:
    """(MPEG version id, layer id, bitrate in kbps, sample rate in Hz) of the first audio frame."""
    data = path.read_bytes()
    start = 0
    if data[:3] == b"ID3":
        start = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
    index = data.index(b"\xff", start)
    while data[index + 1] & 0xE0 != 0xE0:
        index = data.index(b"\xff", index + 1)
    b1, b2 = data[index + 1], data[index + 2]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    # MPEG-2 Layer III bitrates and sample rates (version id 2), the ones Alexa's SSML audio takes.
    bitrates = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
    rates = [22050, 24000, 16000]
    return version, layer, bitrates[b2 >> 4], rates[(b2 >> 2) & 3]


@pytest.mark.slow
@pytest.mark.parametrize("kind", BELL_KINDS)
def test_bell_clips_are_alexa_ssml_mp3_as_loud_as_the_voice(
    rendered: AudioCatalog, voice_lufs: float, kind: str
) -> None:
    path = rendered.clip_path(kind)  # type: ignore[arg-type]
    assert mp3_header(path) == (2, 1, 48, 22050)  # MPEG-2, Layer III, 48 kbps, 22,050 Hz
    samples = decode(path)
    seconds = samples.size / RATE
    assert abs(seconds - BELL.clip_seconds(kind)) < 0.1  # type: ignore[arg-type]
    assert abs(loudness(samples, RATE) - voice_lufs) <= 1.0
    assert 20 * np.log10(np.abs(samples).max() / 32768) < -1.0


@pytest.mark.slow
def test_a_strike_is_a_decaying_inharmonic_bell(rendered: AudioCatalog) -> None:
    samples = decode(rendered.clip_path("strike")).astype(np.float64)
    first, last = samples[RATE // 10 : RATE], samples[-2 * RATE : -RATE]
    assert np.sqrt(np.mean(last**2)) < np.sqrt(np.mean(first**2)) / 10  # rings down by over 20 dB
    spectrum = np.abs(np.fft.rfft(samples[: 2 * RATE] * np.hanning(2 * RATE)))
    freqs = np.fft.rfftfreq(2 * RATE, 1 / RATE)
    peaks = sorted(freqs[i] for i in np.argsort(spectrum)[::-1] if spectrum[i] > spectrum.max() / 30)
    fundamental = BELL.fundamental_hz
    assert abs(peaks[0] - fundamental) < 3
    partials = {round(p / fundamental, 1) for p in peaks}
    assert {1.0, 2.7} <= partials and not {2.0, 3.0} & partials  # not the whole-number ratios of a tone


@pytest.mark.slow
@pytest.mark.parametrize("bells", ["none", "halfway"])
def test_a_timer_stream_rings_its_bells_on_the_exact_sample(rendered: AudioCatalog, bells: str) -> None:
    path = rendered.path(rendered.timer_track(5, bells))
    assert mp3_header(path)[2:] == (48, 22050)
    samples = decode(path)
    firsts = strike_onsets(samples, RATE)
    plan = TimerPlan.of(5, bells)
    expected = [b.at for b in plan.timeline()]
    expected += [plan.seconds + BELL.closing_gap_seconds * k for k in range(1, BELL.closing_strikes)]
    measured = [(i - firsts[0]) / RATE for i in firsts]
    assert measured == pytest.approx(expected, abs=0.002)  # the encoder's delay shifts every onset alike
    assert abs(firsts[0] / RATE - BELL.lead_in_seconds) < 0.1
    assert abs(samples.size / RATE - (0.5 + 300 + BELL.closing_seconds + 0.5)) < 0.1
    assert abs(loudness(samples, RATE) - loudness(decode(rendered.clip_path("strike")), RATE)) < 1.0


# --- replies -------------------------------------------------------------------------------------


@pytest.fixture()
def echo(tmp_path: Path, rendered: AudioCatalog) -> FixtureDevice:
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), audio=rendered, rng=random.Random(3))
    device = FixtureDevice(skill)
    device.audio_player = {"token": "", "offsetInMilliseconds": 0, "playerActivity": "IDLE"}
    return device


@pytest.mark.slow
def test_on_an_audio_player_device_the_timer_is_one_stream_and_counts_when_finished(
    echo: FixtureDevice, rendered: AudioCatalog
) -> None:
    response = echo.send("meditation_timer_no_length")  # "with a bell halfway"
    assert "How long would you like to sit" in text(response)
    response = echo.send("start_practice_minutes_only")  # "five minutes"
    (directive,) = response["response"]["directives"]
    track = rendered.timer_track(5, "halfway")
    assert directive["type"] == "AudioPlayer.Play"
    assert directive["audioItem"]["stream"]["url"] == f"{PUBLIC_URL}/audio/{track.stem}.mp3"
    assert directive["audioItem"]["stream"]["token"] == track.token
    assert directive["audioItem"]["metadata"]["title"] == "KindWell: silent meditation timer"
    assert "one bell to begin, one halfway through, and three bells to close" in text(response)
    assert response["response"]["shouldEndSession"] is True
    # "Next" while it plays: nothing to skip to, said of the timer (not of a practice), and it plays on.
    echo.audio_player = {"token": track.token, "offsetInMilliseconds": 60_000, "playerActivity": "PLAYING"}
    skipped = echo.send("amazon_next")
    assert "nothing to skip" in text(skipped) and "practice" not in text(skipped)
    assert not [d for d in skipped["response"].get("directives", []) if d["type"].startswith("AudioPlayer.")]
    echo.audio_player = {"token": track.token, "offsetInMilliseconds": 301_000, "playerActivity": "FINISHED"}
    echo.send("audioplayer_playback_finished", offsetInMilliseconds=301_000)
    echo.audio_player = {"token": track.token, "offsetInMilliseconds": 0, "playerActivity": "FINISHED"}
    assert "finished 1 practice in all" in text(echo.send("progress"))


def elements(response: dict[str, Any]) -> list[ET.Element]:
    return list(ET.fromstring(speech_of(response)).iter())


def timed_seconds(response: dict[str, Any], catalog: AudioCatalog) -> float:
    """Seconds of breaks and bell clips in a reply."""
    total = 0.0
    for element in elements(response):
        if element.tag == "break":
            total += int(element.attrib["time"].removesuffix("ms")) / 1000
        elif element.tag == "audio":
            kind = "closing" if "/bell_closing-" in element.attrib["src"] else "strike"
            total += catalog.bell.clip_seconds(kind)  # type: ignore[arg-type]
    return total


@pytest.mark.slow
def test_without_audio_player_the_timer_comes_in_honest_parts_that_add_up_exactly(
    tmp_path: Path, rendered: AudioCatalog
) -> None:
    device = FixtureDevice(build_skill(SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), audio=rendered))
    first = device.send("meditation_timer_20_every_five")
    assert "about 3 minutes at a time, so we'll sit in 6 parts" in text(first)
    replies = [first]
    while replies[-1]["response"].get("shouldEndSession") is not True:
        assert "Say continue when you're ready" in text(replies[-1])
        replies.append(device.send("amazon_resume" if len(replies) % 2 else "amazon_next"))
    assert len(replies) == 6
    assert "Your 20 minutes are complete" in text(replies[-1]) or "That's your 20 minutes" in text(replies[-1])
    sources = [e.attrib["src"] for r in replies for e in elements(r) if e.tag == "audio"]
    assert sources == [f"{PUBLIC_URL}/audio/{rendered.clip_stem('strike')}.mp3"] * 4 + [
        f"{PUBLIC_URL}/audio/{rendered.clip_stem('closing')}.mp3"
    ]
    # The lead-in pause of each part and the one before the closing words are outside the timeline.
    fixed = 1.5 * len(replies) + 1.0 + BELL.closing_seconds
    assert sum(timed_seconds(r, rendered) for r in replies) - fixed == pytest.approx(20 * 60, abs=1e-6)
    assert "finished 1 practice in all" in text(device.send("progress"))


def test_pause_during_a_part_ends_the_timer_and_leaves_a_saved_practice_alone(tmp_path: Path) -> None:
    device = FixtureDevice(build_skill(SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), rng=random.Random(2)))
    device.send("start_practice_breath_10")
    device.send("amazon_pause")  # a practice saved for later
    device.send("meditation_timer_10")
    response = device.send("amazon_pause")
    assert "I've stopped the timer" in text(response) and response["response"]["shouldEndSession"] is True
    assert "soothing breath" in text(device.send("launch"))  # the saved practice is still offered


def test_without_bell_clips_the_bells_are_spoken_cues(tmp_path: Path) -> None:
    device = FixtureDevice(build_skill(SQLitePersistenceAdapter(tmp_path / "kw.sqlite3"), rng=random.Random(2)))
    response = device.send("meditation_timer_10", slots={"minutes": "12"})
    words = text(response)
    assert "so let's sit for 10" in words and "Begin now." in words and "<audio" not in speech_of(response)


# --- the endpoint --------------------------------------------------------------------------------


@pytest.fixture()
def server(tmp_path: Path, rendered: AudioCatalog) -> Iterator[LiveServer]:
    settings = EndpointSettings(verify=False, audio_dir=rendered.directory, public_url=PUBLIC_URL)
    skill = build_skill(SQLitePersistenceAdapter(tmp_path / "db.sqlite3"), audio=rendered, rng=random.Random(1))
    from skill.web import create_app

    with live_server(create_app(settings, skill=skill)) as running:
        yield running


@pytest.mark.slow
def test_the_endpoint_speaks_valid_ssml_whose_bells_it_serves(server: LiveServer, rendered: AudioCatalog) -> None:
    import json

    device = FixtureDevice(None)
    device.deliver = lambda envelope: server.post(json.dumps(envelope).encode()).json()  # type: ignore[method-assign]
    response = device.send("meditation_timer_10")
    speech = speech_of(response)
    assert len(speech) < 8000
    root = ET.fromstring(speech)  # well-formed XML
    assert {e.tag for e in root.iter()} <= {"speak", "prosody", "break", "audio"}
    assert all(int(e.attrib["time"].removesuffix("ms")) <= 10_000 for e in root.iter("break"))
    clips = [e.attrib["src"] for e in root.iter("audio")]
    assert clips and all(src.startswith(f"{PUBLIC_URL}/audio/bell_") for src in clips)
    audio_seconds = 0.0
    for src in clips:
        reply = server.request("GET", src.removeprefix(PUBLIC_URL))
        assert reply.status == 200 and reply.content_type == "audio/mpeg"
        path = rendered.directory / Path(src).name
        assert reply.body == path.read_bytes()
        audio_seconds += decode(path).size / RATE
    assert audio_seconds <= 240
    assert timed_seconds(response, rendered) + ssml_speech_seconds(speech) <= 240


def ssml_speech_seconds(speech: str) -> float:
    from skill.content import estimate_speech_seconds

    return estimate_speech_seconds(re.sub(r"<[^>]+>", " ", speech))


def test_the_listening_page_lists_the_timer(server: LiveServer, rendered: AudioCatalog) -> None:
    page = server.request("GET", "/listen").body.decode()
    assert "Silent meditation timer" in page
    assert f"/audio/{rendered.timer_track(5, 'none').stem}.mp3" in page
    assert page.count("Not rendered yet.") >= 3  # 10, 15 and 20 minutes are not rendered here
