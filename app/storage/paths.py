"""Where the database lives: --db PATH, else $CUNWU_DB, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DB_ENV = "CUNWU_DB"
DB_FILE_NAME = "cunwu.sqlite3"
# After a sealed backup's own name: <stem>-<stamp>-before-0013.sqlite3.sealed (app.storage.sealed_backup)
SEALED_BACKUP_SUFFIX = ".sealed"


def user_data_dir() -> Path:
    # %LOCALAPPDATA%\Cunwu on Windows, ~/.local/share/Cunwu on Linux: never the install folder.
    return Path(platformdirs.user_data_dir("Cunwu", appauthor=False, roaming=False))


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(DB_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return user_data_dir() / DB_FILE_NAME


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def evidence_dir(db_path: Path | None) -> Path:
    """Photos and scans filed as evidence: beside the database (a server database: the user data folder)."""
    return (db_path.parent if db_path is not None else user_data_dir()) / "evidence"
