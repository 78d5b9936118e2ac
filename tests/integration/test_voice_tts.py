"""Speech out: our SSML renderer over real espeak-ng (through pyttsx3's public API), breaks as exact silence."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from local_runner.errors import SpeechEngineError
from local_runner.settings import SpeechSettings
from local_runner.tts import EspeakSynthesizer, Silence, SpeechRun, parse_ssml, spell, trim
from testkit.voice import zero_runs

PARSES = {
    '<speak>Hello. <break time="500ms"/> Bye.</speak>': [
        SpeechRun("Hello.", 1.0),
        Silence(500),
        SpeechRun("Bye.", 1.0),
    ],
    '<speak><prosody rate="90%">Breathe in.</prosody> Done.</speak>': [
        SpeechRun("Breathe in.", 0.9),
        SpeechRun("Done.", 1.0),
    ],
    '<speak>Call <say-as interpret-as="digits">988</say-as> now.</speak>': [
        SpeechRun("Call nine eight eight now.", 1.0)
    ],
    '<speak><audio src="https://example.com/bell.mp3"/>Welcome '
    '<amazon:effect name="whispered">softly</amazon:effect>.</speak>': [SpeechRun("Welcome softly .", 1.0)],
    '<speak>A<break time="10000ms"/><break time="5000ms"/>B</speak>': [
        SpeechRun("A", 1.0),
        Silence(15000),
        SpeechRun("B", 1.0),
    ],
    '<speak>A<break time="1.5s"/>B<break strength="strong"/>C</speak>': [
        SpeechRun("A", 1.0),
        Silence(1500),
        SpeechRun("B", 1.0),
        Silence(750),
        SpeechRun("C", 1.0),
    ],
    '<speak><prosody rate="x-slow">slow</prosody></speak>': [SpeechRun("slow", 0.6)],
    "<speak>Tom &amp; Jerry</speak>": [SpeechRun("Tom & Jerry", 1.0)],
    "<speak>unclosed <b>tag</speak>": [SpeechRun("unclosed tag", 1.0)],
}


@pytest.mark.parametrize(("ssml", "pieces"), PARSES.items())
def test_ssml_parses_into_speech_and_exact_silences(ssml: str, pieces: list[Any]) -> None:
    assert parse_ssml(ssml) == pieces


def test_digits_are_spelled() -> None:
    assert spell("116 123") == "one one six one two three"


def test_breaks_are_exact_zero_samples_between_speech(renderer: Any) -> None:
    audio = renderer.render(
        '<speak>Hello there. <break time="500ms"/> Take a slow breath. <break time="1250ms"/> Good.</speak>'
    )
    rate = renderer.sample_rate
    runs = sorted(zero_runs(audio))
    assert runs[-2:] == [round(rate * 0.5), round(rate * 1.25)]
    assert audio.dtype == np.int16


def test_prosody_rate_slows_espeak_down(renderer: Any) -> None:
    text = "Let your breath find its own gentle rhythm, slow and kind."
    normal = renderer.render(f"<speak>{text}</speak>")
    slower = renderer.render(f'<speak><prosody rate="70%">{text}</prosody></speak>')
    ratio = slower.size / normal.size
    assert 1.25 < ratio < 1.6  # 1 / 0.7 = 1.43: espeak-ng's rate is words per minute


def test_tags_are_not_read_aloud(renderer: Any) -> None:
    plain = renderer.render("<speak>Hello.</speak>")
    tagged = renderer.render('<speak><prosody rate="100%">Hello.</prosody><audio src="x.mp3"/></speak>')
    assert abs(plain.size - tagged.size) < renderer.sample_rate * 0.05


def test_text_runs_start_and_end_loud_so_silences_are_exact(renderer: Any) -> None:
    audio = renderer.synthesizer.synthesize("Hello.", 155)
    trimmed = trim(audio, renderer.settings.edge_threshold)
    assert 0 < trimmed.size < audio.size
    assert abs(int(trimmed[0])) >= renderer.settings.edge_threshold
    assert abs(int(trimmed[-1])) >= renderer.settings.edge_threshold


def test_a_whole_practice_segment_renders_its_written_silences(renderer: Any) -> None:
    from skill.content import default_content
    from skill.ssml import segment_practice

    segment = segment_practice(default_content().practice("soothing_breath").script(3))[0]
    pieces = parse_ssml(f"<speak>{segment.ssml_body}</speak>")
    written = sum(p.ms for p in pieces if isinstance(p, Silence))
    audio = renderer.render(f"<speak>{segment.ssml_body}</speak>")
    long_silences = sum(r for r in zero_runs(audio) if r >= renderer.sample_rate * 0.9)
    assert long_silences == pytest.approx(written / 1000 * renderer.sample_rate, abs=len(pieces))
    assert all(p.rate == pytest.approx(0.9) for p in pieces if isinstance(p, SpeechRun))


def test_synthesis_prints_nothing_and_leaves_no_files(
    renderer: Any, capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyttsx3's espeak driver announces every saved file on stdout, where KindWell's replies go.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    audio = renderer.synthesizer.synthesize("Be gentle with yourself.", 140)
    assert audio.dtype == np.int16 and audio.size > renderer.sample_rate // 2
    assert capfd.readouterr() == ("", "")
    assert list(tmp_path.iterdir()) == []


def test_synthesizers_with_other_voices_share_pyttsx3s_one_engine_safely(renderer: Any) -> None:
    """pyttsx3 keeps one espeak engine per process: each call sets its own voice and rate first."""
    text = "Take a slow breath."
    english = renderer.synthesizer
    british = EspeakSynthesizer(SpeechSettings(voice="en"))  # espeak-ng names British English "en"
    alone = english.synthesize(text, 140).size, british.synthesize(text, 180).size
    assert alone[0] > 1.2 * alone[1]
    results: dict[int, list[np.ndarray]] = {0: [], 1: []}

    def speak(index: int) -> None:
        synthesizer, rate = (english, 140) if index == 0 else (british, 180)
        results[index] = [synthesizer.synthesize(text, rate) for _ in range(5)]

    threads = [threading.Thread(target=speak, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for index in (0, 1):
        # espeak-ng's output varies by a few samples from call to call, even one voice alone.
        assert [audio.size for audio in results[index]] == pytest.approx([alone[index]] * 5, rel=0.01)


def test_an_unknown_voice_is_one_sentence() -> None:
    with pytest.raises(SpeechEngineError, match=r"no voice 'xx-nowhere'; list voices with `espeak-ng --voices`"):
        EspeakSynthesizer(SpeechSettings(voice="xx-nowhere"))
