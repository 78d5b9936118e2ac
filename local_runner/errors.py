"""Errors of the offline runner: each message is one sentence saying what is wrong and the fix."""

from skill.errors import KindWellError


class VoiceError(KindWellError):
    """Base class for offline voice problems."""


class NoModelError(VoiceError):
    """No Vosk model could be found."""


class ModelLoadError(VoiceError):
    """A Vosk model exists but cannot be loaded."""


class DownloadError(VoiceError):
    """A model download failed (offline, bad checksum, bad archive)."""


class AudioDeviceError(VoiceError):
    """No usable microphone or speaker."""


class SpeechEngineError(VoiceError):
    """espeak-ng (through pyttsx3) is missing or failed."""
