"""What the skill store links to on this endpoint: the icons and the privacy policy named in skill.json.

Routes live at the paths skill.alexa_package writes into the manifest, under KINDWELL_PUBLIC_URL.
The policy's words are in templates/privacy.html.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, render_template, request

from ..alexa_package import ICON_SIZES, PRIVACY_PATH, icon_path
from ..progress import MAX_DAYS_KEPT
from ..safety import SafetyPolicy
from .icons import icon_png
from .listen import crisis_lines

#: A day: the icon changes only with a release, and the store keeps its own copy once certified.
ICON_MAX_AGE = 24 * 3600


def _icon_view(size: int) -> Callable[[], Response]:
    def icon() -> Response:
        response = Response(icon_png(size), mimetype="image/png")
        response.cache_control.public = True
        response.cache_control.max_age = ICON_MAX_AGE
        response.add_etag()
        response.make_conditional(request)  # 304 when the client's ETag still matches
        return response

    return icon


def package_blueprint(safety: SafetyPolicy) -> Blueprint:
    """Routes for the icons and the privacy policy the manifest names, at exactly the paths it names."""
    blueprint = Blueprint("package", __name__, template_folder="templates")
    for size in ICON_SIZES.values():
        blueprint.add_url_rule(icon_path(size), f"icon_{size}", _icon_view(size), methods=["GET"])

    def privacy() -> str:
        return render_template(
            "privacy.html",
            days_kept=MAX_DAYS_KEPT,
            lines=crisis_lines(safety),
            icon=icon_path(ICON_SIZES["smallIconUri"]),
            mark=icon_path(ICON_SIZES["largeIconUri"]),
        )

    blueprint.add_url_rule(PRIVACY_PATH, "privacy", privacy, methods=["GET"])
    return blueprint
