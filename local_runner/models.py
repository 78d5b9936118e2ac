"""Vosk models: find one, download one (progress bar, SHA-256 check, atomic unpack), list them.

Models live where Vosk itself looks: ~/.cache/vosk (KINDWELL_VOSK_CACHE moves it; skill.folders).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from skill.folders import env_path, vosk_models_dir

from .errors import DownloadError, NoModelError

NO_MODEL = "No Vosk model found. Run `kindwell models download en-us` or pass --model PATH."
_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class ModelSource:
    """A downloadable model."""

    name: str
    """Folder name inside the zip, and in the cache."""
    url: str
    sha256: str
    """SHA-256 of the zip file, hex."""
    size_mb: int
    """Approximate download size, in megabytes."""


KNOWN_MODELS: dict[str, ModelSource] = {
    "en-us": ModelSource(
        name="vosk-model-small-en-us-0.15",
        url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        size_mb=40,
    ),
}
DEFAULT_MODEL = "en-us"


def looks_like_model(path: Path) -> bool:
    """True when a folder has the files every Vosk model has."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()


def installed_models(directory: Path | None = None) -> list[Path]:
    """Models in the cache folder, by name."""
    base = directory or vosk_models_dir()
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".") and looks_like_model(p))


def find_model(explicit: Path | None = None) -> Path:
    """--model, else KINDWELL_VOSK_MODEL, else VOSK_MODEL_PATH, else the English model in the cache."""
    if explicit is not None:
        return explicit
    for variable in ("KINDWELL_VOSK_MODEL", "VOSK_MODEL_PATH"):
        path = env_path(variable)
        if path is None:
            continue
        if variable == "VOSK_MODEL_PATH" and not looks_like_model(path):
            # Vosk's own variable names a folder of models; take the English one in it.
            models = installed_models(path)
            found = _english(models)
            if found:
                return found
            raise NoModelError(no_english_model(f"VOSK_MODEL_PATH ({path})", models))
        return path
    models = installed_models()
    found = _english(models)
    if found is None:
        raise NoModelError(no_english_model(str(vosk_models_dir()), models) if models else NO_MODEL)
    return found


def no_english_model(where: str, models: list[Path]) -> str:
    """One sentence for a place that holds no English model (maybe models in other languages)."""
    if not models:
        return (
            f"{where} is neither a Vosk model nor a folder holding one; point it at a model folder, "
            "or run `kindwell models download en-us`."
        )
    names = ", ".join(model.name for model in models)
    return (
        f"{where} holds {names} but no English model; run `kindwell models download en-us` "
        "or pass --model PATH to an English model."
    )


def _english(models: list[Path]) -> Path | None:
    preferred = [m for m in models if m.name == KNOWN_MODELS[DEFAULT_MODEL].name]
    english = [m for m in models if "-en-us" in m.name or m.name.endswith("-en")]
    found = preferred or english
    return found[0] if found else None


Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None)."""


def download(
    name: str = DEFAULT_MODEL,
    *,
    directory: Path | None = None,
    source: ModelSource | None = None,
    progress: Progress | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Fetch a model zip, check its SHA-256 and unpack it atomically into the cache; returns its folder."""
    if source is None:
        if name not in KNOWN_MODELS:
            known = ", ".join(sorted(KNOWN_MODELS))
            raise DownloadError(f"Unknown model {name!r}; choose one of: {known}.")
        source = KNOWN_MODELS[name]
    base = directory or vosk_models_dir()
    target = base / source.name
    if looks_like_model(target):
        return target
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=base) as work:
        archive = Path(work) / "model.zip"
        digest = _fetch(source.url, archive, progress, timeout_s)
        if digest != source.sha256:
            raise DownloadError(
                f"The download of {source.name} is damaged (SHA-256 {digest[:12]}... is not {source.sha256[:12]}...); "
                "run the download again."
            )
        unpacked = Path(work) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as bundle:
                _safe_extract(bundle, unpacked)
        except zipfile.BadZipFile as err:
            raise DownloadError(f"The download of {source.name} is not a zip file; run the download again.") from err
        root = unpacked / source.name
        if not looks_like_model(root):
            raise DownloadError(f"The archive has no Vosk model folder {source.name}/; report this to KindWell.")
        # Same file system, so the rename is atomic: a model folder is whole or absent.
        try:
            root.rename(target)
        except OSError:
            if not looks_like_model(target):
                raise
    return target


def _fetch(url: str, path: Path, progress: Progress | None, timeout_s: float) -> str:
    digest = hashlib.sha256()
    host = urllib.parse.urlsplit(url).hostname or url
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, path.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{host} answered {err.code} for the model download; try again later.") from err
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        raise DownloadError(
            f"Cannot reach {host} to download the model (no internet connection?); connect and try again, "
            "or pass --model PATH to a model you have."
        ) from err
    return digest.hexdigest()


def _safe_extract(bundle: zipfile.ZipFile, destination: Path) -> None:
    root = destination.resolve()
    for member in bundle.infolist():
        target = (destination / member.filename).resolve()
        if not target.is_relative_to(root):
            raise DownloadError(
                f"The archive tries to write outside its folder ({member.filename}); it is not a model."
            )
    bundle.extractall(destination)


def remove_partial(directory: Path | None = None) -> None:
    """Delete leftovers of interrupted downloads."""
    base = directory or vosk_models_dir()
    for leftover in base.glob(".download-*"):
        shutil.rmtree(leftover, ignore_errors=True)
