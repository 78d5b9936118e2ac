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

    from ..settings import EndpointSettings
    from .app import INSECURE_WARNING, create_app
    from .dev_server import bind, check_port, configure_logging, server_on
    from .preflight import check_endpoint

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
