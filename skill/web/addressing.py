"""Which skill a request is addressed to: the one check the Lambda entry shares with the web endpoint.

Kept apart from skill.web.verify, which needs the cryptography package (the `web` extra): a Lambda package
has no use for signature checks (Alexa verifies before invoking Lambda) and does not ship it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import KindWellError


class RequestRejected(KindWellError):
    """A request failed verification; the message is one loggable sentence without the body."""


def application_id(envelope: Mapping[str, Any]) -> str | None:
    """The skill id a request is addressed to (context first, then session), or None."""
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = envelope
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        value = node.get("applicationId") if isinstance(node, dict) else None
        if isinstance(value, str):
            return value
    return None


def check_skill_id(envelope: Mapping[str, Any], skill_id: str) -> None:
    """RequestRejected unless the request is addressed to skill_id."""
    if application_id(envelope) != skill_id:
        raise RequestRejected("The request is for another skill id.")
