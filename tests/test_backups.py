"""Backups that can be trusted (issue 13): checked before they get a backup's name, never a 0-byte or
partial file under that name (kill -9 at random moments of `init`), a failed backup stops the
upgrade, automatic daily backups thinned out as Anki does, and a restore that checks first."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.synthetic import make_people
from app.services import backups as backup_service
from app.services.errors import ServiceError
from app.services.villages import add_village, list_villages
from app.storage import backup, backup_rotation, migrations
from app.storage import engine as engine_module
from app.storage.engine import BackupFailed, open_database
from app.storage.paths import backups_dir
from tests.conftest import ACTOR

REPO = Path(__file__).resolve().parent.parent
BACKUP_NAME = re.compile(r"^.+-\d{8}T\d{6}[a-z]?-[a-z0-9-]+\.sqlite3$")


def backup_files(db_path: Path) -> list[Path]:
    folder = backups_dir(db_path)
    return sorted(p for p in folder.iterdir() if BACKUP_NAME.match(p.name)) if folder.exists() else []


def counts_of(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return backup.row_counts(connection)
    finally:
        connection.close()


def old_database(path: Path, people: int = 400) -> Path:
    """A database at revision 0001 holding synthetic people and payouts, as an older Cunwu left it."""
    engine = engine_module.sqlite_engine(path)
    with engine.begin() as connection:
        migrations.upgrade(connection, "0001")
    engine.dispose()
    rng_people = make_people(people, seed=7)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("INSERT INTO township (id, name, code) VALUES (1, '青山镇', '')")
        connection.execute("INSERT INTO village (id, township_id, name, code, supervision_phone) "
                           "VALUES (1, 1, '桃源村', '1', '')")
        connection.execute("INSERT INTO subsidy_type (id, name, category, rhythm, sensitive, basis, aliases) "
                           "VALUES (1, '最低生活保障金', '社会救助', 'monthly', 0, '', '')")
        connection.executemany(
            "INSERT INTO person (id, name, name_initials, id_number, phone, account, village_id) VALUES (?, ?, '', ?, '', '', 1)",
            [(i + 1, p.name, p.id_number) for i, p in enumerate(rng_people)])
        connection.executemany(
            "INSERT INTO payout (person_id, subsidy_type_id, village_id, period, amount_fen, standard, note, "
            "created_at, updated_at) VALUES (?, 1, 1, ?, 58000, '', '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
            [(i + 1, f"2025-{month:02d}-01") for i in range(people) for month in range(1, 13)])
    connection.close()
    return path


def test_a_backup_is_a_checked_single_file_with_the_same_rows(db, db_path):
    add_village(db, "杏花村", ACTOR)
    path = backup.backup_sqlite(db_path, backup.MANUAL)
    assert BACKUP_NAME.match(path.name) and path.stat().st_size > 0
    assert not path.with_name(path.name + "-wal").exists()  # self-contained: carried alone on a USB stick
    assert backup.check_copy(path, counts_of(db_path)) is None
    assert [p.name for p in backups_dir(db_path).iterdir()] == [path.name]  # no temporary left behind


def test_a_backup_whose_copy_differs_is_not_kept(db, db_path, monkeypatch):
    """The check compares row counts with the source's: a copy missing rows never gets a backup name."""
    real_copy = backup._copy

    def copy_then_lose_a_row(source, temporary):
        counts = real_copy(source, temporary)
        with sqlite3.connect(temporary) as damaged:
            damaged.execute("DELETE FROM village")
        return counts

    monkeypatch.setattr(backup, "_copy", copy_then_lose_a_row)
    with pytest.raises(BackupFailed, match=r"检查不通过.*village"):
        backup.backup_sqlite(db_path, backup.MANUAL)
    assert list(backups_dir(db_path).iterdir()) == []


