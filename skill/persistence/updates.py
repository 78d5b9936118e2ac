"""What every persistence backend shares: the hashed user key and the optimistic read-modify-write.

Two requests from one user at once must not lose each other's changes. Every stored record carries
a version; an update reads the record and its version, changes the attributes, and writes only if the
version is still the one it read (a conditional write). When another request wrote first, the change
is made again on fresh attributes. Nothing is locked while the change runs.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

Updater = Callable[[dict[str, Any]], None]
Version = TypeVar("Version")


def user_key(request_envelope: RequestEnvelope) -> str:
    """Storage key for the user of a request: a SHA-256 of the user id."""
    system = request_envelope.context.system if request_envelope.context else None
    user = system.user if system else None
    if user is None or not user.user_id:
        raise PersistenceException("The request has no user id, so nothing can be saved for it.")
    return hashlib.sha256(user.user_id.encode("utf-8")).hexdigest()


def optimistic_update(
    read: Callable[[], tuple[dict[str, Any], Version]],
    write: Callable[[dict[str, Any], Version], bool],
    change: Updater,
    *,
    budget_seconds: float,
    first_pause_seconds: float,
    longest_pause_seconds: float,
    gave_up: str,
) -> dict[str, Any]:
    """Read, change and conditionally write a user's attributes until a write lands; returns them.

    `read` gives the attributes and their version; `write` stores changed attributes only while that
    version is still current, and says whether it did. A refused write means someone else wrote
    first: after a pause (doubling from first_pause_seconds up to longest_pause_seconds, with jitter
    so retries spread) the change is redone on fresh attributes, for at most budget_seconds, after
    which PersistenceException(gave_up) is raised. `change` may therefore run more than once, so it
    must only change the dict it is given; the last run is the one saved.
    """
    deadline = time.monotonic() + budget_seconds
    pause = first_pause_seconds
    while True:
        attributes, version = read()
        change(attributes)
        if write(attributes, version):
            return attributes
        if time.monotonic() > deadline:
            raise PersistenceException(gave_up)
        time.sleep(pause * random.uniform(0.5, 1.5))
        pause = min(pause * 2, longest_pause_seconds)


def atomic_update(
    adapter: AbstractPersistenceAdapter, request_envelope: RequestEnvelope, updater: Updater
) -> dict[str, Any]:
    """Read-modify-write through any adapter, atomically when the adapter supports it."""
    update = getattr(adapter, "update", None)
    if callable(update):
        result: dict[str, Any] = update(request_envelope, updater)
        return result
    attributes = dict(adapter.get_attributes(request_envelope) or {})
    updater(attributes)
    adapter.save_attributes(request_envelope, attributes)
    return attributes
