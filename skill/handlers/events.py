"""Skill events Alexa sends outside any conversation (the manifest subscribes to them)."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from .base import KindHandler, facts, is_request

_LOGGER = logging.getLogger(__name__)


class SkillDisabledHandler(KindHandler):
    """Someone disabled KindWell in the Alexa app: everything stored for them is deleted at once.

    This is how a person deletes their data (the privacy page says so). It is deleted whatever
    `userInformationPersistenceStatus` says: if they enable KindWell again, they start afresh.
    """

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request(handler_input, "AlexaSkillEvent.SkillDisabled")

    def handle(self, handler_input: HandlerInput) -> Response:
        # The user id is read at the edge like every request's (skill.state_request.RequestFacts); an event
        # without one names no record, so there is nothing to delete.
        if self.services.adapter is not None and facts(handler_input).user_id is not None:
            self.services.adapter.delete_attributes(handler_input.request_envelope)
            _LOGGER.info("Deleted a user's progress: they disabled the skill.")
        response: Response = handler_input.response_builder.response
        return response
