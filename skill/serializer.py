"""ask-sdk's DefaultSerializer with its slow steps made fast, for the per-request hot path.

DefaultSerializer re-imports every model class by name, rebuilds each class's attribute map for
every object it reads, and parses every timestamp with dateutil's general-purpose parser, on every
request: about half the time the skill spends on a request. Alexa's timestamps are plain ISO 8601,
which `datetime.fromisoformat` reads; a model class never changes, so its lookup and its field
plan are worked out once. These methods override name-mangled privates of ask-sdk 1.x (pinned
below 2 in pyproject.toml); the test suite checks the result equals DefaultSerializer's for every
request fixture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

# ask-sdk's own (name-mangled) implementations, for anything the fast paths do not cover.
_LOAD_CLASS = "_DefaultSerializer__load_class_from_name"
_READ_DATETIME = "_DefaultSerializer__deserialize_datetime"
_READ_ANY = "_DefaultSerializer__deserialize"
_BY_DISCRIMINATOR = "_DefaultSerializer__get_obj_by_discriminator"


@dataclass(frozen=True)
class _Plan:
    """How to read one model class: (attribute, JSON key, declared type) per field."""

    fields: tuple[tuple[str, str, Any], ...]
    keys: frozenset[str]


@lru_cache(maxsize=1024)
def _plan(model_class: type) -> _Plan:
    names = dict(getattr(model_class, "attribute_map", {}))
    types = model_class.deserialized_types  # type: ignore[attr-defined]
    for attribute in types:
        names.setdefault(attribute, attribute)
    fields = tuple((attribute, key, types[attribute]) for attribute, key in names.items())
    return _Plan(fields, frozenset(names.values()))


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

    def deserialize_object(self, payload: Any, obj_type: Any) -> Any:
        """Like deserialize(), for JSON that is already parsed (the web endpoint parses it once)."""
        try:
            return getattr(self, _READ_ANY)(payload, obj_type)
        except SerializationException:
            raise
        except Exception as err:  # ask-sdk wraps every failure this way; so does this
            raise SerializationException(str(err)) from err

    def _DefaultSerializer__deserialize_model(self, payload: Any, obj_type: Any) -> Any:
        try:
            if isinstance(obj_type, type) and issubclass(obj_type, Enum):
                return obj_type(payload)
            if not hasattr(obj_type, "deserialized_types"):
                return payload
            if hasattr(obj_type, "get_real_child_model"):
                obj_type = getattr(self, _BY_DISCRIMINATOR)(payload, obj_type)
            plan = _plan(obj_type)
            model = obj_type()
            read = getattr(self, _READ_ANY)
            for attribute, key, declared in plan.fields:
                if key in payload:
                    setattr(model, attribute, read(payload[key], declared))
            for key in payload:
                if key not in plan.keys:
                    setattr(model, key, payload[key])
            return model
        except SerializationException:
            raise
        except Exception as err:
            raise SerializationException(str(err)) from err

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = dt.datetime.fromisoformat(payload)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed.date() if obj_type is dt.date else parsed
        return getattr(super(), _READ_DATETIME)(payload, obj_type)
