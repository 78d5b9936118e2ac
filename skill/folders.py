"""Where KindWell keeps files on this machine: every folder is decided here, and only here.

Each folder has an environment variable that moves it. Otherwise the per-user folders come from
platformdirs: on Linux the XDG ones (~/.local/share/kindwell and ~/.cache/kindwell, or under
XDG_DATA_HOME and XDG_CACHE_HOME when set), on macOS ~/Library/Application Support/kindwell and
~/Library/Caches/kindwell, on Windows under %LOCALAPPDATA%.

Vosk models are the exception: ~/.cache/vosk on every system, because that is the folder Vosk's own
model download fills and looks in (vosk.MODEL_DIRS), so models fetched either way are found.

Nothing is created here and nothing is created at import. On AWS Lambda, where only /tmp is writable,
progress lives in DynamoDB and a model retrained in memory simply is not cached (skill.model_cache);
point KINDWELL_CACHE or KINDWELL_DB under /tmp to keep them for the life of a container.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "kindwell"


def env_path(name: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """The path an environment variable names (~ expanded), or None when it is unset or blank."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The per-user folder for KindWell's own data."""
    # platformdirs is imported when a default is first needed (about 10 ms), not by every cold start.
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_cache_dir() -> Path:
    """The per-user cache folder for KindWell."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Derived files that can be made again (retrained models, Vosk grammar views): KINDWELL_CACHE,
    else the per-user cache folder."""
    return env_path("KINDWELL_CACHE") or user_cache_dir()


def database_path() -> Path:
    """The SQLite progress file: KINDWELL_DB, else kindwell.sqlite3 in the per-user data folder."""
    return env_path("KINDWELL_DB") or data_dir() / "kindwell.sqlite3"


def audio_dir() -> Path:
    """Rendered practices: KINDWELL_AUDIO_DIR, else audio/ in the per-user cache folder.

    KINDWELL_CACHE does not move it: the README names KINDWELL_AUDIO_DIR as the one setting for it.
    """
    return env_path("KINDWELL_AUDIO_DIR") or user_cache_dir() / "audio"


def vosk_models_dir() -> Path:
    """Vosk speech models: KINDWELL_VOSK_CACHE, else ~/.cache/vosk, where Vosk itself keeps them."""
    return env_path("KINDWELL_VOSK_CACHE") or Path.home() / ".cache" / "vosk"