def test_a_full_disk_during_the_backup_leaves_nothing_and_names_the_space(db, db_path, monkeypatch):
    def no_space(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.os, "fsync", no_space)  # the copy's last write reaching the disk
    with pytest.raises(BackupFailed, match=r"磁盘空间不足，备份数据库没有完成：需要约 [\d.]+ [KM]B，磁盘上只剩"):
        backup.backup_sqlite(db_path, backup.MANUAL)
    assert list(backups_dir(db_path).iterdir()) == []


def test_too_little_free_space_is_refused_before_writing(db, db_path, monkeypatch):
    from app.storage import disk_space

    monkeypatch.setattr(disk_space, "free_bytes", lambda folder: 1024)
    with pytest.raises(BackupFailed, match=r"需要约 .*磁盘上只剩 1\.0 KB"):
        backup.backup_sqlite(db_path, backup.MANUAL)
    assert list(backups_dir(db_path).iterdir()) == []


def test_a_failed_backup_stops_the_upgrade(tmp_path, monkeypatch):
    path = old_database(tmp_path / "old.sqlite3", people=20)
    before = counts_of(path)

    def no_space(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.os, "fsync", no_space)
    with pytest.raises(BackupFailed, match=r"升级数据库之前要先备份.*没有升级.*磁盘空间不足"):
        open_database(path)
    assert backup_files(path) == [] and [p.name for p in backups_dir(path).iterdir()] == []
    monkeypatch.undo()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert counts_of(path) == before
    open_database(path).close()  # with room again, the upgrade goes ahead


def test_a_migration_that_fails_half_way_leaves_the_old_layout(tmp_path, monkeypatch):
    """pysqlite would commit DDL at once; Cunwu's engine puts it in the transaction, so a failing
    (or killed) upgrade leaves the database as it was, not half-upgraded."""
    path = old_database(tmp_path / "old.sqlite3", people=5)
    real_upgrade = migrations.upgrade

    def fail_after_the_first_steps(connection, revision="head"):
        real_upgrade(connection, "0003")  # tables created, data copied...
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "upgrade", fail_after_the_first_steps)
    with pytest.raises(RuntimeError):
        open_database(path, daily_backup=False)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "publication" not in tables and "filed_piece" not in tables  # 0002's and 0003's tables rolled back
    monkeypatch.undo()
    open_database(path).close()


# Forks one `cunwu init` per line read: each trial is a real process killed by SIGKILL, without
# paying Python's and SQLAlchemy's start-up (a second) twenty times.
FORKING_INIT = textwrap.dedent("""
    import os, sys, tempfile
    from app.cli.main import main
    with tempfile.TemporaryDirectory() as warm:  # load everything `init` needs, once
        main(["--db", os.path.join(warm, "warm.sqlite3"), "init"])
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            os._exit(main(["--db", line.strip(), "init"]))
        print("pid", pid, flush=True)
        print("status", os.waitpid(pid, 0)[1], flush=True)
""")


