"""The SQLite persistence adapter: a real file, atomic updates, many threads at once."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.errors import KindWellError, UserInputError
from skill.persistence import (
    BACKENDS,
    SQLitePersistenceAdapter,
    atomic_update,
    optimistic_update,
    persistence_adapter,
)
from skill.settings import EndpointSettings

from ..conftest import load_fixture


def envelope(user_id: str = "amzn1.ask.account.PERSIST") -> RequestEnvelope:
    data = load_fixture("launch")
    data["context"]["System"]["user"]["userId"] = user_id
    return DefaultSerializer().deserialize(json.dumps(data), RequestEnvelope)


def test_round_trip_and_delete(adapter: SQLitePersistenceAdapter) -> None:
    request = envelope()
    assert adapter.get_attributes(request) == {}
    adapter.save_attributes(request, {"completed": 2, "days": ["2026-11-25"]})
    assert adapter.get_attributes(request) == {"completed": 2, "days": ["2026-11-25"]}
    adapter.delete_attributes(request)
    assert adapter.get_attributes(request) == {}


def test_wal_mode_and_hashed_keys(adapter: SQLitePersistenceAdapter, db_path: Path) -> None:
    adapter.save_attributes(envelope("amzn1.ask.account.SECRET"), {"visits": 1})
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (key,) = connection.execute("SELECT id FROM attributes").fetchone()
    assert len(key) == 64 and "SECRET" not in key


def test_concurrent_updates_for_one_user_lose_nothing(db_path: Path) -> None:
    adapters = [SQLitePersistenceAdapter(db_path) for _ in range(4)]  # as several workers would
    request = envelope()
    per_thread = 50

    def work(adapter: SQLitePersistenceAdapter) -> None:
        for _ in range(per_thread):
            atomic_update(adapter, request, lambda a: a.__setitem__("completed", a.get("completed", 0) + 1))

    threads = [threading.Thread(target=work, args=(adapters[i % 4],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert adapters[0].get_attributes(request)["completed"] == 16 * per_thread


def test_unwritable_location_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(KindWellError, match="set KINDWELL_DB to a writable file path"):
        SQLitePersistenceAdapter(blocker / "kindwell.sqlite3")


def test_a_request_without_a_user_cannot_be_saved(adapter: SQLitePersistenceAdapter) -> None:
    data = load_fixture("launch")
    data["context"]["System"].pop("user")
    request = DefaultSerializer().deserialize(json.dumps(data), RequestEnvelope)
    with pytest.raises(PersistenceException):
        adapter.get_attributes(request)


def test_corrupt_row_reads_as_empty_not_a_crash(adapter: SQLitePersistenceAdapter, db_path: Path) -> None:
    request = envelope()
    adapter.save_attributes(request, {"visits": 3})
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE attributes SET attributes = 'not json'")
    assert adapter.get_attributes(request) == {}


def test_optimistic_update_redoes_the_change_until_a_write_lands() -> None:
    store = {"attributes": {"visits": 1}, "version": 1}
    refusals = [True, True]  # two other writers get in first

    def read() -> tuple[dict[str, Any], int]:
        return dict(store["attributes"]), store["version"]

    def write(attributes: dict[str, Any], version: int) -> bool:
        if refusals:
            refusals.pop()
            store["attributes"], store["version"] = {"visits": store["attributes"]["visits"] + 10}, version + 1
            return False
        store["attributes"], store["version"] = attributes, version + 1
        return True

    seen: list[int] = []

    def change(attributes: dict[str, Any]) -> None:
        seen.append(attributes["visits"])
        attributes["visits"] += 1

    result = optimistic_update(
        read, write, change, budget_seconds=5, first_pause_seconds=0.001, longest_pause_seconds=0.002, gave_up="no"
    )
    assert seen == [1, 11, 21] and result == {"visits": 22} and store == {"attributes": {"visits": 22}, "version": 4}


def test_optimistic_update_gives_up_after_its_budget_with_one_sentence() -> None:
    attempts: list[int] = []
    with pytest.raises(PersistenceException, match="too many concurrent changes"):
        optimistic_update(
            lambda: ({}, len(attempts)),
            lambda attributes, version: attempts.append(version) is not None,
            lambda attributes: None,
            budget_seconds=0.05,
            first_pause_seconds=0.001,
            longest_pause_seconds=0.01,
            gave_up="Saving progress failed: too many concurrent changes.",
        )
    # It retried with pauses growing to at most 10 ms within a 50 ms budget, then stopped: a bounded
    # number of attempts, not one and not endless (how long that takes is bench/soak.py's business).
    assert 2 <= len(attempts) <= 50


def test_backends_are_chosen_by_name(db_path: Path) -> None:
    assert set(BACKENDS) == {"sqlite", "dynamodb"}
    adapter = persistence_adapter(EndpointSettings(persistence="sqlite", sqlite_path=db_path))
    assert isinstance(adapter, SQLitePersistenceAdapter) and adapter.path == db_path
    with pytest.raises(UserInputError, match="choose one of sqlite, dynamodb"):
        persistence_adapter(EndpointSettings(persistence="postgres"))  # type: ignore[arg-type]
