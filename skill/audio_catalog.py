"""Rendered practice audio: names keyed by a content hash, and the URLs Alexa streams them from.

The catalog hands out public HTTPS URLs only. A front end on the same machine as the files (the
offline runner) subclasses it to hand out their file:// URIs instead, so the skill answers it with
the same AudioPlayer.Play directive an Echo gets.

A practice's audio file name carries a hash of its script and the voice settings, so changing a
word or the voice renders a new file and stale audio is never served under the old name. Each
variant of a practice at a length is its own file; the token names the variant through that hash,
so a saved stream resumes in the words it started with. Timer streams (skill.timer) and the bell
clips SSML plays are named the same way, by a hash of the bell settings, the timeline and the voice
whose loudness the bell matches; the timer has one wording, so it is always variant 0.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .content import PRACTICE_PROSODY_RATE, Content, PracticeScript
from .practices import MAX_PRACTICE_MINUTES
from .timer import BELLS, TIMER_LENGTHS, BellKind, BellSettings, TimerPlan, is_timer_track, plan_for_track

#: Bump when the renderer changes in a way that alters the audio.
RENDER_FORMAT = 1
#: Bump when the bell's synthesis changes in a way that alters the audio.
BELL_FORMAT = 1
TOKEN_PREFIX = "kindwell"
BELL_KINDS: tuple[BellKind, ...] = ("strike", "closing")
# ASCII only and bounded: str.isdigit() accepts "²", and int() refuses numbers of thousands of digits.
_TOKEN = re.compile(rf"{TOKEN_PREFIX}:([a-z0-9_-]{{1,64}}):([0-9]{{1,3}}):([A-Za-z0-9]{{1,64}})", re.ASCII)


@dataclass(frozen=True)
class VoiceSettings:
    """How practices are rendered to audio."""

    voice: str = "en-us"
    """espeak-ng voice name."""
    espeak_rate_wpm: int = 140
    """espeak-ng's rate setting at <prosody rate="100%">, in its words per minute. Practice text is
    marked up at PRACTICE_PROSODY_RATE (90 %), and espeak-ng really speaks about 1.1x its setting,
    which lands on the SPEAKING_RATE_WPM (140) the practice lengths are written for."""
    prosody_percent: int = PRACTICE_PROSODY_RATE
    """Rate practice speech is marked up with, in percent of the voice's normal rate."""
    mp3_bitrate_kbps: int = 64
    """Constant MP3 bitrate, in kilobits per second."""
    loudness_dbfs: float = -20.0
    """RMS level every speech segment is brought to, in dBFS, so segments sound equally loud."""


