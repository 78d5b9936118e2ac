"""The `kindwell` command: one entry point for every front end and tool.

The core's own commands are defined here (export-model, nlu, sample, practices, train). Front ends
add theirs through entry points in the `kindwell.commands` group (pyproject.toml): the web front end
adds `serve`, the offline runner `voice`, `render` and `models`. The core never imports a front end:
a front-end command is loaded by name only when it is run or listed, and one that cannot be loaded
(installed without its extra) says which extra to install, in one sentence.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import KindWellError, UserInputError

F = TypeVar("F", bound=Callable[..., Any])
#: Exit status when the reader of our output goes away: 128 + SIGPIPE, what a shell reports for it.
BROKEN_PIPE_STATUS = 141

#: The entry-point group through which front ends add commands to `kindwell`.
COMMAND_GROUP = "kindwell.commands"


@dataclass(frozen=True)
class FrontEndCommand:
    """A command a front end adds to `kindwell`."""

    target: str
    """Where the click command is, as an entry point names it: "module:attribute"."""
    extra: str | None
    """The pip extra that installs what the command needs (None: not known to KindWell)."""


#: The front ends' commands as pyproject.toml declares them, by command name. Used when no entry point
#: of the group is installed: running from a source checkout that was never pip-installed, or an
#: install that predates the entry points (a test keeps this table and pyproject.toml equal). Names
#: and module paths only: nothing here imports a front end.
KNOWN_FRONT_END_COMMANDS: dict[str, FrontEndCommand] = {
    "serve": FrontEndCommand("skill.web.cli:serve", "web"),
    "voice": FrontEndCommand("local_runner.cli:voice", "voice"),
    "render": FrontEndCommand("local_runner.cli:render", "voice"),
    "models": FrontEndCommand("local_runner.cli:models", "voice"),
}


def installed_entry_points() -> list[EntryPoint]:
    """The entry points installed packages declare in the kindwell.commands group."""
    return list(entry_points(group=COMMAND_GROUP))


def front_end_commands() -> dict[str, FrontEndCommand]:
    """Front-end commands by name: the installed entry points, or the known table when none are installed."""
    installed = {
        point.name: FrontEndCommand(point.value, _known_extra(point.name)) for point in installed_entry_points()
    }
    return installed or dict(KNOWN_FRONT_END_COMMANDS)


def _known_extra(name: str) -> str | None:
    known = KNOWN_FRONT_END_COMMANDS.get(name)
    return known.extra if known else None


def install_hint(name: str, command: FrontEndCommand, missing: ModuleNotFoundError) -> str:
    """One sentence for a front-end command that cannot run because a module is missing."""
    what = missing.name or "a module it needs"
    if command.extra is None:
        return f"`kindwell {name}` cannot run: {what} is missing; reinstall the package that provides it."
    return (
        f"`kindwell {name}` needs the {command.extra} extra ({what} is missing): "
        f"run `pip install 'kindwell[{command.extra}]'`."
    )


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


class KindWellGroup(click.Group):
    """The core's commands, and the front ends' loaded by name when they are run or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, the core's and the front ends'."""
        return sorted({*super().list_commands(ctx), *front_end_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A core command, else a front end's, loaded now (or one that explains what to install)."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        front_end = front_end_commands().get(cmd_name)
        if front_end is None:
            return None
        try:
            loaded = EntryPoint(cmd_name, front_end.target, COMMAND_GROUP).load()
        except ModuleNotFoundError as err:
            return _unavailable(cmd_name, install_hint(cmd_name, front_end, err))
        if not isinstance(loaded, click.Command):
            raise TypeError(f"{front_end.target} is not a click command")
        return loaded

    def invoke(self, ctx: click.Context) -> Any:
        """Run a command; a front end missing a module at run time gets one sentence, not a traceback."""
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as err:
            name = ctx.invoked_subcommand
            front_end = front_end_commands().get(name) if name else None
            if name is None or front_end is None:
                raise
            click.echo(f"kindwell: {install_hint(name, front_end, err)}", err=True)
            sys.exit(2)


def _unavailable(name: str, sentence: str) -> click.Command:
    """A stand-in for a front-end command that cannot be loaded: it says what to install."""

    @friendly_errors
    def explain() -> None:
        raise UserInputError(sentence)

    return click.Command(
        name,
        callback=explain,
        help=sentence,
        short_help="Not installed: " + sentence,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=KindWellGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """KindWell: compassion-focused guided practices and affirmations by voice."""


@main.command("export-model")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--endpoint", help="HTTPS URL Alexa sends requests to (default: the public URL + /alexa).")
@click.option(
    "--public-url",
    envvar="KINDWELL_PUBLIC_URL",
    help="HTTPS address the endpoint is reached at, for the icons and privacy page (default: KINDWELL_PUBLIC_URL).",
)
@click.option("--ask-profile", default="default", show_default=True, help="ASK CLI profile in ask-resources.json.")
@click.option(
    "--ssl-certificate-type",
    "ssl_type",
    envvar="KINDWELL_SSL_CERTIFICATE_TYPE",
    default="Wildcard",
    show_default=True,
    help="The endpoint certificate: Wildcard, SelfSigned or Trusted (default: KINDWELL_SSL_CERTIFICATE_TYPE).",
)
@friendly_errors
def export_model(
    directory: Path, endpoint: str | None, public_url: str | None, ask_profile: str, ssl_type: str
) -> None:
    """Write an ASK CLI project (ask-resources.json, skill-package/) to DIRECTORY."""
    from .alexa_package import PackageOptions, export_package, ssl_certificate_type

    source = click.get_current_context().get_parameter_source("ssl_type")
    from_env = source is click.core.ParameterSource.ENVIRONMENT
    ssl_type = ssl_certificate_type(ssl_type, "KINDWELL_SSL_CERTIFICATE_TYPE" if from_env else "--ssl-certificate-type")

    if endpoint is not None:
        _check_endpoint_url(endpoint)
    if public_url:
        _check_endpoint_url(public_url, "--public-url (or KINDWELL_PUBLIC_URL)", "https://kindwell.example.org")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", ask_profile) or ask_profile.startswith("__"):
        raise UserInputError(f"--ask-profile must be an ASK CLI profile name such as default (got {ask_profile!r}).")
    options = PackageOptions(
        endpoint=endpoint, public_url=public_url or None, ask_profile=ask_profile, ssl_certificate_type=ssl_type
    )
    for path in export_package(directory, options=options):
        click.echo(str(path))


def _check_endpoint_url(
    url: str, option: str = "--endpoint", example: str = "https://kindwell.example.org/alexa"
) -> None:
    """UserInputError unless url is an https:// address Alexa could call."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise UserInputError(f"{option} must be the https:// address Alexa calls, such as {example} (got {url!r}).")


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
    """Print every variant of every practice: length, silence share, longest silence and words."""
    from .content import SPEAKING_RATE_WPM, default_content, practice_table

    rows = practice_table(default_content())
    click.echo(f"speech estimated at {SPEAKING_RATE_WPM:.0f} words per minute; each length has several variants")
    click.echo(
        f"{'practice':22s} {'min':>3s} {'var':>3s} {'total s':>8s} {'speech s':>8s} {'silence':>7s}"
        f" {'longest s':>9s} {'words':>5s} {'error':>6s}"
    )
    for row in rows:
        click.echo(
            f"{row['practice']:22s} {row['minutes']:3d} {row['variant']:3d} {row['total_seconds']:8.1f}"
            f" {row['speech_seconds']:8.1f} {row['silence_share']:7.1%} {row['longest_silence']:9.1f}"
            f" {row['words']:5d} {row['length_error']:+6.1%}"
        )


if __name__ == "__main__":
    main()
