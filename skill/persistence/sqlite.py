"""Persistent attributes: ask-sdk's AbstractPersistenceAdapter over an embedded SQLite file.

The record key is a SHA-256 of the Alexa user id, so the file never holds the raw id, and the
attributes are ids, dates, counts and positions only. `update()` is an atomic read-modify-write
(updates.optimistic_update), so two requests from one user at once cannot lose each other's changes:
every row carries a version, and a write only lands when the version is still the one read (else it
is redone).
Each write is one statement, so SQLite's write lock is held only inside one C call, never while a
thread waits for Python's GIL; several gunicorn workers with many threads stay fast on one file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from ..errors import KindWellError
from ..folders import database_path
from .updates import Updater, optimistic_update, user_key

if TYPE_CHECKING:
    from ..settings import EndpointSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attributes (
    id TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    updated_at REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
)
"""


class SQLitePersistenceAdapter(AbstractPersistenceAdapter):
    """Stores each user's attributes as one JSON row in a SQLite file (WAL mode)."""

    def __init__(self, path: Path | str | None = None, timeout_seconds: float = 10.0) -> None:
        self.path = Path(path) if path is not None else database_path()
        self._timeout = timeout_seconds
        self._local = threading.local()
        self._inherited: list[sqlite3.Connection] = []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._transaction(immediate=True) as connection:
                connection.execute(_SCHEMA)
                columns = {row[1] for row in connection.execute("PRAGMA table_info(attributes)")}
                if "version" not in columns:  # files written before rows carried a version
                    connection.execute("ALTER TABLE attributes ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        except (OSError, sqlite3.Error) as err:
            raise KindWellError(
                f"Cannot open the progress database at {self.path} ({err}); set KINDWELL_DB to a writable file path."
            ) from err

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: sqlite3 connections must not be shared across threads, nor
        # across a fork (gunicorn --preload builds the adapter in the master, then forks workers).
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            if connection is not None:
                # Closing a connection inherited from the parent could checkpoint or unlink the WAL
                # under the parent's feet; it is kept unused instead.
                self._inherited.append(connection)
            self._local.pid = os.getpid()
            connection = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")

    def _read(self, key: str) -> tuple[dict[str, Any], int | None]:
        """(attributes, version) of a user's row; version None when there is no row."""
        row = self._connection().execute("SELECT attributes, version FROM attributes WHERE id = ?", (key,)).fetchone()
        if row is None:
            return {}, None
        try:
            value = json.loads(row[0])
        except json.JSONDecodeError:
            value = {}
        return (value if isinstance(value, dict) else {}), int(row[1])

    @staticmethod
    def _dump(attributes: dict[str, Any]) -> str:
        return json.dumps(attributes, separators=(",", ":"), sort_keys=True)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Attributes stored for the request's user ({} for a new user)."""
        key = user_key(request_envelope)
        try:
            return self._read(key)[0]
        except sqlite3.Error as err:
            raise PersistenceException(f"Reading progress failed: {err}") from err

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Replace the request's user's attributes (bumping the version, so concurrent updates redo)."""
        key = user_key(request_envelope)
        try:
            self._connection().execute(
                "INSERT INTO attributes (id, attributes, updated_at, version) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(id) DO UPDATE SET attributes = excluded.attributes, "
                "updated_at = excluded.updated_at, version = attributes.version + 1",
                (key, self._dump(dict(attributes)), time.time()),
            )
        except sqlite3.Error as err:
            raise PersistenceException(f"Saving progress failed: {err}") from err

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget everything stored for the request's user."""
        key = user_key(request_envelope)
        try:
            self._connection().execute("DELETE FROM attributes WHERE id = ?", (key,))
        except sqlite3.Error as err:
            raise PersistenceException(f"Deleting progress failed: {err}") from err

    def update(self, request_envelope: RequestEnvelope, updater: Updater) -> dict[str, Any]:
        """Atomically read, change with updater and write the user's attributes; returns them.

        updater may run more than once (when another request wrote first), so it must only change
        the dict it is given; the last run is the one saved.
        """
        key = user_key(request_envelope)

        def write(attributes: dict[str, Any], version: int | None) -> bool:
            if version is None:
                written = self._connection().execute(
                    "INSERT INTO attributes (id, attributes, updated_at, version) VALUES (?, ?, ?, 1) "
                    "ON CONFLICT(id) DO NOTHING",
                    (key, self._dump(attributes), time.time()),
                )
            else:
                written = self._connection().execute(
                    "UPDATE attributes SET attributes = ?, updated_at = ?, version = version + 1 "
                    "WHERE id = ? AND version = ?",
                    (self._dump(attributes), time.time(), key, version),
                )
            return written.rowcount == 1

        try:
            return optimistic_update(
                lambda: self._read(key),
                write,
                updater,
                budget_seconds=self._timeout,
                first_pause_seconds=0.0002,
                longest_pause_seconds=0.01,
                gave_up="Saving progress failed: too many concurrent changes.",
            )
        except sqlite3.Error as err:
            raise PersistenceException(f"Saving progress failed: {err}") from err

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def adapter_from_settings(settings: EndpointSettings) -> SQLitePersistenceAdapter:
    """The SQLite adapter the settings describe (KINDWELL_DB, else the per-user default file)."""
    return SQLitePersistenceAdapter(settings.sqlite_path)
