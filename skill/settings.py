"""Settings for a deployed skill (web endpoint or Lambda), read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import UserInputError
from .folders import env_path

Persistence = Literal["sqlite", "dynamodb"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise UserInputError(f"{name} must be 1 or 0 (got {raw!r}).")


@dataclass(frozen=True)
class EndpointSettings:
    """How a deployed KindWell skill verifies requests and where it keeps progress."""

    skill_id: str | None = None
    """The Alexa skill id (amzn1.ask.skill....); requests for any other skill are refused."""
    verify: bool = True
    """Verify Amazon's request signature and timestamp; off only for local development."""
    persistence: Persistence = "sqlite"
    """Where persistent attributes live: an embedded SQLite file or a DynamoDB table."""
    sqlite_path: Path | None = None
    """SQLite progress file (None: KINDWELL_DB or the per-user default)."""
    dynamodb_table: str = "kindwell"
    """DynamoDB table holding one item per user."""
    dynamodb_create_table: bool = False
    """Create the DynamoDB table at start when it is missing (handy locally; use IaC in production)."""
    aws_region: str | None = None
    """AWS region of the DynamoDB table (None: boto3's usual AWS_REGION / AWS_DEFAULT_REGION lookup)."""
    dynamodb_endpoint: str | None = None
    """DynamoDB endpoint URL, only for DynamoDB-compatible servers such as DynamoDB Local."""
    max_body_bytes: int = 128 * 1024
    """Largest request body accepted, in bytes; Alexa requests are a few kilobytes."""
    public_url: str | None = None
    """HTTPS base URL Alexa reaches this endpoint at; rendered practices stream from {public_url}/audio/."""
    audio_dir: Path | None = None
    """Folder of rendered practice audio (None: KINDWELL_AUDIO_DIR or the per-user cache)."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, default_persistence: Persistence = "sqlite"
    ) -> EndpointSettings:
        """Settings from KINDWELL_* and AWS_* environment variables."""
        env = os.environ if environ is None else environ
        persistence = env.get("KINDWELL_PERSISTENCE", "").strip().lower() or default_persistence
        if persistence not in ("sqlite", "dynamodb"):
            raise UserInputError(f"KINDWELL_PERSISTENCE must be sqlite or dynamodb (got {persistence!r}).")
        raw_limit = env.get("KINDWELL_MAX_BODY_BYTES", "").strip()
        try:
            max_body = int(raw_limit) if raw_limit else cls.max_body_bytes
        except ValueError:
            max_body = 0
        if max_body <= 0:
            raise UserInputError(
                f"KINDWELL_MAX_BODY_BYTES must be a number of bytes, such as 131072 (got {raw_limit!r})."
            )
        return cls(
            skill_id=env.get("KINDWELL_SKILL_ID", "").strip() or None,
            verify=_flag(env, "KINDWELL_VERIFY", True),
            persistence="dynamodb" if persistence == "dynamodb" else "sqlite",
            sqlite_path=env_path("KINDWELL_DB", env),
            dynamodb_table=env.get("KINDWELL_DYNAMODB_TABLE", "").strip() or cls.dynamodb_table,
            dynamodb_create_table=_flag(env, "KINDWELL_DYNAMODB_CREATE_TABLE", False),
            aws_region=(env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip() or None,
            dynamodb_endpoint=env.get("KINDWELL_DYNAMODB_ENDPOINT", "").strip() or None,
            max_body_bytes=max_body,
            public_url=_public_url(env.get("KINDWELL_PUBLIC_URL", "")),
            audio_dir=env_path("KINDWELL_AUDIO_DIR", env),
        )


def _public_url(raw: str) -> str | None:
    url = raw.strip().rstrip("/")
    if not url:
        return None
    if not url.startswith("https://"):
        raise UserInputError(f"KINDWELL_PUBLIC_URL must be an https:// address Alexa can reach (got {url!r}).")
    return url
