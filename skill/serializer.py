"""Request envelopes read by ask-sdk's own DefaultSerializer, after a check that their JSON types fit.

DefaultSerializer hands some malformed values to handlers unchanged: an object or a list where the
model declares a number, a number beyond Alexa's 64 bits, a string where a list belongs (read as its
characters), a time no parser reads. `check_types` walks the parsed JSON beside the model's declared
types first and raises SerializationException, so the endpoint answers 400 and no handler meets such
a value. It judges the shape of the JSON only: whether a well-shaped value makes sense (a time in
year 1 or at +25:00, an offset, a token, a slot value) is judged in one place, the typed state at the
edge (skill/state_request.py, timestamps by skill.state.as_moment), which resets it with one log line.

The walk reads only ask-sdk-model's public class metadata (`deserialized_types`, `attribute_map`,
`get_real_child_model`), the same the serializer is driven by, so it follows new model versions; no
library validates JSON against these models. Hand-written for that reason, it stays a check only:
DefaultSerializer still builds every object.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

#: Integers in Alexa's models are 64-bit; anything larger is not a value Alexa sends.
_INT_LIMIT = 2**63
#: The primitive type names ask-sdk-model declares (DefaultSerializer.NATIVE_TYPES_MAPPING).
_NATIVE = frozenset(DefaultSerializer.NATIVE_TYPES_MAPPING)


class CheckedSerializer(DefaultSerializer):
    """DefaultSerializer that first refuses JSON whose types cannot be what the model declares."""

    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        """As DefaultSerializer.deserialize, after check_types on the parsed payload."""
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except ValueError:
            raise SerializationException("The payload is not JSON.") from None
        check_types(data, obj_type)
        return super().deserialize(payload, obj_type)

    def deserialize_object(self, payload: Any, obj_type: Any) -> Any:
        """Like deserialize(), for JSON that is already parsed (the web endpoint parses it once)."""
        check_types(payload, obj_type)
        return super().deserialize(json.dumps(payload), obj_type)


def check_types(payload: Any, declared: Any) -> None:
    """SerializationException when parsed JSON cannot be read as `declared` (an ask-sdk-model type)."""
    stack: list[tuple[Any, Any]] = [(payload, declared)]
    while stack:  # a loop, not recursion: the nesting depth is the sender's choice
        value, kind = stack.pop()
        if value is None:
            continue
        shape, detail = _shape(kind)
        if shape == "model":
            if not isinstance(value, dict):
                raise _wrong("an object", value)
            plan = detail if detail.children is None else _model(_concrete(detail.children, value))
            fields = plan.fields
            for key, item in value.items():
                field = fields.get(key)
                if field is not None:
                    stack.append((item, field))
                elif key in plan.reserved:
                    # DefaultSerializer sets unknown keys as attributes: "to_dict" or "object_type"
                    # would replace the model's own.
                    raise SerializationException(f"The key {key!r} is not a field of {plan.name}.")
        elif shape == "native":
            _check_native(value, detail)
        elif shape == "list":
            if not isinstance(value, list):
                raise _wrong("a list", value)
            stack.extend((item, detail) for item in value)
        elif shape == "dict":
            if not isinstance(value, dict):
                raise _wrong("an object", value)
            stack.extend((item, detail) for item in value.values())


@dataclass(frozen=True)
class _Model:
    """What the walk needs of one model class, worked out once."""

    name: str
    fields: dict[str, Any]
    """Declared type by JSON key."""
    reserved: frozenset[str]
    """The class's own attribute names that are not JSON keys: no unknown key may take them."""
    children: Any
    """The class itself when a discriminator picks a subclass (get_real_child_model), else None."""


@lru_cache(maxsize=1024)
def _model(kind: Any) -> _Model:
    names: dict[str, str] = getattr(kind, "attribute_map", {})
    fields = {names.get(attribute, attribute): declared for attribute, declared in kind.deserialized_types.items()}
    children = kind if hasattr(kind, "get_real_child_model") else None
    reserved = frozenset(dir(kind)).union(kind.deserialized_types) - fields.keys()  # methods and attribute names
    return _Model(kind.__name__, fields, reserved, children)


@lru_cache(maxsize=1024)
def _shape(kind: Any) -> tuple[str, Any]:
    """A declared type as ("model", _Model), ("native", name), ("list" or "dict", item type) or ("any", None)."""
    if isinstance(kind, str):
        if kind.startswith("list["):
            return "list", kind[5:-1].strip()
        if kind.startswith("dict("):
            return "dict", kind[5:-1].split(",", 1)[1].strip()
        if kind in _NATIVE:
            return ("any", None) if kind == "object" else ("native", kind)
        kind = _class_by_name(kind)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "any", None  # DefaultSerializer refuses values outside the enumeration itself
    if not hasattr(kind, "deserialized_types"):
        return "any", None
    return "model", _model(kind)


def _concrete(kind: Any, value: dict[str, Any]) -> Any:
    """The subclass a discriminator ("type") names, as DefaultSerializer picks it."""
    try:
        child = kind.get_real_child_model(value)
    except (KeyError, TypeError):
        raise SerializationException(f"The {kind.__name__} has no type it can be read as.") from None
    return _class_by_name(child) if child else kind


def _check_native(value: Any, kind: str) -> None:
    if isinstance(value, dict | list):
        raise _wrong(f"a {kind}", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise SerializationException("A number is not finite.")
    if kind in ("int", "long"):
        try:
            number = int(value)  # as DefaultSerializer will read it
        except (ValueError, OverflowError, TypeError):
            raise SerializationException("A value is not a whole number.") from None
        if not -_INT_LIMIT <= number < _INT_LIMIT:
            raise SerializationException("A number is out of range.")
    elif kind in ("datetime", "date"):
        if not isinstance(value, str):
            raise _wrong("an ISO 8601 time", value)
        try:
            _parse_time(value)
        except (ValueError, OverflowError):
            raise SerializationException("A time is not ISO 8601.") from None


def _parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time natively, anything else with dateutil's parser, which DefaultSerializer uses."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        from dateutil.parser import parse

        parsed: dt.datetime = parse(text)
        return parsed


def _wrong(expected: str, value: Any) -> SerializationException:
    kind = "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a value"
    return SerializationException(f"Expected {expected}, got {kind}.")


@lru_cache(maxsize=1024)
def _class_by_name(class_name: str) -> Any:
    module_name, _, attribute = class_name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError):
        raise SerializationException(f"The model names an unknown type {class_name!r}.") from None
