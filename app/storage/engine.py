"""Opening the database: pragmas, integrity check, one-instance lock, migrations with a backup first.

SQLite is the default; a PostgreSQL URL gets the same tables through the same migrations.

A database that cannot be written (a read-only file, a folder the clerk may not write, a CD or a
write-protected USB stick) opens read-only: everything that reads and prints works, and a write is
refused with one sentence naming the reason (`Database.read_only_reason`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app.storage import backup, instance_lock, keys, migrations, network_drive, open_mode, pg_security, sealed_backup
from app.storage.disk_space import NotEnoughSpace, looks_like_full_disk
from app.storage.errors import (
    BackupFailed,
    DatabaseCorrupt,
    DatabaseOpenError,
    DatabaseReadOnly,
)
from app.storage.open_checks import BUSY_TIMEOUT_MS, integrity_check_due
from app.storage.paths import resolve_db_path
from app.storage.private_files import make_private_dir

if TYPE_CHECKING:
    from app.core import crypto

__all__ = ["BackupFailed", "Database", "DatabaseCorrupt", "DatabaseOpenError", "DatabaseReadOnly", "open_database"]

SERVER_CONNECT_TIMEOUT_S = 5


ANALYSIS_ROWS = 20_000  # rows sampled per index by ANALYZE: enough for the planner to choose well


@dataclass
class Database:
    engine: Engine
    path: Path | None
    warnings: list[str] = field(default_factory=list)
    backup_path: Path | None = None  # the copy taken before this opening upgraded the database
    read_only_reason: str | None = None  # set: opened read-only, and why (for the title and status line)
    daily_backup_path: Path | None = None
    # The recovery code of the data key created by this opening (a new database, or one encrypted by
    # its upgrade): shown once, to be printed and kept (issue 17; `cunwu key recovery` prints it again).
    recovery_code: str | None = None
    _lock: instance_lock.Ticket | None = None

    @property
    def cipher(self) -> "crypto.PersonCipher":
        """The person fields' cipher (app.core.crypto); KeyUnavailable when this account has no key."""
        return keys.cipher_for(self.engine)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit at the end, roll back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        """A plain SQL statement's rows (named `:parameters`), as app.storage.quick_read's reader has
        them: the light commands' queries run through either."""
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), dict(params or {}))]

    def refresh_statistics(self) -> None:
        """Keep the query planner's statistics current after bulk changes.

        Without them SQLite walks a million payouts in display order to find one person's 20 (800 ms
        instead of 10 ms). Sampled (analysis_limit): about 20 ms on a million payouts. PostgreSQL's
        autovacuum keeps its own statistics.
        """
        if self.engine.dialect.name != "sqlite" or self.read_only_reason:
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_ROWS}")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            instance_lock.release(self._lock)
            self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite neither begins a transaction before DDL nor lets it roll back: with BEGIN emitted by
    # SQLAlchemy instead (the "begin" listener), a migration killed half-way leaves nothing behind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _read_only_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def sqlite_engine(path: Path, read_only_reason: str | None = None) -> Engine:
    options: dict = {"hide_parameters": True}  # a failed insert's message must not list people's ID numbers
    if read_only_reason:
        uri = _read_only_uri(path)
        options["creator"] = lambda: sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                                     check_same_thread=False)
    else:
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    engine = create_engine(f"sqlite:///{path}", **options)
    event.listen(engine, "connect", _read_only_pragmas if read_only_reason else _sqlite_pragmas)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "handle_error", _said_plainly(path, read_only_reason))
    return engine


