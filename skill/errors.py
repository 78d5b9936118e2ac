"""The small family of errors KindWell raises; each message is one sentence a person can act on."""


class KindWellError(Exception):
    """Base class: the message is one clear sentence saying what is wrong and how to fix it."""


class ContentError(KindWellError):
    """The files in prompts/ are missing, malformed or inconsistent."""


class ModelValidationError(KindWellError):
    """The generated Alexa interaction model breaks one of the ASK rules."""


class UserInputError(KindWellError):
    """Something a user typed or passed on the command line cannot be used."""


class CountrySettingError(UserInputError):
    """KINDWELL_COUNTRY is set to something that is not an ISO 3166 country code."""


class ModelUnavailableError(KindWellError):
    """A model file, or a package that runs it, is missing or does not match its checksum."""
