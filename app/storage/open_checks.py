"""What opening a SQLite database must do first, decided without the database layer (SQLAlchemy):
shared by the full opening (app.storage.engine) and the quick reading path (app.storage.quick_read)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.storage import backup

BUSY_TIMEOUT_MS = 10_000


def integrity_check_due(path: Path, read_only_reason: str | None) -> bool:
    """PRAGMA quick_check reads every page (0.35 s on 190 MB): run it when it can find something.

    After a session that did not close cleanly (SQLite removes the -wal file when the last
    connection closes; the opening process holds the database's lock, so one left behind is a
    crash's or a power cut's), and at the first opening of the day (the day's automatic backup is
    then taken, and must not copy damage unnoticed). A read-only database takes no backup: it is
    checked every time.
    """
    if read_only_reason:
        return True
    if Path(f"{path}-wal").exists():
        return True
    return backup.daily_backup_due(path, dt.date.today())
