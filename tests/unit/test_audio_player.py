"""AudioPlayer: a practice as one stream, its events, and resume from a saved offset."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from local_runner.device import Conversation, LocalAudioCatalog, PlayerState
from skill.app import build_skill
from skill.audio_catalog import AudioCatalog, AudioTrack
from skill.content import default_content
from skill.persistence import SQLitePersistenceAdapter

from ..conftest import FixtureDevice, load_fixture, text, todays_variant

PUBLIC_URL = "https://kindwell.example.org"


@pytest.fixture()
def catalog(tmp_path: Path) -> AudioCatalog:
    catalog = AudioCatalog(default_content(), tmp_path / "audio", PUBLIC_URL)
    catalog.directory.mkdir()
    # Rendered files: the handlers only need them to exist (rendering itself is tested elsewhere).
    for practice in ("soothing_breath", "loving_kindness"):
        for minutes in (3, 5, 10):
            for variant in range(catalog.content.practice(practice).variant_count(minutes)):
                catalog.path(catalog.track(practice, minutes, variant)).write_bytes(b"ID3 rendered practice")
    return catalog


@pytest.fixture()
def echo(adapter: SQLitePersistenceAdapter, catalog: AudioCatalog) -> FixtureDevice:
    skill = build_skill(adapter, audio=catalog, rng=random.Random(4))
    device = FixtureDevice(skill)
    device.audio_player = {"token": "", "offsetInMilliseconds": 0, "playerActivity": "IDLE"}
    return device


def directives(response: dict[str, Any]) -> list[dict[str, Any]]:
    return list(response["response"].get("directives") or [])


def play_directive(response: dict[str, Any]) -> dict[str, Any]:
    (directive,) = [d for d in directives(response) if d["type"] == "AudioPlayer.Play"]
    return directive


def playing(device: FixtureDevice, token: str, offset: int) -> None:
    device.audio_player = {"token": token, "offsetInMilliseconds": offset, "playerActivity": "PLAYING"}


def test_practice_plays_as_one_stream_on_an_audio_device(echo: FixtureDevice, catalog: AudioCatalog) -> None:
    response = echo.send("start_practice_breath_10")
    directive = play_directive(response)
    stream = directive["audioItem"]["stream"]
    track = catalog.track("soothing_breath", 10, todays_variant(echo, "soothing_breath", 10))
    assert directive["playBehavior"] == "REPLACE_ALL"
    assert stream["url"] == f"{PUBLIC_URL}/audio/{track.stem}.mp3"
    assert stream["token"] == track.token and stream["offsetInMilliseconds"] == 0
    assert response["response"]["shouldEndSession"] is True
    assert "Let's begin the soothing breath, 10 minutes" in text(response)


def test_devices_without_audio_player_keep_ssml_segments(device: FixtureDevice, catalog: AudioCatalog) -> None:
    response = device.send("start_practice_breath_10")
    assert not directives(response)
    assert device.attributes["playing"]["segment"] == 0


def test_unrendered_practice_falls_back_to_ssml(echo: FixtureDevice) -> None:
    response = echo.send("start_practice_minutes_only")  # the mindful pause: not rendered here
    assert "Let's begin the mindful pause" in text(response)
    assert not [d for d in directives(response) if d["type"] == "AudioPlayer.Play"]


def test_pause_then_resume_in_a_later_session_continues_from_the_offset(
    echo: FixtureDevice, catalog: AudioCatalog
) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    playing(echo, token, 0)
    assert echo.send("audioplayer_playback_started", offsetInMilliseconds=0)["response"].get("outputSpeech") is None
    playing(echo, token, 65_000)
    paused = echo.send("amazon_pause")
    assert [d["type"] for d in directives(paused)] == ["AudioPlayer.Stop"]
    echo.audio_player = {"token": token, "offsetInMilliseconds": 65_432, "playerActivity": "STOPPED"}
    echo.send("audioplayer_playback_stopped", offsetInMilliseconds=65_432)

    echo.next_day()
    welcome = echo.send("launch")
    assert "partway through the soothing breath" in text(welcome)
    resumed = echo.send("amazon_yes")
    stream = play_directive(resumed)["audioItem"]["stream"]
    assert (stream["token"], stream["offsetInMilliseconds"]) == (token, 65_432)
    assert "Picking up the soothing breath" in text(resumed)


def test_resume_intent_alone_continues_from_the_offset(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    echo.audio_player = {"token": token, "offsetInMilliseconds": 30_000, "playerActivity": "STOPPED"}
    echo.send("audioplayer_playback_stopped", offsetInMilliseconds=30_000)
    echo.next_day(0)
    assert play_directive(echo.send("amazon_resume"))["audioItem"]["stream"]["offsetInMilliseconds"] == 30_000


def test_finished_playback_counts_the_practice(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    playing(echo, token, 600_000)
    assert not directives(echo.send("audioplayer_playback_nearly_finished", offsetInMilliseconds=590_000))
    echo.send("audioplayer_playback_finished", offsetInMilliseconds=600_000)
    echo.audio_player = {"token": token, "offsetInMilliseconds": 600_000, "playerActivity": "FINISHED"}
    echo.next_day(0)
    assert "1 practice in all" in text(echo.send("progress"))
    assert "nothing paused" in text(echo.send("amazon_resume"))


def test_playback_controller_buttons(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    playing(echo, token, 12_000)
    assert [d["type"] for d in directives(echo.send("playbackcontroller_pause"))] == ["AudioPlayer.Stop"]
    echo.audio_player = {"token": token, "offsetInMilliseconds": 12_000, "playerActivity": "STOPPED"}
    assert play_directive(echo.send("playbackcontroller_play"))["audioItem"]["stream"]["offsetInMilliseconds"] == 12_000
    assert not directives(echo.send("playbackcontroller_next"))


def test_start_over_plays_from_the_beginning(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    echo.audio_player = {"token": token, "offsetInMilliseconds": 200_000, "playerActivity": "STOPPED"}
    echo.send("audioplayer_playback_stopped", offsetInMilliseconds=200_000)
    echo.next_day(0)
    assert play_directive(echo.send("amazon_start_over"))["audioItem"]["stream"]["offsetInMilliseconds"] == 0


def test_next_loop_and_shuffle_while_playing_are_answered_without_stopping(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    playing(echo, token, 5_000)
    for name in ("amazon_next", "amazon_loop_on", "amazon_shuffle_on"):
        response = echo.send(name)
        assert text(response)
        assert not [d for d in directives(response) if d["type"].startswith("AudioPlayer.")]


def test_stop_and_cancel_while_playing_stop_the_stream(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    for name in ("amazon_stop", "amazon_cancel"):
        playing(echo, token, 5_000)
        assert [d["type"] for d in directives(echo.send(name))] == ["AudioPlayer.Stop"]


def test_crisis_while_playing_stops_the_audio_and_answers(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    playing(echo, token, 5_000)
    response = echo.send("crisis_support")
    assert "nine eight eight" in text(response)
    assert [d["type"] for d in directives(response)] == ["AudioPlayer.Stop"]


def test_failed_playback_and_system_errors_answer_nothing(echo: FixtureDevice) -> None:
    for name in ("audioplayer_playback_failed", "system_exception"):
        response = echo.send(name)
        assert response["response"].get("outputSpeech") is None


def test_a_token_for_old_content_is_not_resumed(echo: FixtureDevice, catalog: AudioCatalog) -> None:
    stale = AudioTrack("soothing_breath", 10, "000000000000").token
    echo.audio_player = {"token": stale, "offsetInMilliseconds": 40_000, "playerActivity": "STOPPED"}
    echo.send("audioplayer_playback_stopped", offsetInMilliseconds=40_000)
    assert not directives(echo.send("amazon_resume"))


def test_no_public_https_url_means_no_stream(adapter: SQLitePersistenceAdapter, catalog: AudioCatalog) -> None:
    plain = AudioCatalog(catalog.content, catalog.directory, "http://insecure.example.org")
    device = FixtureDevice(build_skill(adapter, audio=plain))
    device.audio_player = {"token": "", "offsetInMilliseconds": 0, "playerActivity": "IDLE"}
    assert not directives(device.send("start_practice_breath_10"))


def test_a_local_catalog_hands_out_the_rendered_files_own_uri(
    adapter: SQLitePersistenceAdapter, catalog: AudioCatalog
) -> None:
    local = LocalAudioCatalog(catalog.content, catalog.directory, None)
    device = FixtureDevice(build_skill(adapter, audio=local))
    track = local.track("soothing_breath", 10, todays_variant(device, "soothing_breath", 10))
    assert local.url(track) == catalog.path(track).resolve().as_uri()
    assert local.url(local.track("mindfulness", 3)) is None  # not rendered: SSML segments instead
    assert catalog.url(track) == f"{PUBLIC_URL}/audio/{track.stem}.mp3"  # the endpoint keeps HTTPS
    device.audio_player = {"token": "", "offsetInMilliseconds": 0, "playerActivity": "IDLE"}
    stream = play_directive(device.send("start_practice_breath_10"))["audioItem"]["stream"]
    assert stream["url"].startswith("file:///") and stream["url"].endswith(f"{track.stem}.mp3")


def shape(value: Any) -> Any:
    """The key structure of a JSON value (dict keys, recursively), ignoring values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__ if not isinstance(value, bool | int) else "number"


