"""Rendered practice audio: names keyed by a content hash, and the URLs Alexa streams them from.

The catalog hands out public HTTPS URLs only. A front end on the same machine as the files (the
offline runner) subclasses it to hand out their file:// URIs instead, so the skill answers it with
the same AudioPlayer.Play directive an Echo gets.

A practice's audio file name carries a hash of its script and the voice settings, so changing a
word or the voice renders a new file and stale audio is never served under the old name. Each
variant of a practice at a length is its own file; the token names the variant through that hash,
so a saved stream resumes in the words it started with.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .content import PRACTICE_PROSODY_RATE, Content, PracticeScript
from .practices import MAX_PRACTICE_MINUTES

#: Bump when the renderer changes in a way that alters the audio.
RENDER_FORMAT = 1
TOKEN_PREFIX = "kindwell"
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

    def track(self, practice_id: str, minutes: int, variant: int = 0) -> AudioTrack:
        """The track for one variant of a practice at a length (whether or not it is rendered yet)."""
        practice = self.content.practice(practice_id)
        script = practice.script(minutes, variant)
        return AudioTrack(practice_id, minutes, script_key(script, practice.title, self.voice))

    def tracks(self) -> list[AudioTrack]:
        """Every variant of every practice at every length it is offered at."""
        return [
            self.track(practice.id, minutes, variant)
            for practice in self.content.practices.values()
            for minutes in practice.lengths
            for variant in range(practice.variant_count(minutes))
        ]

    def variant_of(self, track: AudioTrack) -> int | None:
        """Which current variant a track is a rendering of; None when it names no current rendering."""
        practice = self.content.practices.get(track.practice)
        if practice is None or track.minutes not in practice.lengths:
            return None
        for variant in range(practice.variant_count(track.minutes)):
            if self.track(track.practice, track.minutes, variant) == track:
                return variant
        return None

    def path(self, track: AudioTrack, extension: str = "mp3") -> Path:
        """Where a track's audio file lives."""
        return self.directory / f"{track.stem}.{extension}"

    def url(self, track: AudioTrack) -> str | None:
        """The public HTTPS URL of a rendered track; None when it is not rendered or there is no HTTPS URL."""
        path = self.path(track)
        if not path.is_file():
            return None
        if not self.public_url or not self.public_url.startswith("https://"):
            return None
        return f"{self.public_url.rstrip('/')}/audio/{track.stem}.mp3"

    def is_current(self, track: AudioTrack) -> bool:
        """True when a token still names a current rendering of its practice (any of its variants)."""
        return self.variant_of(track) is not None
