"""What the skill store links to on this endpoint: the icons in skill.json (and the privacy policy).

Routes live at the paths skill.alexa_package writes into the manifest, under KINDWELL_PUBLIC_URL.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request

from ..alexa_package import ICON_SIZES, icon_path
from .icons import icon_png

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


def package_blueprint() -> Blueprint:
    """Routes for the icons the manifest names, at exactly the paths it names."""
    blueprint = Blueprint("package", __name__)
    for size in ICON_SIZES.values():
        blueprint.add_url_rule(icon_path(size), f"icon_{size}", _icon_view(size), methods=["GET"])
    return blueprint
