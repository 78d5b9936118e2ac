"""gunicorn settings for the KindWell endpoint: the configuration is checked once, before any worker boots.

Without this, a configuration mistake (no skill id, an http KINDWELL_PUBLIC_URL, an unknown time zone)
surfaces in every worker as a traceback, then as "Worker failed to boot". With it, gunicorn prints one
sentence with the fix and exits with status 2:

    gunicorn -c python:skill.gunicorn_config --workers 2 --threads 4 --bind 127.0.0.1:8000 'skill.web:create_app()'

gunicorn also reads ./gunicorn.conf.py, which imports this module, when started from the repository.
"""

from __future__ import annotations

import sys
from typing import Any

from skill.errors import KindWellError

#: The exit status for a configuration error, as `kindwell` uses.
CONFIG_ERROR_STATUS = 2


def on_starting(server: Any) -> None:
    """gunicorn's hook in the master process, before the workers are forked."""
    from skill.settings import EndpointSettings
    from skill.web.preflight import check_endpoint

    try:
        check_endpoint(EndpointSettings.from_env())
    except KindWellError as err:
        print(f"kindwell: {err}", file=sys.stderr, flush=True)
        sys.exit(CONFIG_ERROR_STATUS)