def later_tables() -> set[str]:
    """Tables a 0001 database must not have: a partial upgrade would leave some behind."""
    from sqlmodel import SQLModel

    import app.storage.models  # noqa: F401

    first = {"app_setting", "audit_log", "subsidy_type", "township", "village", "import_batch",
             "villager_group", "person", "payout", "alembic_version"}
    return set(SQLModel.metadata.tables) - first


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks its trials (POSIX)")
def test_kill_9_during_the_backup_and_upgrade_never_leaves_a_bad_backup(tmp_path):
    template = old_database(tmp_path / "template.sqlite3", people=1500)
    expected = counts_of(template)
    rng = random.Random(13)
    server = subprocess.Popen([sys.executable, "-c", FORKING_INIT], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def answer(word: str) -> int:
        while not (line := server.stdout.readline()).startswith(word + " "):
            assert line, "the forking server ended"
        return int(line.split()[1])

    def run(trial: int, kill_after: float | None) -> tuple[Path, int, float]:
        """`init` on a copy of the old database; killed `kill_after` seconds after its backup began."""
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        path = folder / "cunwu.sqlite3"
        shutil.copyfile(template, path)
        server.stdin.write(f"{path}\n")
        server.stdin.flush()
        pid = answer("pid")
        began = None
        while began is None:
            if backups_dir(path).exists() and any(backups_dir(path).iterdir()):
                began = time.monotonic()  # the backup's temporary file exists
            time.sleep(0.0005)
        if kill_after is not None:
            time.sleep(kill_after)
            with contextlib.suppress(ProcessLookupError):  # it may have finished already
                os.kill(pid, signal.SIGKILL)
        status = answer("status")
        return path, status, time.monotonic() - began

    try:
        _, status, backup_and_upgrade = run(0, None)  # how long the backup and the upgrade take here
        assert status == 0
        outcomes = []
        for trial in range(1, 21):
            path, status, _ = run(trial, rng.uniform(0, backup_and_upgrade))
            kept = backup_files(path)
            for backup_file in kept:
                assert backup_file.stat().st_size > 0, backup_file
                before_upgrade = "-before-" in backup_file.name  # else the day's backup, taken after the upgrade
                assert backup.check_copy(backup_file, expected if before_upgrade else None) is None, backup_file
            with sqlite3.connect(path) as connection:  # the database itself: whole, old or new, never half
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
                tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                assert connection.execute("SELECT count(*) FROM payout").fetchone()[0] == expected["payout"]
            assert revision in ("0001", migrations.SCHEMA_HEAD)
            if revision == "0001":
                assert not tables & later_tables(), tables & later_tables()
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            outcomes.append((killed, any("-before-" in k.name for k in kept)))
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    # The kills really fell inside the backup (no backup yet) and after it (during the upgrade).
    assert (True, False) in outcomes and (True, True) in outcomes, outcomes
    stopped = next(tmp_path / f"trial{n}" / "cunwu.sqlite3" for n, (killed, backed_up) in enumerate(outcomes, 1)
                   if killed and not backed_up)
    open_database(stopped).close()  # a database whose upgrade was killed upgrades at the next start


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    start = dt.datetime(2026, 11, 30, 8, 0)
    year = [start - dt.timedelta(days=n) for n in range(400)]
    kept = sorted(backup_rotation.to_keep(year), reverse=True)
    assert len(kept) == 7 + 4 + 12
    assert kept[:7] == year[:7]  # the last seven days, each
    weekly = kept[7:11]
    assert len({d.isocalendar()[:2] for d in weekly}) == 4
    assert all(d.isocalendar()[:2] < kept[6].isocalendar()[:2] for d in weekly)
    monthly = kept[11:]
    assert len({(d.year, d.month) for d in monthly}) == 12
    assert all((d.year, d.month) < (weekly[-1].year, weekly[-1].month) for d in monthly)
    # two backups on one day: the newer one is the day's
    assert backup_rotation.to_keep([start, start - dt.timedelta(hours=3)]) == {start}


def test_the_first_opening_of_a_day_keeps_a_daily_backup_and_thins_old_ones(db, db_path):
    db.close()
    for days_ago in range(1, 40):
        backup.backup_sqlite(db_path, backup.DAILY, now=dt.datetime.now() - dt.timedelta(days=days_ago))
    backup.backup_sqlite(db_path, backup.MANUAL, now=dt.datetime.now() - dt.timedelta(days=300))
    database = open_database(db_path)
    try:
        assert database.daily_backup_path is not None
    finally:
        database.close()
    listed = backup.list_backups(db_path)
    daily = [b for b in listed if b.reason == backup.DAILY]
    assert daily[0].taken_at.date() == dt.date.today()
    assert len(daily) < 7 + 4 + 12 and len({b.taken_at.date() for b in daily[:7]}) == 7
    assert any(b.reason == backup.MANUAL for b in listed)  # only automatic ones are thinned out
    open_database(db_path).close()  # the second opening of the day: no second daily backup
    assert len([b for b in backup.list_backups(db_path) if b.reason == backup.DAILY]) == len(daily)


def test_restore_from_the_command_line_checks_first_and_backs_up_the_current_database(db, db_path, capsys):
    db.close()
    assert main(["--db", str(db_path), "backup", "create"]) == 0
    made = backup_files(db_path)[0]
    assert main(["--db", str(db_path), "village", "add", "后来的村"]) == 0
    assert main(["--db", str(db_path), "backup", "list"]) == 0
    listing = capsys.readouterr().out
    assert made.name in listing and "手动备份" in listing  # the name as shown is the name to type
    assert main(["--db", str(db_path), "backup", "restore", made.name]) == 0
    out = capsys.readouterr().out
    assert "已从备份" in out and "before-restore" in out
    database = open_database(db_path)
    try:
        assert "后来的村" not in [v.name for v in list_villages(database)]
        with database.reading() as session:
            from app.services.audit import entries

            assert [e.action for e in entries(session, "database")] == ["restore"]
    finally:
        database.close()
    safety = next(p for p in backup_files(db_path) if p.name.endswith("-before-restore.sqlite3"))
    assert "后来的村" in {row[0] for row in sqlite3.connect(safety).execute("SELECT name FROM village")}


def test_restore_takes_a_path_relative_to_the_current_folder(db, db_path, monkeypatch, capsys):
    """`backup restore backups/…` as typed in the database's folder (a ValueError once: a relative
    path cannot be a file URI)."""
    db.close()
    assert main(["--db", str(db_path), "backup", "create"]) == 0
    made = backup_files(db_path)[0]
    monkeypatch.chdir(db_path.parent)
    assert main(["--db", str(db_path), "backup", "restore", str(made.relative_to(db_path.parent))]) == 0
    assert "已从备份" in capsys.readouterr().out


def test_restore_refuses_a_damaged_or_foreign_file_and_changes_nothing(db, db_path, tmp_path):
    before = counts_of(db_path)
    empty = tmp_path / "空.sqlite3"
    empty.write_bytes(b"")
    truncated = tmp_path / "截断.sqlite3"
    shutil.copyfile(backup.backup_sqlite(db_path, backup.MANUAL), truncated)
    with open(truncated, "r+b") as handle:
        handle.truncate(truncated.stat().st_size // 2)
    foreign = tmp_path / "别的.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (x)")
    for bad, reason in ((empty, "文件里没有任何数据表"), (truncated, "不是完好的数据库|完整性检查"),
                        (foreign, "不是村务公开助手的数据库")):
        with pytest.raises(ServiceError, match=f"不能用来恢复：.*({reason}).*当前数据库没有改动"):
            backup_service.restore(db, bad, ACTOR)
    assert counts_of(db_path) == before
    assert not any(p.name.endswith("-before-restore.sqlite3") for p in backup_files(db_path))


def test_a_full_disk_during_the_restore_leaves_the_current_database(db, db_path, monkeypatch):
    kept = backup.backup_sqlite(db_path, backup.MANUAL)
    add_village(db, "恢复失败也要留下的村", ACTOR)
    real_connect = sqlite3.connect

    def tiny_disk(target, *args, **kwargs):  # SQLite's own "database or disk is full" on the database
        connection = real_connect(target, *args, **kwargs)
        if str(target) == str(db_path.resolve()):
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count={pages}")
        return connection

    from app.services import backups as service_module

    monkeypatch.setattr(service_module.sqlite3, "connect", tiny_disk)
    with sqlite3.connect(kept) as grow:  # the backup needs more pages than the database may have
        grow.execute("CREATE TABLE padding (x)")
        grow.execute("INSERT INTO padding SELECT randomblob(4000) FROM (WITH RECURSIVE n(i) AS "
                     "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n)")
    with pytest.raises(ServiceError, match="磁盘空间不足，恢复备份没有完成"):
        backup_service.restore(db, kept, ACTOR)
    monkeypatch.undo()
    assert "恢复失败也要留下的村" in [v.name for v in list_villages(db)]


def test_backups_and_their_folder_are_private(db, db_path):
    path = backup.backup_sqlite(db_path, backup.MANUAL)
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
