"""The listening page and the rendered audio it (and Alexa's AudioPlayer) streams.

A Flask blueprint: `/listen` lists every practice with a player, `/audio/<file>` serves rendered
audio with the right content type, an ETag, long-lived caching (names carry a content hash, so a
name never changes meaning) and HTTP Range requests for seeking, all from Werkzeug's send_file.
Only names that match a rendered track are served; nothing outside the audio cache can be reached.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, send_file

from ..audio_catalog import AudioCatalog, AudioTrack
from ..safety import SafetyPolicy
from ..timer import TIMER_ID, TIMER_LENGTHS

# Practice and timer tracks ("soothing_breath-10min-<hash>.mp3"), and the bell clips SSML plays.
_AUDIO_NAME = re.compile(r"^(?:[a-z_]+-\d+min|bell_(?:strike|closing))-[0-9a-f]{12}\.(mp3|wav)$")
_MIME = {"mp3": "audio/mpeg", "wav": "audio/wav"}
#: A year: a rendered file's name changes whenever its content does.
AUDIO_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Listing:
    """One practice on the page."""

    id: str
    title: str
    description: str
    tracks: list[tuple[int, str | None]]
    """(minutes, audio path on this site or None when not rendered yet)."""


def listings(catalog: AudioCatalog, day: dt.date | None = None) -> list[Listing]:
    """Every practice at every length it is offered at, in the variant of the day, then the silent timer
    (without interval bells; it has no variants), each length with whether it is rendered.

    The page knows no listener, so every visitor gets the same variant on a given day (the endpoint's
    date), and a different one the next day.
    """

    def src(track: AudioTrack) -> str | None:
        return f"/audio/{track.stem}.mp3" if catalog.path(track).is_file() else None

    ordinal = (day or dt.date.today()).toordinal()
    result = []
    for practice in catalog.content.practices.values():
        tracks = [
            (minutes, src(catalog.track(practice.id, minutes, ordinal % practice.variant_count(minutes))))
            for minutes in practice.lengths
        ]
        result.append(Listing(practice.id, practice.title, practice.description, tracks))
    timer = catalog.content.timer
    tracks = [(minutes, src(catalog.timer_track(minutes, "none"))) for minutes in TIMER_LENGTHS]
    result.append(Listing(TIMER_ID, timer.title, timer.description, tracks))
    return result


def crisis_lines(safety: SafetyPolicy) -> list[tuple[str, str, str]]:
    """(name, number, regions) for the page footer, one row per distinct line."""
    rows: dict[tuple[str, str], list[str]] = {}
    for locale, line in safety.lines.items():
        rows.setdefault((line.name, line.display), []).append(locale.split("-")[-1])
    return [(name, number, ", ".join(regions)) for (name, number), regions in rows.items()]


def listen_blueprint(catalog: AudioCatalog, safety: SafetyPolicy) -> Blueprint:
    """Routes for the listening page and the audio files."""
    blueprint = Blueprint("listen", __name__, template_folder="templates")

    @blueprint.get("/listen")
    def page() -> str:
        return render_template("listen.html", practices=listings(catalog), lines=crisis_lines(safety))

    @blueprint.get("/audio/<name>")
    def audio(name: str) -> Response:
        match = _AUDIO_NAME.match(name)
        if match is None:
            abort(404)
        path = catalog.directory / name
        if not path.is_file() or path.resolve().parent != catalog.directory.resolve():
            abort(404)
        response = send_file(path, mimetype=_MIME[match.group(1)], conditional=True, etag=True, max_age=AUDIO_MAX_AGE)
        response.headers["Cache-Control"] = f"public, max-age={AUDIO_MAX_AGE}, immutable"
        response.headers["Accept-Ranges"] = "bytes"
        return response

    return blueprint
