"""Hypothesis strategies for malformed Alexa request bodies: real fixtures, broken in the ways issue 9 lists.

Each body starts from a real request fixture and is broken at random places: values of the wrong
JSON type, numbers JSON cannot carry (1e400, 5,000 digits), tokens with non-ASCII digits, timestamps
with a +25:00 offset or in year 1, null resolutions, missing users, session state that no version of
KindWell wrote, and nesting hundreds of levels deep; besides those, raw bytes, truncated JSON and
arbitrary JSON.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from skill.state import Awaiting

from .conftest import FIXTURES, load_fixture

FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.json"))
#: Requests whose handlers read session state.
STATE_READERS = ["amazon_next", "amazon_repeat", "amazon_resume", "amazon_pause", "amazon_yes", "amazon_no",
                 "amazon_stop", "amazon_start_over", "amazon_fallback", "start_practice_no_slots"]  # fmt: skip
AWAITING = [question.value for question in Awaiting]
PRACTICES = ["mindfulness", "soothing_breath", "loving_kindness", "nope", ""]

# Literals json.dumps cannot write: placed as strings, then swapped into the text.
_RAW = {
    "@@BIGINT@@": "1" + "0" * 5000,
    "@@HUGE@@": "1e400",
    "@@NEGHUGE@@": "-1e400",
    "@@NAN@@": "NaN",
    "@@INF@@": "Infinity",
    # Nesting deeper than json.dumps itself can write.
    **{f"@@DEEP{depth}@@": '{"n":[' * (depth // 2) + "1" + "]}" * (depth // 2) for depth in (30, 34, 120, 600, 1200)},
}
_DEEP = [marker for marker in _RAW if marker.startswith("@@DEEP")]

_scalar = st.sampled_from(
    [None, True, False, 0, -1, 1, 3, 5, 7, 10, 2**63, -(2**63) - 1, 0.5, 5.0, -0.0, "", "x", "5", "²", "٣",
     "\u0000", "null", "x" * 3000, *(marker for marker in _RAW if marker not in _DEEP)]
)  # fmt: skip
_json = st.recursive(
    _scalar | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


_deep_value = st.sampled_from(_DEEP)
_timestamp = st.sampled_from(
    ["2026-11-25T09:30:00+25:00", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00-05:00", "9999-12-31T23:59:59-05:00",
     "2026-13-45T99:99:99Z", "yesterday", "2026-11-25", "", "@@HUGE@@"]
) | _json  # fmt: skip
_token = (
    st.builds(
        lambda practice, minutes, key: f"kindwell:{practice}:{minutes}:{key}",
        st.sampled_from(PRACTICES),
        st.sampled_from(["3", "5", "10", "²", "٣", "9" * 5000, "-1", "03", "", "7"]),
        st.sampled_from(["KEY", "", "a:b"]),
    )
    | _json
)
_value = _json | _deep_value | _token | _timestamp


def _position() -> st.SearchStrategy[Any]:
    # Mostly well formed, so that one broken field is what a handler meets.
    fields = {
        "practice": st.sampled_from(PRACTICES[:3]) | st.sampled_from(PRACTICES) | _json,
        "minutes": st.sampled_from([3, 5, 10]) | st.sampled_from([3, 5, 10, 7, "x", "@@HUGE@@"]) | _json,
        "segment": st.sampled_from([0, 1]) | st.sampled_from([0, 1, 99, -1, "@@HUGE@@", "@@BIGINT@@"]) | _json,
    }
    return st.fixed_dictionaries(fields) | st.fixed_dictionaries({}, optional=fields) | _json


_session_value = st.one_of(_position(), _json, _deep_value)
_session_attributes = st.dictionaries(
    st.sampled_from(["playing", "pending", "offer", "awaiting", "care", "last_speech", "last_reprompt", "_user"])
    | st.text(max_size=6),
    _session_value,
    max_size=4,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as a path of keys and indices."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _set(document: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


def dump(document: Any) -> bytes:
    """JSON text with the raw literals swapped in."""
    text = json.dumps(document, ensure_ascii=False)
    for marker, literal in _RAW.items():
        text = text.replace(f'"{marker}"', literal)
    return text.encode("utf-8")


@st.composite
def broken_envelope(draw: st.DrawFn) -> dict[str, Any]:
    """A real fixture with one to four places broken, or with malformed session state."""
    envelope = copy.deepcopy(load_fixture(draw(st.sampled_from(FIXTURE_NAMES))))
    if "session" in envelope and draw(st.booleans()):
        envelope["session"]["attributes"] = draw(_session_attributes)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(envelope)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        _set(envelope, path, draw(_value), delete=draw(st.integers(0, 4)) == 0)
    return envelope


@st.composite
def _targeted(draw: st.DrawFn) -> dict[str, Any]:
    """The cases the issue names, each placed where it does harm."""
    envelope = copy.deepcopy(load_fixture(draw(st.sampled_from(FIXTURE_NAMES))))
    request, system = envelope["request"], envelope["context"]["System"]
    case = draw(st.sampled_from(["user", "timestamp", "offset", "token", "resolution", "state"]))
    if case == "user":
        system["user"] = draw(_json)
        if draw(st.booleans()):
            del system["user"]
        if "session" in envelope:
            envelope["session"].pop("user", None)
    elif case == "timestamp":
        request["timestamp"] = draw(_timestamp)
    elif case == "offset":
        request["offsetInMilliseconds"] = draw(_value)
        envelope["context"].setdefault("AudioPlayer", {})["offsetInMilliseconds"] = draw(_value)
    elif case == "token":
        request["token"] = draw(_token)
        envelope["context"]["AudioPlayer"] = {"token": draw(_token), "playerActivity": "PLAYING"}
    elif case == "resolution":
        envelope["request"] = {**request, "type": "IntentRequest"}
        envelope["request"]["intent"] = {
            "name": "StartPracticeIntent",
            "slots": {
                "practice": {
                    "name": "practice",
                    "value": draw(_json),
                    "resolutions": {"resolutionsPerAuthority": draw(st.lists(_resolution(), max_size=2))},
                }
            },
        }
    else:
        # State a handler reads: a session in the middle of something, one piece of it broken.
        envelope = copy.deepcopy(load_fixture(draw(st.sampled_from(STATE_READERS))))
        key = draw(st.sampled_from(["playing", "pending", "offer", "care"]))
        envelope["session"]["attributes"] = {
            "awaiting": draw(st.sampled_from(AWAITING)),
            key: draw(_position()),
        }
        if envelope["request"].get("intent", {}).get("slots"):
            envelope["request"]["intent"]["slots"] = {}
    return envelope


def _resolution() -> st.SearchStrategy[Any]:
    value = st.none() | st.fixed_dictionaries({}, optional={"id": _json | st.sampled_from(PRACTICES), "name": _json})
    return st.none() | st.fixed_dictionaries(
        {},
        optional={
            "status": st.none() | st.fixed_dictionaries({"code": st.sampled_from(["ER_SUCCESS_MATCH", "X"]) | _json}),
            "values": st.none() | st.lists(st.none() | st.fixed_dictionaries({}, optional={"value": value})),
        },
    )


_raw = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000, b"", b"null", b"\xff\xfe{}"]),
    st.builds(lambda name, cut: json.dumps(load_fixture(name)).encode()[:cut], st.sampled_from(FIXTURE_NAMES),
              st.integers(0, 2000)),
    _json.map(dump),
)  # fmt: skip

#: A request body: mostly envelopes broken in place, besides raw bytes and arbitrary JSON.
malformed_bodies = st.one_of(broken_envelope().map(dump), _targeted().map(dump), _raw)
