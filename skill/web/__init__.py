"""The Alexa front ends: the Flask web endpoint, its request verifier and listening page, and the Lambda entry.

`create_app` is exported here so `gunicorn 'skill.web:create_app()'` works. It is imported on first
use, not with the package: the Lambda entry (skill.web.lambda_function) lives here too, and a Lambda
package ships without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
