# gunicorn reads this file when started from this folder: KindWell's configuration is then checked once,
# before any worker boots, and a mistake is one sentence instead of a traceback per worker.
from skill.web.gunicorn_config import on_starting  # noqa: F401
