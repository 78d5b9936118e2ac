"""The `kindwell` command: one entry point for every front end and tool."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import KindWellError, UserInputError

F = TypeVar("F", bound=Callable[..., Any])
#: Exit status when the reader of our output goes away: 128 + SIGPIPE, what a shell reports for it.
BROKEN_PIPE_STATUS = 141


def friendly_errors(function: F) -> F:
    """Turn KindWell errors into one clear line and an exit code, never a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = function(*args, **kwargs)
            sys.stdout.flush()  # here, where a closed pipe can still be caught, not at exit
            return result
        except BrokenPipeError:
            # The reader has gone (`kindwell sample ... | head`): stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(BROKEN_PIPE_STATUS)
        except KindWellError as err:
            click.echo(f"kindwell: {err}", err=True)
            sys.exit(2)
        except OSError as err:
            where = f" {err.filename}" if err.filename else ""
            click.echo(
                f"kindwell: cannot use{where}: {err.strerror or err}; check the path and its permissions.", err=True
            )
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """KindWell: compassion-focused guided practices and affirmations by voice."""


@main.command("export-model")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--endpoint", help="HTTPS URL of the skill endpoint to put in skill.json.")
@friendly_errors
def export_model(directory: Path, endpoint: str | None) -> None:
    """Write an ASK CLI skill package (skill.json, interactionModels/custom/*.json) to DIRECTORY."""
    from .alexa_model import export_package

    if endpoint is not None:
        _check_endpoint_url(endpoint)
    for path in export_package(directory, endpoint_uri=endpoint):
        click.echo(str(path))


def _check_endpoint_url(url: str) -> None:
    """UserInputError unless url is an https:// address Alexa could call."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise UserInputError(
            f"--endpoint must be the https:// address Alexa calls, such as https://kindwell.example.org/alexa "
            f"(got {url!r})."
        )


@main.command()
@click.option("--templates-only", is_flag=True, help="Match templates exactly; no paraphrase classifier.")
@friendly_errors
def nlu(templates_only: bool) -> None:
    """Read utterances from stdin, one per line; write one JSON result per line."""
    from .nlu import Matcher

    matcher = Matcher(use_classifier=not templates_only)
    # Undecodable bytes become U+FFFD instead of ending the stream with a traceback.
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in stream:
        text = line.strip()
        if not text:
            continue
        click.echo(json.dumps(matcher.match(text).to_json(), ensure_ascii=False))
        sys.stdout.flush()


@main.command()
@click.option("--force", is_flag=True, help="Retrain models whose weights are already current too.")
@click.option(
    "--weights",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (default: the package's skill/weights).",
)
@friendly_errors
def train(force: bool, folder: Path | None) -> None:
    """Train the classifiers on prompts/ (needs scikit-learn) and write their weight files."""
    from .model_cache import WEIGHTS_DIR
    from .training import train_all

    def progress(name: str) -> None:
        click.echo(f"training {name} ...", err=True)

    done, removed = train_all(folder=folder or WEIGHTS_DIR, force=force, progress=progress)
    for trained in done:
        if trained.fresh:
            click.echo(f"{trained.path} ({trained.classes} classes, {trained.features} features)")
        else:
            click.echo(f"{trained.path} (already current)")
    for path in removed:
        click.echo(f"removed {path}")


@main.command()
@click.argument("intent")
@click.option("--expand-lists", is_flag=True, help="Fill {lists} with their values too.")
@click.option("-n", "--limit", type=int, default=50, show_default=True, help="Most sentences to print.")
@friendly_errors
def sample(intent: str, expand_lists: bool, limit: int) -> None:
    """Show the sentences an intent's templates expand to."""
    from .language import default_language

    language = default_language()
    if not language.templates(intent):
        known = ", ".join(sorted(language.intents.intents))
        raise KindWellError(f"No templates for intent {intent!r}; known intents: {known}.")
    for count, text in enumerate(language.expand(intent, expand_lists=expand_lists)):
        if count >= limit:
            click.echo("... (use -n to see more)")
            break
        click.echo(text)


@main.command()
@friendly_errors
def practices() -> None:
    """Print every practice's estimated length and silence share at each length."""
    from .content import SPEAKING_RATE_WPM, default_content, practice_table

    rows = practice_table(default_content())
    click.echo(f"speech estimated at {SPEAKING_RATE_WPM:.0f} words per minute")
    click.echo(
        f"{'practice':24s} {'min':>3s} {'total s':>8s} {'speech s':>8s} {'silence s':>9s} {'silence':>7s} {'error':>6s}"
    )
    for row in rows:
        click.echo(
            f"{row['practice']:24s} {row['minutes']:3d} {row['total_seconds']:8.1f} {row['speech_seconds']:8.1f}"
            f" {row['silence_seconds']:9.1f} {row['silence_share']:7.1%} {row['length_error']:+6.1%}"
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="TCP port to listen on.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    show_default=True,
    help="Least severe log messages to show.",
)
@click.option("--skill-id", help="Alexa skill id to accept (default: KINDWELL_SKILL_ID).")
@click.option("--no-verify", is_flag=True, help="INSECURE: skip Alexa request verification (local development only).")
@friendly_errors
def serve(host: str, port: int, log_level: str, skill_id: str | None, no_verify: bool) -> None:
    """Run the Alexa endpoint (POST /alexa, GET /healthz) with a development server."""
    import dataclasses

    from .dev_server import bind, check_port, configure_logging, server_on
    from .preflight import check_endpoint
    from .settings import EndpointSettings
    from .web import INSECURE_WARNING, create_app

    check_port(port)
    configure_logging(log_level)
    settings = EndpointSettings.from_env()
    if skill_id:
        settings = dataclasses.replace(settings, skill_id=skill_id)
    if no_verify:
        settings = dataclasses.replace(settings, verify=False)
    if not settings.verify:
        banner = "!" * 78
        click.secho(f"{banner}\n{INSECURE_WARNING}\n{banner}", fg="red", bold=True, err=True)
    elif not settings.skill_id:
        raise UserInputError(
            "Set KINDWELL_SKILL_ID (or --skill-id) to your skill's amzn1.ask.skill... id, "
            "or pass --no-verify for local development."
        )
    check_endpoint(settings)
    # Bound before the app is built and before anything is announced: a taken port is one sentence.
    listener = bind(host, port)
    try:
        server = server_on(listener, host, create_app(settings))
    finally:
        listener.close()  # the server holds its own copy of the socket
    click.echo(
        f"KindWell Alexa endpoint on http://{host}:{server.port}/alexa (development server; gunicorn in production)"
    )
    server.serve_forever()