@pytest.mark.parametrize(
    ("kind", "name"),
    [("Started", "started"), ("Stopped", "stopped"), ("NearlyFinished", "nearly_finished"), ("Finished", "finished")],
)
def test_conversation_playback_events_are_shaped_like_alexas(
    adapter: SQLitePersistenceAdapter, kind: str, name: str
) -> None:
    device = Conversation(build_skill(adapter), supported_interfaces={"AudioPlayer": {}})
    device.player = PlayerState("kindwell:soothing_breath:10:KEY", 1234, "PLAYING")
    fixture = load_fixture(f"audioplayer_playback_{name}")
    made = device.playback_envelope(f"AudioPlayer.Playback{kind}", device.player.token, 1234)
    assert "session" not in made
    assert shape(made["request"]) == shape(fixture["request"])
    assert made["request"]["token"] == device.player.token and made["request"]["offsetInMilliseconds"] == 1234
    system = {k: v for k, v in fixture["context"]["System"].items() if k != "apiAccessToken"}
    assert shape(made["context"]) == shape({"System": system, "AudioPlayer": fixture["context"]["AudioPlayer"]})
    assert made["context"]["AudioPlayer"] == {
        "token": device.player.token,
        "offsetInMilliseconds": 1234,
        "playerActivity": "PLAYING",
    }


