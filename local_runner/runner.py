"""Wiring for `kindwell voice`: the same skill and SQLite store as the endpoint, plus the voice parts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from skill.app import build_skill
from skill.folders import audio_dir
from skill.locality import local_country
from skill.nlu import Matcher
from skill.persistence import SQLitePersistenceAdapter
from skill.prompts import default_prompts
from skill.safety import default_safety

from .audio import SilentSpeaker, Speaker, WavFileMicrophone, open_microphone, open_speaker
from .device import Conversation, LocalAudioCatalog
from .grammar import CommandGrammar, template_grammar
from .loop import VoiceLoop
from .models import find_model
from .recognizer import VoskEngine
from .replies import Reply
from .settings import VoiceSettings
from .tts import EspeakSynthesizer, SpeechRenderer


@dataclass(frozen=True)
class RunOptions:
    """What the command line asked for."""

    model: Path | None = None
    """--model PATH."""
    text: bool = False
    """--text: type lines instead of speaking."""
    wav_files: tuple[Path, ...] = ()
    """--wav FILE...: each file one utterance."""
    mute: bool = False
    """--mute: print replies only."""
    save_replies: Path | None = None
    """--save-replies DIR: write each spoken reply to a WAV file instead of playing it."""
    database: Path | None = None
    """SQLite file (default: the endpoint's, KINDWELL_DB)."""


def build_loop(
    settings: VoiceSettings,
    options: RunOptions,
    grammar: CommandGrammar | None = None,
    on_reply: Callable[[Reply], None] | None = None,
    speaker: Speaker | None = None,
) -> VoiceLoop:
    """The loop over the real skill; speaker from the options unless one is given.

    Practices rendered into KINDWELL_AUDIO_DIR (`kindwell render --all DIR`) play as one stream
    through the device's AudioPlayer whenever replies are audible; with --mute the device has no
    AudioPlayer and practices stay spoken segments, printed.
    """
    prompts = default_prompts()
    catalog = LocalAudioCatalog(prompts.content, audio_dir(), None)
    safety = default_safety()
    adapter = SQLitePersistenceAdapter(options.database)
    skill = build_skill(adapter, prompts=prompts, safety=safety, audio=catalog, country=local_country())
    matcher = Matcher(prompts, safety)
    renderer = SpeechRenderer(EspeakSynthesizer(settings.speech), settings.speech, prompts.words.digit_names)
    if speaker is None:
        speaker = open_speaker(settings.audio, renderer.sample_rate, mute=options.mute, save_dir=options.save_replies)
    audible = not options.mute and not isinstance(speaker, SilentSpeaker)
    conversation = Conversation(
        skill,
        user_id=settings.loop.user_id,
        locale=settings.loop.locale,
        supported_interfaces={"AudioPlayer": {}} if audible else {},
    )
    return VoiceLoop(
        conversation,
        matcher,
        grammar or template_grammar(),
        renderer,
        speaker,
        settings.loop,
        settings.recognizer,
        on_reply,
        settings.player,
    )


def print_reply(reply: Reply) -> None:
    """Print a reply's words (replies are what KindWell says, never what the user said)."""
    if reply.text:
        print(f"KindWell: {reply.text}", flush=True)


def run(options: RunOptions, settings: VoiceSettings | None = None, lines: Iterable[str] | None = None) -> int:
    """Run one mode until input ends or Ctrl-C; the exit code."""
    settings = settings or VoiceSettings()
    if options.text:
        settings = replace(settings, loop=replace(settings.loop, require_wake=False))
        loop = build_loop(settings, options, on_reply=print_reply)
        return _guarded(loop, lambda: loop.run_text(lines if lines is not None else sys.stdin))
    grammar = template_grammar()
    engine = VoskEngine.load(find_model(options.model), grammar, settings.audio.sample_rate, settings.recognizer)
    if not engine.report.complete:
        print(f"kindwell: {engine.report.summary()}", file=sys.stderr)
    if options.wav_files:
        settings = replace(settings, loop=replace(settings.loop, require_wake=False))
        microphones = [WavFileMicrophone(path, settings.audio) for path in options.wav_files]
        loop = build_loop(settings, options, grammar=engine.grammar, on_reply=print_reply)
        return _guarded(
            loop,
            lambda: loop.run_utterances(
                (m.chunks() for m in microphones), engine.command_stream(), engine.open_stream()
            ),
        )
    microphone = open_microphone(settings.audio)
    loop = build_loop(settings, options, grammar=engine.grammar, on_reply=print_reply)
    detector = engine.command_detector(loop.commands)
    wake = (settings.loop.wake_phrases or default_prompts().words.wake_phrases)[0]
    print(f'kindwell: listening; say "{wake}" (Ctrl-C to quit).', file=sys.stderr, flush=True)
    try:
        return _guarded(
            loop,
            lambda: loop.run_microphone(
                microphone, engine.command_stream(), engine.open_stream(), detector, settings.audio.chunk_ms
            ),
        )
    finally:
        microphone.close()


def _guarded(loop: VoiceLoop, body: Callable[[], None]) -> int:
    """Run body; on Ctrl-C save the place and say goodbye, exit 130."""
    try:
        body()
    except KeyboardInterrupt:
        try:
            if loop.goodbye() is None:
                print(f"KindWell: {loop.matcher.prompts.content.responses.get('goodbye')}", flush=True)
        except KeyboardInterrupt:
            pass
        return 130
    finally:
        if loop.player is not None:
            loop.player.close()
        if loop.speaker is not None:
            loop.speaker.close()
    return 0