def script_key(script: PracticeScript, title: str, voice: VoiceSettings) -> str:
    """Hash of everything that decides how a practice sounds."""
    payload = {
        "format": RENDER_FORMAT,
        "title": title,
        # A step's loudness is part of how it sounds only when it is not the voice's own level.
        "steps": [
            [step.text, step.pause_seconds, *([step.volume_db] if step.volume_db else [])] for step in script.steps
        ],
        "voice": asdict(voice),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


def bell_key(bell: BellSettings, voice: VoiceSettings, extra: object = None) -> str:
    """Hash of everything that decides how a bell (or a timer made of bells) sounds."""
    payload = {"format": BELL_FORMAT, "bell": asdict(bell), "voice": asdict(voice), "extra": extra}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class AudioTrack:
    """One rendered practice at one length."""

    practice: str
    minutes: int
    key: str

    @property
    def stem(self) -> str:
        """File name without extension."""
        return f"{self.practice}-{self.minutes}min-{self.key}"

    @property
    def token(self) -> str:
        """AudioPlayer token: identifies the track in playback events."""
        return f"{TOKEN_PREFIX}:{self.practice}:{self.minutes}:{self.key}"

    @classmethod
    def from_token(cls, token: str | None) -> AudioTrack | None:
        """Parse a token this skill issued (a length a practice may have); None for anything else.

        Whether that practice is offered at that length is the typed state's check (skill.state.Vocabulary).
        """
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None or not 0 < int(match.group(2)) <= MAX_PRACTICE_MINUTES:
            return None
        return cls(match.group(1), int(match.group(2)), match.group(3))


@dataclass(frozen=True)
class AudioCatalog:
    """Rendered tracks on disk and the public HTTPS URL each is streamed from."""

    content: Content
    directory: Path
    public_url: str | None
    """HTTPS base URL of this endpoint as Alexa reaches it (KINDWELL_PUBLIC_URL), or None."""
    voice: VoiceSettings = VoiceSettings()
    bell: BellSettings = field(default_factory=BellSettings)

    def track(self, practice_id: str, minutes: int, variant: int = 0) -> AudioTrack:
        """The track for one variant of a practice at a length (whether or not it is rendered yet)."""
        practice = self.content.practice(practice_id)
        script = practice.script(minutes, variant)
        return AudioTrack(practice_id, minutes, script_key(script, practice.title, self.voice))

    def variant_of(self, track: AudioTrack) -> int | None:
        """Which current variant a track is a rendering of (0 for the timer); None when it names no current one."""
        plan = plan_for_track(track.practice, track.minutes)
        if plan is not None:
            return 0 if self.timer_track(plan.minutes, plan.bells) == track else None
        practice = self.content.practices.get(track.practice)
        if practice is None or track.minutes not in practice.lengths:
            return None
        for variant in range(practice.variant_count(track.minutes)):
            if self.track(track.practice, track.minutes, variant) == track:
                return variant
        return None

    def timer_track(self, minutes: int, bells: str) -> AudioTrack:
        """The stream of the timer at a length with an interval setting (whether or not it is rendered yet)."""
        plan = TimerPlan.of(minutes, bells)
        return AudioTrack(plan.track_id, minutes, bell_key(self.bell, self.voice, [plan.minutes, plan.bells]))

    def tracks(self) -> list[AudioTrack]:
        """Every track there is to render: each variant of each practice at each of its lengths, then each
        distinct timer."""
        practices = [
            self.track(practice.id, minutes, variant)
            for practice in self.content.practices.values()
            for minutes in practice.lengths
            for variant in range(practice.variant_count(minutes))
        ]
        timers = {self.timer_track(m, b): None for m in TIMER_LENGTHS for b in BELLS}
        return [*practices, *timers]

    def clip_stem(self, kind: BellKind) -> str:
        """File name, without extension, of a bell clip for SSML <audio>."""
        return f"bell_{kind}-{bell_key(self.bell, self.voice, kind)}"

    def clip_path(self, kind: BellKind) -> Path:
        """Where a bell clip's MP3 lives."""
        return self.directory / f"{self.clip_stem(kind)}.mp3"

    def path(self, track: AudioTrack, extension: str = "mp3") -> Path:
        """Where a track's audio file lives."""
        return self.directory / f"{track.stem}.{extension}"

    def url(self, track: AudioTrack) -> str | None:
        """The public HTTPS URL of a rendered track; None when it is not rendered or there is no HTTPS URL."""
        return self.served(self.path(track))

    def clip_url(self, kind: BellKind) -> str | None:
        """The URL an SSML <audio> tag plays a rendered bell clip from; None when there is none."""
        return self.served(self.clip_path(kind))

    def served(self, path: Path) -> str | None:
        """The public HTTPS URL of a rendered file; None when it is missing or there is no HTTPS URL."""
        if not path.is_file():
            return None
        if not self.public_url or not self.public_url.startswith("https://"):
            return None
        return f"{self.public_url.rstrip('/')}/audio/{path.name}"

    def is_current(self, track: AudioTrack) -> bool:
        """True when a token still names a current rendering of its practice (any of its variants) or timer."""
        return self.variant_of(track) is not None

    def title(self, track: AudioTrack) -> str:
        """What a track is called in a sentence ("soothing breath", "silent meditation timer")."""
        if is_timer_track(track.practice):
            return self.content.timer.title
        return self.content.practice(track.practice).title
