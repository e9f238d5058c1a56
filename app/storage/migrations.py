"""Alembic, run from code: no alembic.ini at run time, scripts found in the package or bundle."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from app.resources import migrations_dir


class DatabaseFromNewerVersion(RuntimeError):
    pass


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


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


def upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)
