"""The offline front end's commands, added to `kindwell` through the kindwell.commands entry points:
`kindwell voice`, `kindwell render` and `kindwell models`.

Only click and the core are imported here, so `kindwell --help` lists these commands without loading
an audio stack; each command imports what it runs when it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from skill.cli import friendly_errors
from skill.errors import UserInputError


@click.command()
@click.option(
    "--model",
    "model",
    type=click.Path(path_type=Path),
    help="Vosk model folder (else KINDWELL_VOSK_MODEL, VOSK_MODEL_PATH, or ~/.cache/vosk).",
)
@click.option("--text", "text_mode", is_flag=True, help="Type lines instead of speaking; a session starts at once.")
@click.option("--wav", "wav_mode", is_flag=True, help="Treat FILES as WAV recordings, one utterance each.")
@click.option("--mute", is_flag=True, help="Print replies without speaking them.")
@click.option(
    "--save-replies",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write spoken replies to WAV files in this folder instead of playing them.",
)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def voice(
    model: Path | None, text_mode: bool, wav_mode: bool, mute: bool, save_replies: Path | None, files: tuple[Path, ...]
) -> None:
    """Talk to KindWell offline: microphone (default), --text, or --wav FILE..."""
    if files and not wav_mode:
        raise UserInputError("Files were given without --wav; use `kindwell voice --wav FILE...`.")
    if wav_mode and not files:
        raise UserInputError("--wav needs at least one WAV file; use `kindwell voice --wav FILE...`.")
    if text_mode and wav_mode:
        raise UserInputError("Choose one of --text and --wav, not both.")
    if mute and save_replies is not None:
        raise UserInputError("--mute makes no audio, so --save-replies would write nothing; drop one of them.")
    from .runner import RunOptions, run

    options = RunOptions(model=model, text=text_mode, wav_files=files, mute=mute, save_replies=save_replies)
    sys.exit(run(options))


@click.command()
@click.argument("practice", required=False)
@click.option(
    "--minutes", type=int, help="Length to render: 3, 5 or 10 (the wind-down also 20; the timer 5, 10, 15 or 20)."
)
@click.option("--variant", type=int, default=1, show_default=True, help="Which variant of the practice, from 1.")
@click.option(
    "--bells",
    type=click.Choice(["none", "halfway", "every_five"]),
    default="none",
    show_default=True,
    help="The timer's interval bells.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (.mp3 or .wav).")
@click.option(
    "--all",
    "all_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Render every variant of every practice at every length into this folder (only what changed).",
)
@friendly_errors
def render(
    practice: str | None,
    minutes: int | None,
    variant: int,
    bells: str,
    output: Path | None,
    all_dir: Path | None,
) -> None:
    """Render a practice or the timer to MP3 or WAV: `render PRACTICE --minutes N -o FILE` or `render --all DIR`.

    PRACTICE `timer` is the silent meditation timer (with --bells for interval bells; it has no variants).
    """
    from skill.audio_catalog import AudioCatalog
    from skill.content import default_content
    from skill.folders import audio_dir
    from skill.timer import TIMER_ID, TIMER_LENGTHS

    content = default_content()
    if all_dir is not None:
        if practice or output or minutes:
            raise UserInputError(
                "Use either `kindwell render --all DIR` or `kindwell render PRACTICE --minutes N -o FILE`."
            )
        catalog = AudioCatalog(content, all_dir, None)
        renderer = _practice_renderer(catalog)
        total = sum(renderer.steps_in(t.practice, t.minutes, catalog.variant_of(t) or 0) for t in catalog.tracks())
        with click.progressbar(length=total, label="Rendering practices", file=sys.stderr) as bar:
            done = renderer.render_all(bar.update)
        fresh = sum(1 for _, rendered in done if rendered)
        click.echo(f"{fresh} rendered, {len(done) - fresh} already current, in {all_dir}")
        return
    if not practice or output is None or minutes is None:
        raise UserInputError("Say what to render: `kindwell render PRACTICE --minutes N -o FILE`, or `--all DIR`.")
    if practice not in content.practices and practice != TIMER_ID:
        choices = ", ".join([*content.practices, TIMER_ID])
        raise UserInputError(f"There is no practice {practice!r}; choose one of {choices}.")
    lengths = TIMER_LENGTHS if practice == TIMER_ID else content.practice(practice).lengths
    if minutes not in lengths:
        offered = ", ".join(str(m) for m in lengths)
        raise UserInputError(f"The {practice} practice comes in {offered} minutes; pass one of those to --minutes.")
    count = 1 if practice == TIMER_ID else content.practice(practice).variant_count(minutes)
    if not 1 <= variant <= count:
        raise UserInputError(f"The {practice} practice has variants 1 to {count}; pass one of those to --variant.")
    if output.suffix.lower() not in (".mp3", ".wav"):
        raise UserInputError(f"Cannot write {output.name}: use a file name ending in .mp3 or .wav.")
    catalog = AudioCatalog(content, audio_dir(), None)
    renderer = _practice_renderer(catalog)
    if practice == TIMER_ID:
        track = catalog.timer_track(minutes, bells)
    else:
        track = catalog.track(practice, minutes, variant - 1)
    renderer.check_writable(output)  # before minutes of rendering, not after
    with click.progressbar(
        length=renderer.steps_in(track.practice, minutes, variant - 1), label=f"Rendering {practice}", file=sys.stderr
    ) as bar:
        samples = renderer.render_track(track, bar.update)
    renderer.write(samples, output, renderer.bitrate_for(track))
    click.echo(f"{output} ({len(samples) / renderer.sample_rate / 60:.1f} minutes)")


def _practice_renderer(catalog: Any) -> Any:
    try:
        from .render import PracticeRenderer
    except ImportError as err:
        raise UserInputError(
            f"Rendering needs the voice extra ({err.name} is missing): run `pip install 'kindwell[voice]'`."
        ) from err
    return PracticeRenderer(catalog)


@click.group()
def models() -> None:
    """Vosk speech models for the offline voice."""


@models.command("download")
@click.argument("name", default="en-us")
@friendly_errors
def models_download(name: str) -> None:
    """Fetch a Vosk model (default: the small US English one) into ~/.cache/vosk."""
    from .models import KNOWN_MODELS, download

    source = KNOWN_MODELS.get(name)
    label = f"{source.name} (~{source.size_mb} MB)" if source else name
    with click.progressbar(length=1, label=f"Downloading {label}", file=sys.stderr) as bar:

        def progress(done: int, total: int | None) -> None:
            # Without a Content-Length there is nothing to measure against: the label alone shows.
            if total:
                if bar.length != total:
                    bar.length = total
                bar.update(done - bar.pos)

        path = download(name, progress=progress)
    click.echo(str(path))


@models.command("list")
@friendly_errors
def models_list() -> None:
    """Show the Vosk models installed in ~/.cache/vosk, and which one `kindwell voice` uses."""
    from skill.folders import vosk_models_dir

    from .errors import NoModelError
    from .models import find_model, installed_models

    found = installed_models()
    why = ""
    try:
        used: Path | None = find_model()
    except NoModelError as err:
        used, why = None, str(err)
    if not found:
        click.echo(f"No models in {vosk_models_dir()}; run `kindwell models download en-us`.")
    for path in found:
        click.echo(f"{path}  (kindwell voice uses this one)" if path == used else str(path))
    if used is None and found:
        # Models in other languages are listed, but `voice` needs an English one.
        click.echo(f"kindwell voice uses none of these: {why}")
    elif used is not None and used not in found:
        click.echo(f"kindwell voice uses {used} (KINDWELL_VOSK_MODEL or VOSK_MODEL_PATH).")
