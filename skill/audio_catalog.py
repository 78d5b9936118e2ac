"""Rendered practice audio: names keyed by a content hash, and the URLs Alexa streams them from.

The catalog hands out public HTTPS URLs only. A front end on the same machine as the files (the
offline runner) subclasses it to hand out their file:// URIs instead, so the skill answers it with
the same AudioPlayer.Play directive an Echo gets.

A practice's audio file name carries a hash of its script and the voice settings, so changing a
word or the voice renders a new file and stale audio is never served under the old name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .content import PRACTICE_LENGTHS, PRACTICE_PROSODY_RATE, Content, PracticeScript

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


def default_audio_dir() -> Path:
    """Where rendered audio lives unless KINDWELL_AUDIO_DIR says otherwise."""
    override = os.environ.get("KINDWELL_AUDIO_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kindwell" / "audio"


def script_key(script: PracticeScript, title: str, voice: VoiceSettings) -> str:
    """Hash of everything that decides how a practice sounds."""
    payload = {
        "format": RENDER_FORMAT,
        "title": title,
        "steps": [[step.text, step.pause_seconds] for step in script.steps],
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
        """Parse a token this skill issued (an offered length); None for anything else."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None or int(match.group(2)) not in PRACTICE_LENGTHS:
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

    def track(self, practice_id: str, minutes: int) -> AudioTrack:
        """The track for a practice at a length (whether or not it is rendered yet)."""
        practice = self.content.practice(practice_id)
        return AudioTrack(practice_id, minutes, script_key(practice.script(minutes), practice.title, self.voice))

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
        """True when a token still names the current rendering of its practice."""
        return track.practice in self.content.practices and self.track(track.practice, track.minutes) == track
