"""Care tiers: how much support a sentence calls for, and the intent that carries each tier.

Every turn, in both front ends, is checked for these before anything else (see prompts/safety.yaml):

- ``crisis``: the speaker may harm themselves. A calm reply with the crisis line.
- ``other``: someone else may be at risk. How to support and stay with them, and the line, for them
  and for the speaker.
- ``concern``: hopelessness or exhaustion with life, with no explicit intent. A warm
  acknowledgement, a gentle question and the line offered plainly.

On Alexa the tier arrives as an intent (Alexa gives a skill intents, not raw text); the offline
runner sends the same intents, so both front ends reach the same handler the same way.
"""

from __future__ import annotations

from enum import StrEnum


class CareTier(StrEnum):
    """How much support a sentence calls for; the value is what `kindwell nlu` prints."""

    CRISIS = "crisis"
    OTHER = "other"
    CONCERN = "concern"

    @property
    def urgent(self) -> bool:
        """True for tiers where a life may be at risk (crisis, someone else at risk)."""
        return self is not CareTier.CONCERN

    @property
    def intent(self) -> str:
        """The intent that carries this tier to the skill."""
        return CARE_INTENTS[self]


#: The intent each tier is sent as, on Alexa and offline.
CARE_INTENTS: dict[CareTier, str] = {
    CareTier.CRISIS: "CrisisSupportIntent",
    CareTier.OTHER: "SupportSomeoneIntent",
    CareTier.CONCERN: "HardTimeIntent",
}
#: Intent name -> tier.
TIER_OF_INTENT: dict[str, CareTier] = {intent: tier for tier, intent in CARE_INTENTS.items()}
#: Most urgent first: when several texts in one request carry a tier, the most urgent wins.
TIER_ORDER: tuple[CareTier, ...] = (CareTier.CRISIS, CareTier.OTHER, CareTier.CONCERN)


def most_urgent(tiers: list[CareTier | None]) -> CareTier | None:
    """The most urgent of several verdicts, or None when none calls for care."""
    present = {tier for tier in tiers if tier is not None}
    return next((tier for tier in TIER_ORDER if tier in present), None)
