"""`kindwell serve`: the web front end's command, added to `kindwell` through the kindwell.commands entry points."""

from __future__ import annotations

import click

from ..cli import friendly_errors
from ..errors import UserInputError


@click.command()
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
    import logging

    from werkzeug.serving import run_simple

    from ..settings import EndpointSettings
    from .app import INSECURE_WARNING, create_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    app = create_app(settings)
    click.echo(f"KindWell Alexa endpoint on http://{host}:{port}/alexa (development server; gunicorn in production)")
    run_simple(host, port, app, threaded=True, use_reloader=False)
