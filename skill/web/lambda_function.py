"""AWS Lambda entry: `skill.web.lambda_function.lambda_handler`, over the same skill as the web endpoint.

Alexa verifies requests itself before invoking a Lambda function (the function's Alexa trigger is tied
to the skill id), so no signature check happens here; the skill id is still checked when
KINDWELL_SKILL_ID is set. Persistence defaults to DynamoDB, since a Lambda's disk does not last.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from ask_sdk_core.skill import CustomSkill

from ..envelopes import invoke
from ..settings import EndpointSettings
from .addressing import RequestRejected, check_skill_id
from .deploy import deployed_skill

_LOGGER = logging.getLogger("kindwell.lambda")


@cache
def _skill_and_settings() -> tuple[CustomSkill, EndpointSettings]:
    # Built once per Lambda container and reused by every warm invocation.
    settings = EndpointSettings.from_env(default_persistence="dynamodb")
    return deployed_skill(settings), settings


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope (the Lambda event) with a response envelope."""
    skill, settings = _skill_and_settings()
    if settings.skill_id:
        try:
            check_skill_id(event, settings.skill_id)
        except RequestRejected:
            _LOGGER.warning("Refused a request addressed to another skill id.")
            raise
    return invoke(skill, event)
