"""The Alexa skill package: the manifest (skill.json), and an ASK CLI project to deploy it with.

`kindwell export-model DIR` writes an ASK CLI v2 project:

    DIR/ask-resources.json                              what `ask deploy` reads
    DIR/skill-package/skill.json                        the manifest
    DIR/skill-package/interactionModels/custom/<locale>.json

`ask deploy`, run in DIR, uploads skill-package/ through the Skill Package API. The endpoint is
self-hosted (skill.web behind HTTPS) or a Lambda function deployed on its own (`make
lambda-package`), so the project has no `code` or `skillInfrastructure` and `ask deploy` deploys the
skill metadata only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .alexa_examples import example_phrases, example_problems
from .alexa_model import build_interaction_model, validate_model
from .errors import ModelValidationError, UserInputError
from .language import Language, default_language

ASK_RESOURCES_VERSION = "2020-03-31"
SKILL_PACKAGE_DIR = "skill-package"
DEFAULT_PUBLIC_URL = "https://kindwell.example.com"
ALEXA_PATH = "/alexa"
#: How Alexa checks the endpoint's certificate: Wildcard (a trusted CA's certificate for *.domain),
#: Trusted (a trusted CA's certificate for the host) or SelfSigned (uploaded in the developer console).
SSL_CERTIFICATE_TYPES = ("Wildcard", "SelfSigned", "Trusted")
#: Where the web endpoint serves the privacy policy (skill/web/templates/privacy.html).
PRIVACY_PATH = "/privacy"
#: Skill events the skill subscribes to: SKILL_DISABLED deletes the person's record (the policy's promise).
EVENT_SUBSCRIPTIONS = ("SKILL_DISABLED",)
#: The skill store's icon sizes in pixels, by manifest field; the endpoint serves each at icon_path().
ICON_SIZES = {"smallIconUri": 108, "largeIconUri": 512}


def icon_path(size: int) -> str:
    """Where the web endpoint serves the icon of this size."""
    return f"/icons/kindwell-{size}.png"


@dataclass(frozen=True)
class PackageOptions:
    """Where the deployed skill lives, as the manifest must say."""

    endpoint: str | None = None
    """HTTPS URL Alexa sends requests to (default: {public_url}/alexa)."""
    public_url: str | None = None
    """HTTPS base address the endpoint is reached at (default: the endpoint's, else an example address)."""
    ask_profile: str = "default"
    """ASK CLI profile the project is deployed with (`ask deploy -p NAME`)."""
    ssl_certificate_type: str = "Wildcard"
    """One of SSL_CERTIFICATE_TYPES (see ssl_certificate_type())."""

    def __post_init__(self) -> None:
        if self.ssl_certificate_type not in SSL_CERTIFICATE_TYPES:
            raise UserInputError(_ssl_problem("sslCertificateType", self.ssl_certificate_type))

    @property
    def base_url(self) -> str:
        """The public base address, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.endpoint:
            # The endpoint's own address: https://host/kindwell/alexa serves its pages under /kindwell.
            parts = urlsplit(self.endpoint)
            path = parts.path.rstrip("/")
            prefix = path.removesuffix(ALEXA_PATH) if path.endswith(ALEXA_PATH) else ""
            return f"{parts.scheme}://{parts.netloc}{prefix}"
        return DEFAULT_PUBLIC_URL

    @property
    def endpoint_uri(self) -> str:
        return self.endpoint or self.base_url + ALEXA_PATH


def ssl_certificate_type(raw: str, source: str = "--ssl-certificate-type") -> str:
    """The manifest's spelling of a certificate type given in any case, with or without - or _."""
    wanted = raw.strip().lower().replace("-", "").replace("_", "")
    for name in SSL_CERTIFICATE_TYPES:
        if name.lower() == wanted:
            return name
    raise UserInputError(_ssl_problem(source, raw))


def _ssl_problem(source: str, raw: str) -> str:
    return (
        f"{source} must be Wildcard, SelfSigned or Trusted, the kind of certificate the endpoint's "
        f"HTTPS address has (got {raw!r})."
    )


def build_manifest(language: Language | None = None, options: PackageOptions | None = None) -> dict[str, Any]:
    """The skill.json manifest for every configured locale."""
    language = language or default_language()
    options = options or PackageOptions()
    meta = language.alexa["manifest"]
    locales = {
        locale: {
            "name": meta["name"],
            "summary": meta["summary"],
            "description": " ".join(str(meta["description"]).split()),
            "examplePhrases": [example.say for example in example_phrases(meta)],
            "keywords": list(meta["keywords"]),
            **{field: options.base_url + icon_path(size) for field, size in ICON_SIZES.items()},
        }
        for locale in language.alexa["locales"]
    }
    endpoint = {"uri": options.endpoint_uri, "sslCertificateType": options.ssl_certificate_type}
    return {
        "manifest": {
            "manifestVersion": "1.0",
            "publishingInformation": {
                "locales": locales,
                "isAvailableWorldwide": False,
                "distributionCountries": ["US", "GB", "CA", "AU", "IN", "IE"],
                "testingInstructions": "Say: open kind well, then: a five minute soothing breath.",
                "category": meta["category"],
            },
            # Answered as the privacy page (PRIVACY_PATH) describes what is kept: no purchases or
            # ads; no personal information in Amazon's sense (KindWell asks for no name, email,
            # address, phone number or location, and keeps only a hash of Alexa's anonymous user id
            # with practice ids, dates, counts and positions); made for adults.
            "privacyAndCompliance": {
                "allowsPurchases": False,
                "usesPersonalInfo": False,
                "isChildDirected": False,
                "isExportCompliant": True,
                "containsAds": False,
                "locales": {
                    locale: {"privacyPolicyUrl": options.base_url + PRIVACY_PATH}
                    for locale in language.alexa["locales"]
                },
            },
            "events": {
                "endpoint": dict(endpoint),
                "subscriptions": [{"eventName": name} for name in EVENT_SUBSCRIPTIONS],
            },
            "apis": {"custom": {"interfaces": [{"type": "AUDIO_PLAYER"}], "endpoint": endpoint}},
        }
    }


def ask_resources(options: PackageOptions | None = None) -> dict[str, Any]:
    """ask-resources.json: the ASK CLI v2 project file, pointing `ask deploy` at the skill package."""
    options = options or PackageOptions()
    return {
        "askcliResourcesVersion": ASK_RESOURCES_VERSION,
        "profiles": {options.ask_profile: {"skillMetadata": {"src": f"./{SKILL_PACKAGE_DIR}"}}},
    }


def export_package(
    directory: Path, language: Language | None = None, options: PackageOptions | None = None
) -> list[Path]:
    """Write the ASK CLI project (module docstring) to directory; raise if the model is invalid."""
    language = language or default_language()
    options = options or PackageOptions()
    model = build_interaction_model(language)
    manifest = build_manifest(language, options)
    problems = validate_model(model, manifest)
    problems += example_problems(example_phrases(language.alexa["manifest"]), model)
    if problems:
        raise ModelValidationError(
            f"The interaction model is invalid: {problems[0]} ({len(problems)} problem(s) in all)"
        )
    package = directory / SKILL_PACKAGE_DIR
    written = [_write_json(directory / "ask-resources.json", ask_resources(options))]
    written.append(_write_json(package / "skill.json", manifest))
    for locale in language.alexa["locales"]:
        written.append(_write_json(package / "interactionModels" / "custom" / f"{locale}.json", model))
    return written


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