def test_failed_playback_event_carries_its_error_and_state(adapter: SQLitePersistenceAdapter) -> None:
    device = Conversation(build_skill(adapter), supported_interfaces={"AudioPlayer": {}})
    fixture = load_fixture("audioplayer_playback_failed")["request"]
    made = device.playback_envelope(
        "AudioPlayer.PlaybackFailed",
        fixture["token"],
        0,
        error=fixture["error"],
        currentPlaybackState=fixture["currentPlaybackState"],
    )
    assert shape(made["request"]) == shape(fixture)
    assert device.playback_event("AudioPlayer.PlaybackFailed", fixture["token"], 0, error=fixture["error"])
    with pytest.raises(ValueError, match="not an AudioPlayer playback event"):
        device.playback_envelope("AudioPlayer.Play", "x", 0)


def test_a_conversation_with_a_player_pauses_and_resumes_across_sessions(
    adapter: SQLitePersistenceAdapter, catalog: AudioCatalog
) -> None:
    local = LocalAudioCatalog(catalog.content, catalog.directory, None)
    device = Conversation(build_skill(adapter, audio=local), supported_interfaces={"AudioPlayer": {}})
    assert device.envelope({"type": "LaunchRequest"})["context"]["AudioPlayer"]["playerActivity"] == "IDLE"
    started = device.intent("StartPracticeIntent", {"practice": ("soothing breath", "soothing_breath"), "minutes": 3})
    stream = play_directive(started)["audioItem"]["stream"]
    assert not device.in_session  # a Play ends the session, as on an Echo
    device.player = PlayerState(stream["token"], 0, "PLAYING")
    assert device.playback_event("AudioPlayer.PlaybackStarted", stream["token"], 0)["response"] == {}
    device.player = PlayerState(stream["token"], 4321, "PLAYING")
    paused = device.intent("AMAZON.PauseIntent")
    assert [d["type"] for d in directives(paused)] == ["AudioPlayer.Stop"]
    device.player = PlayerState(stream["token"], 4321, "STOPPED")
    device.playback_event("AudioPlayer.PlaybackStopped", stream["token"], 4321)

    later = Conversation(build_skill(adapter, audio=local), supported_interfaces={"AudioPlayer": {}})
    later.player = PlayerState(stream["token"], 4321, "STOPPED")
    resumed = play_directive(later.intent("AMAZON.ResumeIntent"))["audioItem"]["stream"]
    assert (resumed["token"], resumed["offsetInMilliseconds"], resumed["url"]) == (stream["token"], 4321, stream["url"])


def test_a_device_without_audio_player_sends_no_player_state(adapter: SQLitePersistenceAdapter) -> None:
    device = Conversation(build_skill(adapter))
    assert "AudioPlayer" not in device.envelope({"type": "LaunchRequest"})["context"]


def test_resume_uses_the_devices_own_position_when_it_is_newer(echo: FixtureDevice) -> None:
    token = play_directive(echo.send("start_practice_breath_10"))["audioItem"]["stream"]["token"]
    # The device played on to 42 s and was paused by its own button; no PlaybackStopped arrived yet.
    echo.audio_player = {"token": token, "offsetInMilliseconds": 42_000, "playerActivity": "PAUSED"}
    assert play_directive(echo.send("amazon_resume"))["audioItem"]["stream"]["offsetInMilliseconds"] == 42_000
