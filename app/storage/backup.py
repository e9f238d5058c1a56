"""Backups that can be trusted, made with SQLite's online backup API.

A copy goes to a temporary name in backups/, becomes a single self-contained file (rollback
journal: no -wal beside it, so it can be carried on a USB stick), is fsynced and checked — PRAGMA
integrity_check, and every table's row count equal to the source's, counted in the very snapshot the
copy was taken from — and only then renamed to its backup name. A full disk or a killed process
leaves at most a hidden `.part` file, never a file under a backup's name (the issue: a 0-byte
"backup" that opened as an empty database); the next backup clears such leftovers.

Names: <database stem>-<YYYYmmdd>T<HHMMSS>-<reason>.sqlite3 (a letter after the time when two
share a second), reasons "daily" (rotated, see backup_rotation), "before-<revision>" (an upgrade),
"before-restore" and "manual" (kept). An upgrade that encrypts (issue 17) seals its copy under the
data key: "<…>-before-<revision>.sqlite3.sealed" (app.storage.sealed_backup); one the clerk chose to
keep plain (`init --keep-plain-backup`), or that could not be sealed, is "before-<revision>-plaintext"
and says so. The letter T keeps the date and time two short numbers: as
one run of digits the disclosure gate would mask them as an account number wherever a name is shown.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from app.storage import backup_rotation, migrations
from app.storage.disk_space import MARGIN_BYTES, NotEnoughSpace, is_disk_full, require
from app.storage.errors import BackupFailed
from app.storage.open_mode import reason_for
from app.storage.paths import SEALED_BACKUP_SUFFIX, backups_dir
from app.storage.private_files import create_temporary, make_private_dir, sync_folder

DAILY = "daily"
MANUAL = "manual"
BEFORE_RESTORE = "before-restore"
PLAINTEXT_SUFFIX = "-plaintext"  # the reason of an upgrade's backup that holds personal numbers in clear
FORGET_PLAINTEXT = "cunwu backup forget-plaintext"
_STAMP = "%Y%m%dT%H%M%S"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6})[a-z]?-(?P<reason>[a-z0-9-]+)\.sqlite3"
                   rf"(?P<sealed>{re.escape(SEALED_BACKUP_SUFFIX)})?$")
_naming = threading.Lock()  # two backups of one database in one second get two names
_BUSY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: dt.datetime  # local time, from the name
    reason: str
    size: int
    sealed: bool = False  # under the data key (sealed_backup): opened with it before a restore


def backup_sqlite(db_path: Path, reason: str, now: dt.datetime | None = None) -> Path:
    """Copy the database (WAL included) to a checked backup file and return its path."""
    folder = make_private_dir(backups_dir(db_path))
    _remove_leftovers(folder, db_path.stem)
    needed = database_bytes(db_path)
    stamp = (now or dt.datetime.now()).strftime(_STAMP)
    target = folder / f"{db_path.stem}-{stamp}-{reason}.sqlite3"
    temporary: Path | None = None
    try:
        require("备份数据库", folder, needed)
        temporary, descriptor = create_temporary(folder, f".{target.name}.", ".part")
        os.close(descriptor)
        counts = _copy(db_path, temporary)
        problem = check_copy(temporary, counts)
        if problem:
            raise BackupFailed(f"备份副本检查不通过（{problem}），已删除这个副本，数据库没有改动")
        _fsync(temporary)
        with _naming:
            for letter in "abcdefghijklmnopqrstuvwxyz":
                if not target.exists():
                    break
                target = folder / f"{db_path.stem}-{stamp}{letter}-{reason}.sqlite3"
            os.replace(temporary, target)
        temporary = None
        sync_folder(folder)
    except NotEnoughSpace as exc:
        raise BackupFailed(str(exc)) from exc
    except BackupFailed:
        raise
    except Exception as exc:
        raise BackupFailed(_failure_sentence(exc, folder, needed)) from exc
    finally:
        if temporary is not None:
            _discard(temporary)
    return target


def database_bytes(db_path: Path) -> int:
    """The database and its -wal file: what a copy may need at most."""
    total = 0
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _failure_sentence(error: BaseException, folder: Path, needed: int) -> str:
    if is_disk_full(error):
        return str(NotEnoughSpace("备份数据库", folder, needed + MARGIN_BYTES))
    if isinstance(error, OSError) and reason_for(error):
        return "备份没有做成：备份文件夹不能写入（只读或没有权限），数据库没有改动"
    if isinstance(error, sqlite3.DatabaseError):
        return "备份没有做成：读取数据库时出错（数据库可能已损坏），数据库没有改动"
    return f"备份没有做成，数据库没有改动（错误类型 {type(error).__name__}）"


def _connect_read_only(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S,
                                 isolation_level=None)
    return connection


def _copy(db_path: Path, temporary: Path) -> dict[str, int]:
    source = _connect_read_only(db_path)
    try:
        source.execute("BEGIN")  # one snapshot for the counts and the copy
        counts = row_counts(source)
        destination = sqlite3.connect(temporary, isolation_level=None)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal to lose
        finally:
            destination.close()
        source.execute("COMMIT")
    finally:
        source.close()
    return counts


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def check_copy(path: Path, expected_counts: dict[str, int] | None = None) -> str | None:
    """None when the file is a sound SQLite database (with these row counts); else what is wrong."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)
        try:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                return "完整性检查：" + "；".join(result[:3])
            counts = row_counts(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return "不是完好的数据库文件"
    if not counts:
        return "文件里没有任何数据表"
    if expected_counts is not None and counts != expected_counts:
        differing = sorted(name for name in set(counts) | set(expected_counts)
                           if counts.get(name) != expected_counts.get(name))
        return "这些表的行数与数据库不一致：" + "、".join(differing[:5])
    return None


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows flushes write handles only
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(temporary: Path) -> None:
    for path in (temporary, temporary.with_name(temporary.name + "-journal")):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass  # removed by the next backup (_remove_leftovers)


def _remove_leftovers(folder: Path, stem: str) -> None:
    """Temporary files of this database's interrupted backups (the caller holds its lock)."""
    pattern = re.compile(rf"^\.{re.escape(stem)}-\d{{8}}T\d{{6}}-[a-z0-9-]+\.sqlite3({re.escape(SEALED_BACKUP_SUFFIX)})?"
                         r"\.[0-9a-f]{16}\.part(-journal)?$")
    from app.storage import sealed_backup  # its cipher's imports only for a backup, not for every reader

    for path in folder.iterdir():
        if pattern.match(path.name):
            sealed_backup.wipe(path)  # an interrupted copy or wipe may hold personal numbers in clear


def list_backups(db_path: Path) -> list[BackupFile]:
    """This database's backups, newest first."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or match["stem"] != db_path.stem or not path.is_file():
            continue
        taken_at = dt.datetime.strptime(match["stamp"], _STAMP)
        found.append(BackupFile(path, taken_at, match["reason"], path.stat().st_size, bool(match["sealed"])))
    return sorted(found, key=lambda backup: backup.taken_at, reverse=True)


def daily_backup_due(db_path: Path, today: dt.date) -> bool:
    return not any(b.reason == DAILY and b.taken_at.date() == today for b in list_backups(db_path))


def take_daily_backup(db_path: Path, now: dt.datetime | None = None) -> Path:
    """Today's automatic backup, then the older automatic ones thinned out (7 daily, 4 weekly, 12 monthly)."""
    path = backup_sqlite(db_path, DAILY, now)
    daily = [b for b in list_backups(db_path) if b.reason == DAILY]
    keep = backup_rotation.to_keep([b.taken_at for b in daily])
    for backup in daily:
        if backup.taken_at not in keep:
            try:
                backup.path.unlink()
            except OSError:
                pass  # tried again tomorrow
    return path


def plaintext_warning(path: Path) -> str:
    """One sentence for the window and the command line: where the plain copy is, and how to delete it."""
    return (f"升级前的备份“{path}”和 backups 文件夹中更早的备份里，身份证号、电话和账号都是明文（没有加密）："
            f"请确认升级后的数据无误后，执行“{FORGET_PLAINTEXT}”把这些明文备份删除")


def older_plaintext_warning(count: int) -> str:
    """After the upgrade's own copy was sealed: backups taken before it still hold the numbers in clear."""
    return (f"backups 文件夹中还有 {count} 个升级前的旧备份，里面的身份证号、电话和账号是明文（没有加密）："
            f"请确认升级后的数据无误后，执行“{FORGET_PLAINTEXT}”把这些明文备份删除")


def is_plaintext(found: BackupFile) -> bool:
    """Holds personal numbers in clear: named so by an upgrade, or taken while the database still held
    them (a layout from before 0013). A sealed file never; one whose layout cannot be read is not known
    to be one."""
    if found.sealed:
        return False
    if found.reason.endswith(PLAINTEXT_SUFFIX):
        return True
    revision = backup_revision(found.path)
    return revision is not None and migrations.holds_plain_numbers(revision)


def backup_revision(path: Path) -> str | None:
    """The layout version of a backup file (None: none recorded, or not readable as a database)."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None
