"""Opening the database: pragmas, integrity check, one-instance lock, migrations with a backup first.

SQLite is the default; a PostgreSQL URL gets the same tables through the same migrations.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.storage import backup, instance_lock, migrations, network_drive
from app.storage.paths import resolve_db_path

BUSY_TIMEOUT_MS = 10_000


class DatabaseCorrupt(RuntimeError):
    pass


class DatabaseOpenError(RuntimeError):
    pass


ANALYSIS_ROWS = 20_000  # rows sampled per index by ANALYZE: enough for the planner to choose well


@dataclass
class Database:
    engine: Engine
    path: Path | None
    warnings: list[str] = field(default_factory=list)
    backup_path: Path | None = None
    _lock_key: Path | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit at the end, roll back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def refresh_statistics(self) -> None:
        """Keep the query planner's statistics current after bulk changes.

        Without them SQLite walks a million payouts in display order to find one person's 20 (800 ms
        instead of 10 ms). Sampled (analysis_limit): about 20 ms on a million payouts. PostgreSQL's
        autovacuum keeps its own statistics.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_ROWS}")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def close(self) -> None:
        self.engine.dispose()
        if self._lock_key is not None:
            instance_lock.release(self._lock_key)
            self._lock_key = None

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API connection
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,  # a failed insert's message must not list people's ID numbers
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_database(db: str | os.PathLike[str] | None = None, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate the database; refuse what must not be opened."""
    url = str(db) if db is not None else ""
    if url.startswith(("postgresql:", "postgresql+")):
        return _open_server(url, migrate)
    path = resolve_db_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseOpenError(f"无法创建数据库所在的文件夹“{path.parent}”：{exc.strerror or exc}") from exc
    lock_key = instance_lock.acquire(path)
    try:
        database = Database(engine=sqlite_engine(path), path=path, _lock_key=lock_key)
        if network_drive.is_network_path(path):
            database.warnings.append(network_drive.WARNING)
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            _quick_check(database.engine, path)
        if migrate:
            _migrate(database, had_data=existed)
            if not _has_statistics(database.engine):
                database.refresh_statistics()  # a database from before statistics were kept
        return database
    except BaseException:
        instance_lock.release(lock_key)
        raise


def _has_statistics(engine: Engine) -> bool:
    """Imports keep them current (refresh_statistics); opening only fills them in where missing."""
    with engine.connect() as connection:
        return inspect(connection).has_table("sqlite_stat1")


def _quick_check(engine: Engine, path: Path) -> None:
    try:
        with engine.connect() as connection:
            rows = [row[0] for row in connection.execute(text("PRAGMA quick_check"))]
    except Exception as exc:
        raise DatabaseCorrupt(f"数据库文件“{path}”无法读取，可能已损坏或不是本程序的数据库：{exc}") from exc
    if rows != ["ok"]:
        raise DatabaseCorrupt(
            f"数据库文件“{path}”已损坏（完整性检查：{'；'.join(rows[:3])}）。"
            "请从 backups 文件夹中的备份恢复，或联系技术人员。"
        )


def _migrate(database: Database, had_data: bool) -> None:
    with database.engine.connect() as connection:
        if migrations.stored_revision(connection) == migrations.SCHEMA_HEAD:
            return  # already up to date: the common case, decided without Alembic
    head = migrations.head_revision()
    with database.engine.connect() as connection:
        current = migrations.current_revision(connection)
        has_tables = bool(inspect(connection).get_table_names())
    migrations.check_known(current)
    if current == head:
        return
    if had_data and has_tables and database.path is not None:
        database.backup_path = backup.backup_sqlite(database.path, f"before-{head}")
    with database.engine.begin() as connection:
        migrations.upgrade(connection)


def _open_server(url: str, migrate: bool) -> Database:
    database = Database(engine=create_engine(url, pool_pre_ping=True, hide_parameters=True), path=None)
    if migrate:
        with database.engine.connect() as connection:
            migrations.check_known(migrations.current_revision(connection))
        with database.engine.begin() as connection:
            migrations.upgrade(connection)
    return database
