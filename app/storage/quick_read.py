"""The quick way in for commands that only read (`cunwu village list`, `cunwu payouts list`) and for
the window's first rows: the database file through the standard library's sqlite3, without the
database layer (SQLAlchemy, SQLModel, pydantic: ~0.5 s of imports before the first row).

Only when nothing is due that the full opening (app.storage.engine.open_database) would do: no
upgrade, no integrity check, no daily backup, a writable local file this process can lock. Otherwise
`open_quickly` returns None and the caller opens the database the full way, which does what is due
and says what it has to say. The reader never decrypts (the stored masked forms are what it lists) and
never writes (`query_only`); a database this account keeps no key for goes the full way, which refuses it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from app.storage import instance_lock, keys, migrations, network_drive
from app.storage.open_checks import BUSY_TIMEOUT_MS, integrity_check_due
from app.storage.paths import resolve_db_path


class QuickReader:
    """`rows(sql, params)` as `app.storage.engine.Database.rows` has it: named `:parameters`, plain
    tuples; SQLite hands dates back as their ISO text."""

    dialect = "sqlite"

    def __init__(self, path: Path, connection: sqlite3.Connection, ticket: instance_lock.Ticket) -> None:
        self.path = path
        self._connection = connection
        self._ticket: instance_lock.Ticket | None = ticket

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        return self._connection.execute(sql, dict(params or {})).fetchall()

    def close(self) -> None:
        self._connection.close()  # the last connection to close removes the -wal file: a clean close
        if self._ticket is not None:
            instance_lock.release(self._ticket)
            self._ticket = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_quickly(db: str | os.PathLike[str] | None) -> QuickReader | None:
    """A reader of an up-to-date local database with nothing due, or None (open it the full way)."""
    if str(db or "").startswith("postgresql"):
        return None
    path = resolve_db_path(db)
    try:
        if path.stat().st_size == 0 or network_drive.is_network_path(path):
            return None  # a new database to create, or a network drive's warning to say
        ticket = instance_lock.acquire(path)
    except (OSError, instance_lock.DatabaseInUse):
        return None  # the full opening says why, in its words
    try:
        reader = _reader(ticket)
    except sqlite3.Error:
        reader = None
    if reader is None:
        instance_lock.release(ticket)
    return reader


def _reader(ticket: instance_lock.Ticket) -> QuickReader | None:
    if ticket.read_only_reason or ticket.warning or integrity_check_due(ticket.path, None):
        return None
    connection = sqlite3.connect(ticket.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute("PRAGMA query_only=ON")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        connection.close()
        raise
    if row is None or row[0] != migrations.SCHEMA_HEAD or not _account_holds_key(connection):
        connection.close()
        return None
    return QuickReader(ticket.path, connection, ticket)


def _account_holds_key(connection: sqlite3.Connection) -> bool:
    """A database made on another PC or account opens only once its key is recovered (issue 17): the
    full opening refuses it and says how. Here only whether this account keeps a key for it; checking
    that key against the database (HKDF, the cryptography package's import) is the full opening's,
    and the reader never decrypts."""
    found = connection.execute("SELECT value FROM app_setting WHERE key = ?", (keys.DB_ID,)).fetchone()
    return found is None or keys.load_user_key(str(found[0])) is not None
