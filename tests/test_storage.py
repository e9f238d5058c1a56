"""The database: pragmas, migrations that agree with the models, backups, refusals."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column as sa_column, table as sa_table, create_engine, insert, inspect, select, text
from sqlmodel import SQLModel

from app.core.synthetic import make_id_number
from app.resources import migrations_dir
from app.storage import engine as engine_module
from app.storage import migrations, network_drive
from app.storage.engine import DatabaseCorrupt, open_database
from app.storage.instance_lock import DatabaseInUse
from app.storage.migrations import DatabaseFromNewerVersion
from app.storage.models import AuditLog, AuditLogIsAppendOnly, Person, Village
from app.storage.paths import DB_ENV, resolve_db_path


def test_pragmas(db):
    with db.engine.connect() as connection:
        pragma = lambda name: connection.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrations_run_without_alembic_ini_from_another_working_directory(tmp_path):
    code = textwrap.dedent(
        f"""
        from app.storage.engine import open_database
        db = open_database({str(tmp_path / 'x.sqlite3')!r}); db.close(); print('ok')
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "alembic.ini").exists()


def test_upgrade_from_first_revision_keeps_data_and_backs_up_first(tmp_path, monkeypatch):
    """A database at revision 0001 holding data, then a newer program with a further migration."""
    path = tmp_path / "old.sqlite3"
    engine = engine_module.sqlite_engine(path)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0001")
        # The table as revision 0001 made it: the model has grown columns since.
        connection.execute(text("INSERT INTO village (name, code, supervision_phone) VALUES ('旧村', '1', '')"))
    engine.dispose()

    scripts = tmp_path / "scripts"
    shutil.copytree(migrations_dir(), scripts)
    real_head = migrations.head_revision()
    (scripts / "versions" / "9001_test_column.py").write_text(
        textwrap.dedent(
            f"""
            from alembic import op
            import sqlalchemy as sa
            revision = "9001"
            down_revision = "{real_head}"
            branch_labels = depends_on = None
            def upgrade():
                with op.batch_alter_table("village") as batch:
                    batch.add_column(sa.Column("motto", sa.String(20), nullable=False, server_default=""))
            def downgrade():
                pass
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(migrations, "migrations_dir", lambda: scripts)

    database = open_database(path, keep_plain_backup=True)  # the copy left plain, to be read below
    try:
        assert database.backup_path is not None and database.backup_path.exists()
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT name, motto FROM village")).all() == [("旧村", "")]
            assert migrations.current_revision(connection) == "9001"
            assert connection.execute(text("SELECT count(*) FROM publication")).scalar() == 0
        backup = create_engine(f"sqlite:///{database.backup_path}")
        with backup.connect() as connection:
            assert migrations.current_revision(connection) == "0001"
            assert connection.execute(text("SELECT name FROM village")).scalar() == "旧村"
        backup.dispose()
    finally:
        database.close()


def test_upgrading_to_0005_adds_surname_readings_to_stored_initials(tmp_path):
    """Rows written before 0005 hold the everyday initials only (曾国藩 → cgf): the upgrade adds the
    surname's reading, touches no other row, and a downgrade gives back what was there."""
    path = tmp_path / "old.sqlite3"
    engine = engine_module.sqlite_engine(path)
    # The person table as it was before 0010 (the model's ID number is encrypted since).
    person = sa_table("person", sa_column("name"), sa_column("name_initials"), sa_column("id_number"),
                      sa_column("phone"), sa_column("account"))
    rng = random.Random(5)
    people = [(name, initials, make_id_number(rng)) for name, initials in (("曾国藩", "cgf"), ("张三", "zs"), ("区永", "qy"))]
    with engine.begin() as connection:
        migrations.upgrade(connection, "0004")
        for name, initials, id_number in people:
            connection.execute(insert(person).values(name=name, name_initials=initials, id_number=id_number,
                                                     phone="", account=""))
        migrations.upgrade(connection, "0005")
        upgraded = dict(connection.execute(select(person.c.name, person.c.name_initials)).all())
        command.downgrade(migrations.alembic_config(connection), "0004")
        downgraded = dict(connection.execute(select(person.c.name, person.c.name_initials)).all())
    engine.dispose()
    assert upgraded == {"曾国藩": "zgf cgf", "张三": "zs", "区永": "oy qy"}
    assert downgraded == {"曾国藩": "cgf", "张三": "zs", "区永": "qy"}


def test_upgrading_to_0006_names_the_standard_types_issuers_and_keeps_payouts(tmp_path):
    """0006 adds the area and rate of a payout (empty for existing rows) and each subsidy type's 发放单位."""
    path = tmp_path / "old.sqlite3"
    engine = engine_module.sqlite_engine(path)
    subsidy = sa_table("subsidy_type", sa_column("name"), sa_column("category"), sa_column("rhythm"),
                       sa_column("sensitive"), sa_column("basis"), sa_column("aliases"))
    with engine.begin() as connection:
        migrations.upgrade(connection, "0005")
        connection.execute(insert(subsidy).values(name="最低生活保障金", category="社会救助", rhythm="monthly",
                                                  sensitive=False, basis="", aliases=""))
        connection.execute(insert(subsidy).values(name="本村自定项目", category="", rhythm="monthly",
                                                  sensitive=False, basis="", aliases=""))
        migrations.upgrade(connection, "0006")
        issuers = dict(connection.execute(text("SELECT name, issuer FROM subsidy_type")).all())
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(payout)"))}
        command.downgrade(migrations.alembic_config(connection), "0005")
        after_downgrade = {row[1] for row in connection.execute(text("PRAGMA table_info(subsidy_type)"))}
    engine.dispose()
    assert issuers == {"最低生活保障金": "县民政局", "本村自定项目": ""}
    assert {"area_e4", "rate_fen"} <= columns and "issuer" not in after_downgrade


def test_fresh_database_needs_no_backup(tmp_path):
    database = open_database(tmp_path / "new.sqlite3")
    try:
        assert database.backup_path is None
        assert not (tmp_path / "backups").exists()
    finally:
        database.close()


def test_database_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    open_database(path).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(DatabaseFromNewerVersion, match="更新版本.*9999_future.*升级"):
        open_database(path)


def test_second_running_copy_is_refused(tmp_path):
    path = tmp_path / "shared.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from app.storage.engine import open_database; "
         f"db = open_database({str(path)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUse, match="另一个正在运行的村务公开助手"):
            open_database(path)
    finally:
        holder.communicate("", timeout=30)
    open_database(path).close()  # once the other copy exits, the lock is gone


def test_corrupt_database_is_refused(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4096)
    with pytest.raises(DatabaseCorrupt, match="broken.sqlite3"):
        open_database(path)


def test_network_mount_is_detected(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"server:/share {tmp_path} nfs4 rw 0 0\n/dev/vda / ext4 rw 0 0\n")
    assert network_drive._posix_network_mount(tmp_path / "db.sqlite3", str(mounts))
    local = tmp_path / "local-mounts"
    local.write_text("/dev/vda / ext4 rw 0 0\n")
    assert not network_drive._posix_network_mount(tmp_path / "db.sqlite3", str(local))
    assert network_drive.is_network_path(Path("//server/share/cunwu.sqlite3"))


def test_network_drive_earns_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(network_drive, "is_network_path", lambda path: True)
    database = open_database(tmp_path / "n.sqlite3")
    try:
        assert database.warnings == [network_drive.WARNING]
    finally:
        database.close()


def test_db_location_explicit_then_env_then_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.sqlite3"))
    assert resolve_db_path(tmp_path / "x.sqlite3") == tmp_path / "x.sqlite3"
    assert resolve_db_path(None) == tmp_path / "env.sqlite3"
    monkeypatch.delenv(DB_ENV)
    default = resolve_db_path(None)
    assert default.name == "cunwu.sqlite3" and "Cunwu" in str(default)


def test_audit_log_is_append_only(db):
    with db.transaction() as session:
        session.add(AuditLog(actor="a", action="x", entity="y"))
    with pytest.raises(AuditLogIsAppendOnly):
        with db.transaction() as session:
            row = session.execute(select(AuditLog)).scalars().first()
            row.actor = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        with db.transaction() as session:
            session.delete(session.execute(select(AuditLog)).scalars().first())


def test_schema_has_no_sqlite_only_types(db):
    """The same migrations must run on PostgreSQL: only portable column types."""
    # BLOB: SQLAlchemy's LargeBinary (BYTEA on PostgreSQL), the encrypted person fields (issue 17).
    portable = {"INTEGER", "BIGINT", "VARCHAR", "TEXT", "BOOLEAN", "DATE", "DATETIME", "BLOB"}
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                assert str(column["type"]).split("(")[0] in portable, (table, column)


def test_an_import_leaves_planner_statistics_behind(db, people, tmp_path):
    """Without statistics SQLite scans every payout in display order for a name search (bench_ledger_view)."""
    from app.services.importing import ImportRequest, import_payouts
    from tests.conftest import ACTOR, VILLAGE
    from tests.payout_files import grid, lines_for, write_xlsx

    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:8]))), village=VILLAGE), ACTOR)
    with db.engine.connect() as connection:
        stats = dict(connection.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'payout'")).all())
    assert stats and all(int(stat.split()[0]) == 8 for stat in stats.values())


def test_the_fast_path_knows_the_newest_revision():
    """engine._migrate skips Alembic when the database is at SCHEMA_HEAD: it must be the real head."""
    assert migrations.SCHEMA_HEAD == migrations.head_revision()


def test_opening_fills_in_missing_statistics_once(db_path):
    import sqlite3

    from app.storage.engine import open_database

    open_database(db_path).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("DROP TABLE sqlite_stat1")
    database = open_database(db_path)
    try:
        with database.engine.connect() as connection:
            assert inspect(connection).has_table("sqlite_stat1")
    finally:
        database.close()
