"""ask-sdk's DefaultSerializer with its two slow steps made fast, for the per-request hot path.

DefaultSerializer re-imports every model class by name and parses every timestamp with dateutil's
general-purpose parser, on every request: about half the time the skill spends on a request.
Alexa's timestamps are plain ISO 8601, which `datetime.fromisoformat` reads, and a model class
never moves, so its lookup is cached. These two methods are name-mangled privates of ask-sdk 1.x
(pinned below 2 in pyproject.toml); the test suite checks the result equals DefaultSerializer's for
every request fixture.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer

# ask-sdk's own (name-mangled) implementations, for anything the fast paths do not cover.
_LOAD_CLASS = "_DefaultSerializer__load_class_from_name"
_READ_DATETIME = "_DefaultSerializer__deserialize_datetime"


@lru_cache(maxsize=1024)
def _class_by_name(class_name: str) -> Any:
    module_name, _, attribute = class_name.rpartition(".")
    module = __import__(module_name, fromlist=[attribute])
    return getattr(module, attribute)


class FastSerializer(DefaultSerializer):
    """DefaultSerializer with cached model-class lookups and ISO 8601 timestamps read natively."""

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        if "." not in class_name:
            return getattr(super(), _LOAD_CLASS)(class_name)
        try:
            return _class_by_name(class_name)
        except (ImportError, AttributeError):
            return getattr(super(), _LOAD_CLASS)(class_name)

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = dt.datetime.fromisoformat(payload)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed.date() if obj_type is dt.date else parsed
        return getattr(super(), _READ_DATETIME)(payload, obj_type)
