"""What a server checks once, at start: a configuration mistake is one sentence with the fix, then exit.

`kindwell serve` and gunicorn (through skill.gunicorn_config, before any worker boots) run the same
checks, so a missing skill id, an http public URL, an unknown time zone, a missing DynamoDB region or a
broken content file stops the server with one line instead of a traceback per worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..errors import UserInputError
from ..persistence import check_backend
from ..settings import EndpointSettings

VERIFY_NEEDS_SKILL_ID = (
    "Set KINDWELL_SKILL_ID to your skill's amzn1.ask.skill... id, "
    "or set KINDWELL_VERIFY=0 for local development (never on a public address)."
)


def check_endpoint(settings: EndpointSettings, environ: Mapping[str, str] | None = None) -> None:
    """KindWellError, one sentence with the fix, for anything that would stop the endpoint answering."""
    from ..handlers.base import zone
    from ..prompts import default_prompts
    from ..safety import default_safety

    env = os.environ if environ is None else environ
    if settings.verify and not settings.skill_id:
        raise UserInputError(VERIFY_NEEDS_SKILL_ID)
    zone(env.get("KINDWELL_TIMEZONE"))
    check_backend(settings)
    # prompts/ is checked whole at load (every file, every response key the skill speaks); a server also
    # compiles the templates now, which Lambda leaves for the first free text (skill.prompts).
    _ = default_prompts().language
    default_safety()
    if settings.persistence == "sqlite":
        from ..persistence import SQLitePersistenceAdapter

        SQLitePersistenceAdapter(settings.sqlite_path).close()