def _read_only_uri(path: Path) -> str:
    """`immutable`: no -shm or lock files are needed (a read-only folder has no room for them). Where
    recent changes still sit in a -wal file, that would hide them: then SQLite must read it (mode=ro)."""
    wal = path.with_name(path.name + "-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        return f"{path.as_uri()}?immutable=1"
    uri = f"{path.as_uri()}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.Error as exc:
        raise DatabaseOpenError(
            f"数据库“{path.name}”最近的修改还在旁边的“{wal.name}”文件里，只读打开读不到它们。"
            "请把数据库文件连同它旁边的同名文件一起复制到本机硬盘上再打开"
        ) from exc
    return uri


def _said_plainly(path: Path, read_only_reason: str | None):
    """A write to a read-only database, or a full disk, as the sentence the clerk needs."""

    def translate(context) -> None:
        error = context.original_exception
        if read_only_reason and getattr(error, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            raise DatabaseReadOnly(read_only_reason) from error
        if looks_like_full_disk(error, path.parent):
            raise NotEnoughSpace("保存", path.parent) from error

    return translate


def open_database(db: str | os.PathLike[str] | None = None, migrate: bool = True,
                  daily_backup: bool = True, unlock: bool = True, keep_plain_backup: bool = False) -> Database:
    """Open (creating if needed) and migrate the database; refuse what must not be opened.

    The first opening of a day also keeps an automatic backup (backup.take_daily_backup).
    `unlock`: find this account's key of the database (keys.unlock), refusing with one sentence
    (keys.KeyUnavailable) when it has none; False only for `cunwu key recover`, which brings the key.
    `keep_plain_backup`: an upgrade that encrypts keeps its backup plain, named and warned about as
    such, instead of sealing it (`cunwu init --keep-plain-backup`: the clerk's choice).
    """
    url = str(db) if db is not None else ""
    if url.startswith(("postgresql:", "postgresql+")):
        return _open_server(url, migrate, unlock)
    path = resolve_db_path(db)
    try:
        if not path.parent.exists():
            make_private_dir(path.parent)  # a folder of our own making: 0700
    except OSError as exc:
        reason = open_mode.reason_for(exc)
        said = "所在的磁盘或文件夹是只读的" if reason else f"系统错误代码 {exc.errno}"
        raise DatabaseOpenError(f"无法创建数据库所在的文件夹“{path.parent}”（{said}）") from exc
    ticket = instance_lock.acquire(path)
    path = ticket.path
    try:
        database = Database(engine=sqlite_engine(path, ticket.read_only_reason), path=path,
                            read_only_reason=ticket.read_only_reason, _lock=ticket)
        if ticket.warning:
            database.warnings.append(ticket.warning)
        if network_drive.is_network_path(path):
            database.warnings.append(network_drive.WARNING)
        existed = path.stat().st_size > 0
        if existed and integrity_check_due(path, ticket.read_only_reason):
            _quick_check(database.engine, path)
        if migrate and (unlock or not existed):  # `key recover` upgrades nothing: 0013 needs the key it brings
            _migrate(database, had_data=existed, keep_plain_backup=keep_plain_backup)
        if unlock and database.recovery_code is None:
            keys.unlock(database.engine)
        if migrate and not database.read_only_reason and _statistics_stale(database.engine):
            database.refresh_statistics()
        if daily_backup and existed and not database.read_only_reason:
            _keep_daily_backup(database)
        return database
    except BaseException:
        instance_lock.release(ticket)
        raise


def _keep_daily_backup(database: Database) -> None:
    """Not fatal: the clerk is told, and the next opening tries again."""
    assert database.path is not None
    if not backup.daily_backup_due(database.path, dt.date.today()):
        return
    try:
        database.daily_backup_path = backup.take_daily_backup(database.path)
    except BackupFailed as exc:
        database.warnings.append(f"今天的自动备份没有做成：{exc}")


STATISTICS_DRIFT = 0.2  # the planner's payout count may be this far off before it is refreshed


def _statistics_stale(engine: Engine) -> bool:
    """Missing, or counting payouts more than 20% off (rows typed in, deleted, or written by a tool).

    Imports refresh them themselves. The current count is estimated by the largest payout id, an
    index lookup: counting a million rows on every opening would cost what the check saves.
    """
    with engine.connect() as connection:
        if not inspect(connection).has_table("sqlite_stat1"):
            return True
        stat = connection.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'payout' LIMIT 1")).scalar()
        largest = connection.execute(text("SELECT max(id) FROM payout")).scalar() or 0
    if stat is None:
        return largest > 0  # analysed while there were no payouts
    counted = int(str(stat).split()[0])
    return abs(largest - counted) > STATISTICS_DRIFT * max(counted, 1)


def _quick_check(engine: Engine, path: Path) -> None:
    try:
        with engine.connect() as connection:
            rows = [row[0] for row in connection.execute(text("PRAGMA quick_check"))]
    except Exception as exc:
        if looks_like_full_disk(exc, path.parent):  # SQLite could not make its -shm file: not damage
            raise DatabaseOpenError(str(NotEnoughSpace("打开数据库", path.parent))) from exc
        raise DatabaseCorrupt(f"数据库文件“{path}”无法读取，可能已损坏或不是本程序的数据库") from exc
    if rows != ["ok"]:
        raise DatabaseCorrupt(
            f"数据库文件“{path}”已损坏（完整性检查：{'；'.join(rows[:3])}）。"
            "请从 backups 文件夹中的备份恢复，或联系技术人员。"
        )


def bring_up_to_date(database: Database) -> None:
    """After a restore: check the database now in place and upgrade an older layout (no second backup:
    the file restored from is that copy)."""
    assert database.path is not None
    _quick_check(database.engine, database.path)
    _migrate(database, had_data=False)
    if database.recovery_code is None:
        keys.unlock(database.engine)  # the restored copy's key (another database's copy may need its code)


def _needs_upgrade(engine: Engine) -> bool:
    """False in the common case, an up-to-date database, decided with plain SQL: Alembic (its import and
    its reading of every migration script, ~0.3 s) is left for an upgrade."""
    with engine.connect() as connection:
        return migrations.stored_revision(connection) != migrations.SCHEMA_HEAD


def _migrate(database: Database, had_data: bool, keep_plain_backup: bool = False) -> None:
    if not _needs_upgrade(database.engine):
        return
    head = migrations.head_revision()
    with database.engine.connect() as connection:
        current = migrations.current_revision(connection)
        has_tables = bool(inspect(connection).get_table_names())
    migrations.check_known(current)
    if current == head:
        return
    if database.read_only_reason:
        raise DatabaseOpenError(
            f"这个数据库需要升级到新版本的格式才能使用，但它是只读的（{database.read_only_reason}）。"
            "请把它复制到本机硬盘上可以写入的文件夹，再用村务公开助手打开"
        )
    encrypting = has_tables and migrations.holds_plain_numbers(current)
    if encrypting and current is not None:
        # 0013 seals under this account's key: a copy this account holds no key for is refused now, before
        # a backup is taken (None: a database from before 0010, which 0010 gives a key).
        keys.unlock(database.engine)
    if had_data and has_tables and database.path is not None:
        # A database that still holds personal numbers in clear: so does its copy, named so until it is
        # sealed below. It must be taken before the upgrade, and the key to seal it with exists only
        # after it (0010 makes it), so the plain copy briefly exists.
        reason = f"before-{head}{backup.PLAINTEXT_SUFFIX}" if encrypting else f"before-{head}"
        try:
            database.backup_path = backup.backup_sqlite(database.path, reason)
        except BackupFailed as exc:
            raise BackupFailed(f"升级数据库之前要先备份，备份没有做成，所以没有升级。{exc}") from exc
    database.recovery_code = _upgrade(database.engine)
    if encrypting and database.engine.dialect.name == "sqlite":
        _vacuum(database.engine)
    if encrypting and database.backup_path is not None:
        _seal_backup(database, keep_plain_backup)


def _seal_backup(database: Database, keep_plain: bool) -> None:
    """The plain pre-upgrade copy sealed under the data key the upgrade made or unlocked, and wiped;
    kept plain (named and warned about) when the clerk asks, or when it cannot be sealed (the upgrade
    is done: a failed seal must not undo it)."""
    assert database.path is not None and database.backup_path is not None
    plain = database.backup_path
    if not keep_plain:
        try:
            database.backup_path = sealed_backup.seal_copy(plain, database.engine, backup.PLAINTEXT_SUFFIX)
        except BackupFailed as exc:
            database.warnings.append(f"升级前的备份没有加密成功（{exc}），保留为明文备份")
        else:
            older = sum(backup.is_plaintext(found) for found in backup.list_backups(database.path))
            if older:
                database.warnings.append(backup.older_plaintext_warning(older))
            return
    database.warnings.append(backup.plaintext_warning(plain))


def _upgrade(engine: Engine) -> str | None:
    with migrating(engine) as connection:
        return migrations.upgrade(connection)


@contextlib.contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction to run migrations in. On SQLite with the foreign keys off around it (0010
    rebuilds the person table, which payouts refer to; SQLite's DROP TABLE would refuse; a migration
    that rebuilds a table checks them with PRAGMA foreign_key_check before the commit). The pragma
    is ignored inside a transaction, so it is set on the driver's connection before one begins."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


def _vacuum(engine: Engine) -> None:
    """After the plain columns are dropped: rewrite the file so no freed page keeps a plain value, then
    empty the WAL, which holds the pages as they were before."""
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("VACUUM")
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _open_server(url: str, migrate: bool, unlock: bool) -> Database:
    # A short connect timeout: an unreachable township server is said in seconds, not after minutes.
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True,
                           connect_args={"connect_timeout": SERVER_CONNECT_TIMEOUT_S})
    database = Database(engine=engine, path=None)
    try:
        # `key recover` upgrades nothing: 0013 needs the key it brings.
        if migrate and unlock and _needs_upgrade(database.engine):
            with database.engine.connect() as connection:
                current = migrations.current_revision(connection)
                migrations.check_known(current)
                # Only the owner migrates (issue 16): a person's login has no right to change the tables.
                needs_owner = current != migrations.head_revision() and not pg_security.is_owner(connection)
            if needs_owner:
                raise DatabaseOpenError("数据库需要升级，请乡镇管理员用数据库管理员账号运行 cunwu init")
            with database.engine.begin() as connection:
                database.recovery_code = migrations.upgrade(connection)
        if unlock and database.recovery_code is None:
            keys.unlock(database.engine)
    except BaseException:
        # Every connection back and closed: a refused sign-in tried again in the window must not leave
        # sessions open on the server (they would also keep the database from being dropped or renamed).
        engine.dispose()
        raise
    return database