@main.command()
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
    from .errors import UserInputError

    if files and not wav_mode:
        raise UserInputError("Files were given without --wav; use `kindwell voice --wav FILE...`.")
    if wav_mode and not files:
        raise UserInputError("--wav needs at least one WAV file; use `kindwell voice --wav FILE...`.")
    if text_mode and wav_mode:
        raise UserInputError("Choose one of --text and --wav, not both.")
    if mute and save_replies is not None:
        raise UserInputError("--mute makes no audio, so --save-replies would write nothing; drop one of them.")
    from local_runner.runner import RunOptions, run

    options = RunOptions(model=model, text=text_mode, wav_files=files, mute=mute, save_replies=save_replies)
    sys.exit(run(options))


@main.command()
@click.argument("practice", required=False)
@click.option("--minutes", type=int, help="Length to render: 3, 5 or 10.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (.mp3 or .wav).")
@click.option(
    "--all",
    "all_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Render every practice at every length into this folder (only what changed).",
)
@friendly_errors
def render(practice: str | None, minutes: int | None, output: Path | None, all_dir: Path | None) -> None:
    """Render a practice to MP3 or WAV: `render PRACTICE --minutes N -o FILE` or `render --all DIR`."""
    from .audio_catalog import AudioCatalog, default_audio_dir
    from .content import PRACTICE_LENGTHS, default_content

    content = default_content()
    if all_dir is not None:
        if practice or output or minutes:
            raise UserInputError(
                "Use either `kindwell render --all DIR` or `kindwell render PRACTICE --minutes N -o FILE`."
            )
        renderer = _practice_renderer(AudioCatalog(content, all_dir, None))
        total = sum(renderer.steps_in(p, m) for p in content.practices for m in PRACTICE_LENGTHS)
        with click.progressbar(length=total, label="Rendering practices", file=sys.stderr) as bar:
            done = renderer.render_all(bar.update)
        fresh = sum(1 for _, rendered in done if rendered)
        click.echo(f"{fresh} rendered, {len(done) - fresh} already current, in {all_dir}")
        return
    if not practice or output is None or minutes is None:
        raise UserInputError("Say what to render: `kindwell render PRACTICE --minutes N -o FILE`, or `--all DIR`.")
    if practice not in content.practices:
        raise UserInputError(f"There is no practice {practice!r}; choose one of {', '.join(content.practices)}.")
    if minutes not in PRACTICE_LENGTHS:
        offered = ", ".join(str(m) for m in PRACTICE_LENGTHS)
        raise UserInputError(f"The {practice} practice comes in {offered} minutes; pass one of those to --minutes.")
    if output.suffix.lower() not in (".mp3", ".wav"):
        raise UserInputError(f"Cannot write {output.name}: use a file name ending in .mp3 or .wav.")
    renderer = _practice_renderer(AudioCatalog(content, default_audio_dir(), None))
    renderer.check_writable(output)  # before minutes of rendering, not after
    with click.progressbar(
        length=renderer.steps_in(practice, minutes), label=f"Rendering {practice}", file=sys.stderr
    ) as bar:
        samples = renderer.render(practice, minutes, bar.update)
    renderer.write(samples, output)
    click.echo(f"{output} ({len(samples) / renderer.sample_rate / 60:.1f} minutes)")


def _practice_renderer(catalog: Any) -> Any:
    try:
        from local_runner.render import PracticeRenderer
    except ImportError as err:
        raise UserInputError(
            f"Rendering needs the voice extra ({err.name} is missing): run `pip install 'kindwell[voice]'`."
        ) from err
    return PracticeRenderer(catalog)


@main.group()
def models() -> None:
    """Vosk speech models for the offline voice."""


@models.command("download")
@click.argument("name", default="en-us")
@friendly_errors
def models_download(name: str) -> None:
    """Fetch a Vosk model (default: the small US English one) into ~/.cache/vosk."""
    from local_runner.models import KNOWN_MODELS, download

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
    from local_runner.errors import NoModelError
    from local_runner.models import cache_dir, find_model, installed_models

    found = installed_models()
    try:
        used: Path | None = find_model()
    except NoModelError as err:
        used, why = None, str(err)
    if not found:
        click.echo(f"No models in {cache_dir()}; run `kindwell models download en-us`.")
    for path in found:
        click.echo(f"{path}  (kindwell voice uses this one)" if path == used else str(path))
    if used is None and found:
        # Models in other languages are listed, but `voice` needs an English one.
        click.echo(f"kindwell voice uses none of these: {why}")
    elif used is not None and used not in found:
        click.echo(f"kindwell voice uses {used} (KINDWELL_VOSK_MODEL or VOSK_MODEL_PATH).")


if __name__ == "__main__":
    main()
