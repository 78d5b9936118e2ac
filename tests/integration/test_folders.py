"""Where KindWell keeps files (skill/folders.py): the README's defaults, the XDG variables platformdirs
honours on Linux, the KINDWELL_* overrides, and Vosk's own model folder. HOME is a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill import folders
from skill.persistence import SQLitePersistenceAdapter
from skill.settings import EndpointSettings

OVERRIDES = ("KINDWELL_DB", "KINDWELL_CACHE", "KINDWELL_AUDIO_DIR", "KINDWELL_VOSK_CACHE")

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the README's defaults are Linux paths")


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no XDG or KINDWELL folder variables set."""
    for name in (*OVERRIDES, "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@linux_only
def test_defaults_are_the_folders_the_readme_names(home: Path) -> None:
    assert folders.database_path() == home / ".local" / "share" / "kindwell" / "kindwell.sqlite3"
    assert folders.cache_dir() == home / ".cache" / "kindwell"
    assert folders.audio_dir() == home / ".cache" / "kindwell" / "audio"
    assert folders.vosk_models_dir() == home / ".cache" / "vosk"
    assert not any(home.iterdir()), "asking where a folder is creates nothing"


@linux_only
def test_xdg_folders_are_honoured_except_for_vosk_models(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    assert folders.database_path() == home / "data" / "kindwell" / "kindwell.sqlite3"
    assert folders.cache_dir() == home / "cache" / "kindwell"
    assert folders.audio_dir() == home / "cache" / "kindwell" / "audio"
    # Vosk downloads into and looks in ~/.cache/vosk whatever XDG_CACHE_HOME says.
    assert folders.vosk_models_dir() == home / ".cache" / "vosk"


def test_each_variable_moves_its_folder_only(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    monkeypatch.setenv("KINDWELL_DB", str(home / "elsewhere" / "progress.db"))
    monkeypatch.setenv("KINDWELL_CACHE", str(home / "my-cache"))
    assert folders.database_path() == home / "elsewhere" / "progress.db"
    assert folders.cache_dir() == home / "my-cache"
    assert folders.audio_dir() == home / "xdg-cache" / "kindwell" / "audio", "KINDWELL_CACHE leaves audio alone"
    monkeypatch.setenv("KINDWELL_AUDIO_DIR", str(home / "rendered"))
    monkeypatch.setenv("KINDWELL_VOSK_CACHE", str(home / "models"))
    assert folders.audio_dir() == home / "rendered"
    assert folders.vosk_models_dir() == home / "models"


def test_overrides_expand_a_tilde_and_blank_means_unset(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINDWELL_DB", "~/kw.sqlite3")
    assert folders.database_path() == home / "kw.sqlite3"
    monkeypatch.setenv("KINDWELL_VOSK_CACHE", "  ")
    assert folders.vosk_models_dir() == Path.home() / ".cache" / "vosk"
    assert folders.env_path("KINDWELL_AUDIO_DIR", {"KINDWELL_AUDIO_DIR": " ~/a "}) == home / "a"
    assert folders.env_path("KINDWELL_AUDIO_DIR", {}) is None


def test_the_endpoint_settings_read_the_same_overrides(home: Path) -> None:
    settings = EndpointSettings.from_env({"KINDWELL_DB": "~/p.sqlite3", "KINDWELL_AUDIO_DIR": "~/audio"})
    assert settings.sqlite_path == home / "p.sqlite3"
    assert settings.audio_dir == home / "audio"
    assert EndpointSettings.from_env({"KINDWELL_DB": " "}).sqlite_path is None


@linux_only
def test_the_sqlite_store_is_created_in_the_default_data_folder(home: Path) -> None:
    adapter = SQLitePersistenceAdapter()
    try:
        assert adapter.path == home / ".local" / "share" / "kindwell" / "kindwell.sqlite3"
        assert adapter.path.is_file()
    finally:
        adapter.close()


def test_the_vosk_models_folder_is_the_one_vosk_itself_uses(home: Path) -> None:
    """vosk.MODEL_DIRS, read in a fresh process with the same HOME (it is computed at import)."""
    env = {k: v for k, v in os.environ.items() if k not in (*OVERRIDES, "VOSK_MODEL_PATH")}
    env["HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-c", "import vosk; print(vosk.MODEL_DIRS[-1])"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert Path(result.stdout.strip()) == folders.vosk_models_dir()
