"""Backups for the clerk: list them, take one now, put one back in place.

A restore checks the chosen file before anything is touched (a sound SQLite database holding
Cunwu's tables, in a layout this version knows), backs the current database up first, then copies
the backup *into* the open database with SQLite's backup API. That copy is one transaction: a full
disk or a crash leaves the current database as it was. The database stays the same file, so its
lock, its name and the evidence folder beside it stay valid. An older layout is upgraded afterwards,
as on opening, and the restore is recorded in the restored database's audit log.

A sealed backup (the copy an upgrade that encrypts takes, app.storage.sealed_backup) is first opened
with this account's data key into a private temporary file beside the database, which goes through
the same checks and copy and is wiped whatever happens.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.services import audit
from app.services.errors import NotFound, ServiceError
from app.storage import backup, migrations, sealed_backup
from app.storage.disk_space import NotEnoughSpace, format_size, is_disk_full, require
from app.storage.engine import Database, DatabaseReadOnly, bring_up_to_date
from app.storage.paths import backups_dir

_REQUIRED_TABLES = {"alembic_version", "village", "payout", "person"}


@dataclass(frozen=True)
class BackupEntry:
    name: str
    path: Path
    taken_at: dt.datetime
    kind: str  # in the clerk's words
    size: str


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_copy: Path  # the database as it was just before the restore
    # The recovery code of the data key made by the restore: a backup from before encryption is
    # encrypted as it is put back, under a new key (issue 17). Shown once, like init's.
    recovery_code: str | None = None


def kind_label(reason: str, sealed: bool = False) -> str:
    if sealed:
        return kind_label(reason) + "（已加密）"
    if reason.endswith(backup.PLAINTEXT_SUFFIX):
        return kind_label(reason.removesuffix(backup.PLAINTEXT_SUFFIX)) + "（明文，未加密）"
    if reason == backup.DAILY:
        return "每日自动备份"
    if reason == backup.MANUAL:
        return "手动备份"
    if reason == backup.BEFORE_RESTORE:
        return "恢复备份前的数据库"
    if reason.startswith("before-"):
        return f"升级（到 {reason.removeprefix('before-')} 版）前的备份"
    return reason


def _file_database(db: Database) -> Path:
    if db.path is None:
        raise ServiceError("服务器上的数据库请用服务器自己的备份工具备份和恢复")
    return db.path


def list_backups(db: Database) -> list[BackupEntry]:
    """The database's backups, newest first."""
    return [_entry(found) for found in backup.list_backups(_file_database(db))]


def _entry(found: backup.BackupFile) -> BackupEntry:
    return BackupEntry(found.path.name, found.path, found.taken_at, kind_label(found.reason, found.sealed),
                       format_size(found.size))


def back_up_now(db: Database) -> Path:
    path = _file_database(db)
    if db.read_only_reason:
        raise DatabaseReadOnly(db.read_only_reason)
    return backup.backup_sqlite(path, backup.MANUAL)


def find_backup(db: Database, name_or_path: str | Path) -> Path:
    """A path as given, else a name from `cunwu backup list` (in the backups folder)."""
    given = Path(name_or_path)
    for candidate in (given, backups_dir(_file_database(db)) / given.name):
        if candidate.is_file():
            return candidate
    raise NotFound(f"没有找到备份文件“{given.name}”：请用 cunwu backup list 查看有哪些备份")


def check_backup(path: Path, name: str | None = None) -> None:
    """Refuse a file that must not replace the database; nothing is changed either way. `name`: the
    file the clerk chose, when `path` is what a sealed one was opened into."""
    problem = backup.check_copy(path)
    if problem is None:
        problem = _not_cunwu(path)
    if problem:
        raise _refused(name or path.name, problem)


def _refused(name: str, problem: str) -> ServiceError:
    return ServiceError(f"备份文件“{name}”不能用来恢复：{problem}。当前数据库没有改动")


def _not_cunwu(path: Path) -> str | None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables >= _REQUIRED_TABLES:
            return "它不是村务公开助手的数据库"
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    migrations.check_known(revision[0] if revision else None)  # a newer version's file is refused by name
    return None


