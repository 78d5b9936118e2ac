"""ask-sdk's DefaultSerializer with its slow steps made fast, for the per-request hot path.

DefaultSerializer re-imports every model class by name, rebuilds each class's attribute map for
every object it reads, and parses every timestamp with dateutil's general-purpose parser, on every
request: about half the time the skill spends on a request. Alexa's timestamps are plain ISO 8601,
which `datetime.fromisoformat` reads; a model class never changes, so its lookup and its field
plan are worked out once. These methods override name-mangled privates of ask-sdk 1.x (pinned
below 2 in pyproject.toml); the test suite checks the result equals DefaultSerializer's for every
request fixture.

It is also stricter than DefaultSerializer about the shape of the JSON, which ask-sdk passes through
to handlers: a value whose JSON type cannot be what the model declares (an object where a number or
a list belongs, a number JSON cannot carry, a time that is not ISO 8601) raises
SerializationException, so the endpoint answers 400 and no handler meets it. Whether a well-shaped
value makes sense (a time in year 1 or at +25:00, an offset, a token, a slot value) is judged in one
place only, the typed state at the edge (skill/state_request.py), which resets it with one log line.
"""

from __future__ import annotations

import datetime as dt
import math
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
_READ_PRIMITIVE = "_DefaultSerializer__deserialize_primitive"

#: Integers in Alexa's models are 64-bit; anything larger is not a value Alexa sends.
_INT_LIMIT = 2**63


def _json_kind(payload: Any) -> str:
    return "an object" if isinstance(payload, dict) else "a list" if isinstance(payload, list) else "a value"


@dataclass(frozen=True)
class _Plan:
    """How to read one model class: (attribute, JSON key, declared type) per field."""

    fields: tuple[tuple[str, str, Any], ...]
    keys: frozenset[str]
    reserved: frozenset[str]
    """Attribute names of the model: keys that may not be set from unknown JSON keys."""


@lru_cache(maxsize=1024)
def _plan(model_class: type) -> _Plan:
    names = dict(getattr(model_class, "attribute_map", {}))
    types = model_class.deserialized_types  # type: ignore[attr-defined]
    for attribute in types:
        names.setdefault(attribute, attribute)
    fields = tuple((attribute, key, types[attribute]) for attribute, key in names.items())
    return _Plan(fields, frozenset(names.values()), frozenset(names))


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

    def _DefaultSerializer__deserialize(self, payload: Any, obj_type: Any) -> Any:
        # ask-sdk iterates whatever it is given as a list or dict: a string becomes its characters.
        if payload is not None and isinstance(obj_type, str):
            if obj_type.startswith("list[") and not isinstance(payload, list):
                raise SerializationException(f"Expected a list, got {_json_kind(payload)}.")
            if obj_type.startswith("dict(") and not isinstance(payload, dict):
                raise SerializationException(f"Expected an object, got {_json_kind(payload)}.")
        return getattr(super(), _READ_ANY)(payload, obj_type)

    def _DefaultSerializer__deserialize_primitive(self, payload: Any, obj_type: Any) -> Any:
        # ask-sdk hands an object or list declared as a number or string to handlers unchanged.
        if isinstance(payload, dict | list):
            expected = getattr(obj_type, "__name__", "value")
            raise SerializationException(f"Expected a {expected}, got {_json_kind(payload)}.")
        if isinstance(payload, float) and not math.isfinite(payload):
            raise SerializationException("A number is not finite.")
        try:
            value = getattr(super(), _READ_PRIMITIVE)(payload, obj_type)
        except OverflowError:
            raise SerializationException("A number is out of range.") from None
        if isinstance(value, int) and not isinstance(value, bool) and not -_INT_LIMIT <= value < _INT_LIMIT:
            raise SerializationException("A number is out of range.")
        return value

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
            if not isinstance(payload, dict):
                raise SerializationException(f"Expected an object, got {_json_kind(payload)}.")
            if hasattr(obj_type, "get_real_child_model"):
                obj_type = getattr(self, _BY_DISCRIMINATOR)(payload, obj_type)
            plan = _plan(obj_type)
            model = obj_type()
            read = getattr(self, _READ_ANY)
            for attribute, key, declared in plan.fields:
                if key in payload:
                    setattr(model, attribute, read(payload[key], declared))
            for key in payload:
                # Unknown keys are kept as ask-sdk keeps them, unless they would replace one of the
                # model's own attributes or methods (a "object_type" key must not change the type).
                if key not in plan.keys and key not in plan.reserved and not hasattr(obj_type, key):
                    setattr(model, key, payload[key])
            return model
        except SerializationException:
            raise
        except Exception as err:
            raise SerializationException(str(err)) from err

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if not isinstance(payload, str):
            raise SerializationException(f"Expected an ISO 8601 time, got {_json_kind(payload)}.")
        try:
            parsed = dt.datetime.fromisoformat(payload)
        except ValueError:
            try:
                parsed = getattr(super(), _READ_DATETIME)(payload, dt.datetime)
            except OverflowError:
                raise SerializationException("A time is out of range.") from None
        if isinstance(parsed, dt.datetime) and obj_type is dt.date:
            return parsed.date()
        return parsed
