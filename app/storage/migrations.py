"""Alembic, run from code: no alembic.ini at run time, scripts found in the package or bundle.

Light to import (SQLAlchemy and Alembic only inside the functions that use them): the quick reading
path of the light commands (app.storage.quick_read) needs `SCHEMA_HEAD` and nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection

# The newest revision under db/versions/, known without reading the scripts: opening a database that
# is already there then never imports Alembic (~0.3 s of the window's start-up). A new revision
# changes it too; tests/test_storage.py checks that the two agree.
SCHEMA_HEAD = "0013"
# From this revision on no personal number is stored in clear (0010 the people, 0013 notice rows and
# old audit entries; issue 17). Revisions are zero-padded, so they compare as strings.
SEALED_FROM = "0013"


def holds_plain_numbers(revision: str | None) -> bool:
    """A database (or backup) at this revision may keep ID numbers, phones or accounts in clear."""
    return revision is None or revision < SEALED_FROM


class DatabaseFromNewerVersion(RuntimeError):
    pass


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> "ScriptDirectory":
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def stored_revision(connection: Connection) -> str | None:
    """The database's revision read with plain SQL (Alembic's own table), for the fast path."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def check_known(revision: str | None) -> None:
    if revision is None:
        return
    try:
        known = script_directory().get_revision(revision)
    except Exception:
        known = None
    if known is None:
        raise DatabaseFromNewerVersion(
            f"这个数据库由更新版本的村务公开助手创建（数据库版本 {revision}），当前程序无法识别。"
            "为免损坏数据，已拒绝打开：请把村务公开助手升级到最新版本后再打开。"
        )


def upgrade(connection: Connection, revision: str = "head") -> str | None:
    """Upgrade; the recovery code of a data key that a migration created (0010), to show the clerk once."""
    from alembic import command

    config = alembic_config(connection)
    command.upgrade(config, revision)
    return config.attributes.get("recovery_code")