def restore(db: Database, name_or_path: str | Path, actor: str) -> RestoreResult:
    target = _file_database(db)
    if db.read_only_reason:
        raise DatabaseReadOnly(db.read_only_reason)
    source = find_backup(db, name_or_path)
    if source.resolve() == target.resolve():
        raise ServiceError("这就是正在使用的数据库，不能用它自己来恢复")
    sealed = sealed_backup.is_sealed(source)
    try:  # a sealed file opened too needs its room beside the database
        require("恢复备份", target.parent, source.stat().st_size * (2 if sealed else 1) + backup.database_bytes(target))
    except NotEnoughSpace as exc:
        raise ServiceError(str(exc)) from exc
    opened = _open_sealed(source, target) if sealed else source
    try:
        check_backup(opened, source.name)
        safety = backup.backup_sqlite(target, backup.BEFORE_RESTORE)
        _copy_into(db, opened, target)
    finally:
        if opened != source:
            sealed_backup.wipe(opened)
    db.recovery_code = None  # a code shown when this database was opened is not the restored copy's
    bring_up_to_date(db)
    with db.transaction() as session:
        audit.record(session, actor, "restore", "database", None,
                     after={"from": source.name, "safety_copy": safety.name})
    return RestoreResult(source, safety, db.recovery_code)


def _open_sealed(source: Path, target: Path) -> Path:
    """The sealed backup decrypted into a private temporary file beside the database (the leftover of
    an earlier restore cut short wiped first: it holds the same kind of data)."""
    prefix = f".{target.stem}-restoring."
    for leftover in target.parent.glob(f"{prefix}*.part"):
        sealed_backup.wipe(leftover)
    try:
        return sealed_backup.unseal(source, target.parent, prefix)
    except sealed_backup.SealedBackupUnreadable as exc:
        raise _refused(source.name, str(exc)) from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise ServiceError(str(NotEnoughSpace("恢复备份", target.parent, source.stat().st_size))) from exc
        raise _refused(source.name, "读取或解密时出错") from exc


def _copy_into(db: Database, source: Path, target: Path) -> None:
    db.engine.dispose()  # the pool's idle connections would see the old schema cached
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        writer = sqlite3.connect(target, timeout=10.0)
        try:
            reader.backup(writer)  # one write transaction: all of it, or nothing
        finally:
            writer.close()
    except sqlite3.Error as exc:
        if is_disk_full(exc):
            raise ServiceError(str(NotEnoughSpace("恢复备份", target.parent, source.stat().st_size))) from exc
        raise ServiceError("恢复没有完成（复制备份时出错），当前数据库没有改动") from exc
    finally:
        reader.close()


def plaintext_backups(db: Database) -> list[BackupEntry]:
    """The backups that hold ID numbers, phones or accounts in clear: named so by the upgrade, or taken
    while the database still held them (its layout from before 0013). A file whose layout cannot be
    read is left out: it is not known to be one."""
    return [_entry(found) for found in backup.list_backups(_file_database(db)) if backup.is_plaintext(found)]


def forget_plaintext(db: Database, actor: str) -> list[str]:
    """Delete the backups that hold personal numbers in clear (once the upgraded database is checked);
    the names deleted, in the audit log too. A file that cannot be deleted is named and nothing more
    is claimed."""
    _file_database(db)
    if db.read_only_reason:
        raise DatabaseReadOnly(db.read_only_reason)
    with db.reading() as session:
        current = migrations.stored_revision(session.connection())
    if migrations.holds_plain_numbers(current):
        raise ServiceError("数据库本身还没有加密，不能删除升级前的备份")
    deleted: list[str] = []
    failed: list[str] = []
    for entry in plaintext_backups(db):
        sealed_backup.wipe(entry.path)  # overwritten with zeros first: a plain unlink leaves the numbers on disk
        (failed if entry.path.exists() else deleted).append(entry.name)
    if deleted:
        with db.transaction() as session:
            audit.record(session, actor, "delete", "database", None, after={"file": deleted, "how": "明文备份"})
    if failed:
        raise ServiceError(f"有 {len(failed)} 个明文备份删不掉（可能正被其他程序打开），请关闭后再试："
                           + "、".join(failed), [f"已删除：{name}" for name in deleted])
    return deleted
