"""Faults an office PC really has (issue 13): a read-only file, folder or medium; a second copy through
a hard link, a symlink or `..`; a full disk during an import, a posting, a backup, evidence or an
export; files other accounts could read.

Read-only files are made the way the machine allows: chmod for an ordinary account, the immutable
attribute (chattr +i) for root, whom permission bits do not stop; a read-only medium is a read-only
bind mount, and a full disk a small tmpfs, where mounting is allowed. Elsewhere the fault is injected
at the OS call (ENOSPC from os.write, SQLite's own "database or disk is full" via max_page_count).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from app.cli.main import main
from app.core.periods import parse_month
from app.core.synthetic import make_people
from app.services import archive
from app.services.bulletin import publish
from app.services.importing import ImportRequest, import_payouts
from app.services.setup import initialize
from app.services.villages import add_village
from app.storage import evidence_files, open_mode
from app.storage.disk_space import NotEnoughSpace
from app.storage.engine import DatabaseReadOnly, open_database
from app.storage.instance_lock import DatabaseInUse
from tests import evidence_samples
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.payout_files import grid, lines_for, write_xlsx

REPO = Path(__file__).resolve().parent.parent
OCT = parse_month("2026-10")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def protect() -> Iterator:
    """protect(path): make a file or folder read-only for this process; undone after the test."""
    undo: list[list[str] | tuple[Path, int]] = []

    def make_read_only(path: Path) -> None:
        if not IS_ROOT:
            undo.append((path, path.stat().st_mode & 0o777))
            path.chmod(0o555 if path.is_dir() else 0o444)
            return
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)],
                                                             capture_output=True, check=False).returncode != 0:
            pytest.skip("root here cannot mark a file read-only (no chattr +i on this file system)")
        undo.append(["chattr", "-i", str(path)])

    yield make_read_only
    for step in reversed(undo):
        if isinstance(step, tuple):
            step[0].chmod(step[1])
        else:
            subprocess.run(step, check=True)


@contextlib.contextmanager
def mounted(target: Path, *options: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT or subprocess.run(["mount", *options, str(target)], capture_output=True, check=False).returncode != 0:
        pytest.skip("this machine does not allow mounting a file system for the test")
    try:
        yield target
    finally:
        if subprocess.run(["umount", str(target)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


def seeded_database(path: Path, people, tmp_path: Path) -> dict[str, int]:
    database = open_database(path)
    try:
        initialize(database, ACTOR, "青山镇")
        village = add_village(database, VILLAGE, ACTOR, code="140123101201")
        from app.services.village_settings import update_village
        from tests.conftest import VILLAGE_CONTACTS

        update_village(database, village.id, ACTOR, **VILLAGE_CONTACTS)  # what a printed sheet needs (issue 14)
        source = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:12])))
        import_payouts(database, ImportRequest(path=source, village=VILLAGE), ACTOR)
        return row_counts(database)
    finally:
        database.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cunwu(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)


# --- read-only -----------------------------------------------------------------------------------


def assert_reads_but_refuses_writes(db_path: Path, reason: str, tmp_path: Path, capsys, people) -> None:
    before = {p.name: digest(p) for p in db_path.parent.iterdir() if p.is_file()}
    listed = cunwu("--db", str(db_path), "village", "list")  # a real process, as the clerk runs it
    assert listed.returncode == 0, listed.stderr
    assert f"只读方式打开（{reason}）" in listed.stderr and VILLAGE in listed.stdout
    out = tmp_path / "打印" / "十月.pdf"
    assert main(["--db", str(db_path), "bulletin", "--village", VILLAGE, "--month", "2026-10", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert main(["--db", str(db_path), "payouts", "list", "--village", VILLAGE, "--format", "csv"]) == 0
    capsys.readouterr()
    photo = tmp_path / "照片.jpg"
    photo.write_bytes(evidence_samples.jpeg())
    november = write_xlsx(tmp_path / "又一份.xlsx", grid(lines_for(people[20:23], pay_date="2026-11-15")))
    for command in (["village", "add", "新村"],
                    ["payouts", "import", str(november), "--village", VILLAGE],
                    ["publish", "--village", VILLAGE, "--month", "2026-10", "--by", "王文书", "--date", "2026-11-01"],
                    ["archive", "attach", "1", str(photo)],
                    ["backup", "create"]):
        assert main(["--db", str(db_path), *command]) == 1, command
        said = capsys.readouterr().err
        assert f"数据库是以只读方式打开的（{reason}）" in said, (command, said)
        assert "Traceback" not in said
    after = {p.name: digest(p) for p in db_path.parent.iterdir() if p.is_file()}
    assert after == before  # not a byte changed, no -wal, -shm, lock or backup file left beside it


def test_a_read_only_database_file_reads_and_prints_but_refuses_writes(tmp_path, people, protect, capsys):
    db_path = tmp_path / "光盘" / "cunwu.sqlite3"
    seeded_database(db_path, people, tmp_path)
    protect(db_path)
    assert_reads_but_refuses_writes(db_path, open_mode.FILE_READ_ONLY, tmp_path, capsys, people)


def test_a_read_only_folder_reads_and_prints_but_refuses_writes(tmp_path, people, protect, capsys):
    db_path = tmp_path / "只读文件夹" / "cunwu.sqlite3"
    seeded_database(db_path, people, tmp_path)
    protect(db_path.parent)  # no lock file, -wal or -shm can be made here
    assert_reads_but_refuses_writes(db_path, open_mode.FOLDER_READ_ONLY, tmp_path, capsys, people)


def test_a_write_protected_medium_reads_and_prints_but_refuses_writes(tmp_path, people, capsys):
    source = tmp_path / "U盘内容"
    seeded_database(source / "cunwu.sqlite3", people, tmp_path)
    with mounted(tmp_path / "U盘", "--bind", str(source)) as stick:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(stick)], check=True)
        assert_reads_but_refuses_writes(stick / "cunwu.sqlite3", open_mode.MEDIUM_READ_ONLY, tmp_path, capsys, people)


def test_the_open_mode_is_on_the_database_and_a_write_names_the_reason(tmp_path, people, protect):
    db_path = tmp_path / "数据" / "cunwu.sqlite3"
    counts = seeded_database(db_path, people, tmp_path)
    protect(db_path)
    database = open_database(db_path)
    try:
        assert database.read_only_reason == open_mode.FILE_READ_ONLY
        assert row_counts(database) == counts
        with pytest.raises(DatabaseReadOnly, match="数据库文件是只读的"):
            add_village(database, "新村", ACTOR)
    finally:
        database.close()


def test_a_new_database_in_a_read_only_folder_is_refused_in_a_sentence(tmp_path, protect):
    folder = tmp_path / "不能写"
    folder.mkdir()
    protect(folder)
    result = cunwu("--db", str(folder / "cunwu.sqlite3"), "init")
    assert result.returncode == 1
    assert "无法在" in result.stderr and "新建数据库：数据库所在的文件夹不能写入" in result.stderr
    assert "Traceback" not in result.stderr


# --- one lock per file -----------------------------------------------------------------------------


@pytest.fixture
def holder(tmp_path):
    """A second process holding the database open (it writes an import when asked)."""
    db_path = tmp_path / "数据" / "cunwu.sqlite3"
    db_path.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c",
         ("import sys; from app.storage.engine import open_database; "
          f"db = open_database({str(db_path)!r}); print('held', flush=True); sys.stdin.read()")],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout.readline().strip() == "held"
    yield db_path
    process.communicate("", timeout=30)


@pytest.mark.parametrize("other_name", ["hard link", "symlink", "dot-dot"])
def test_a_second_copy_is_refused_whatever_name_it_uses(holder, tmp_path, other_name):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    if other_name == "hard link":
        other = elsewhere / "hard.sqlite3"
        os.link(holder, other)
    elif other_name == "symlink":
        other = elsewhere / "soft.sqlite3"
        other.symlink_to(holder)
    else:
        other = elsewhere / ".." / "数据" / "." / "cunwu.sqlite3"
    with pytest.raises(DatabaseInUse, match="另一个正在运行的村务公开助手"):
        open_database(other)
    result = cunwu("--db", str(other), "village", "add", "第二个写入者")
    assert result.returncode == 1 and "另一个正在运行的村务公开助手" in result.stderr


def test_one_process_opening_a_file_by_two_names_uses_one_name(tmp_path):
    """Two names in one process would give SQLite two -wal files for one database."""
    first = open_database(tmp_path / "cunwu.sqlite3")
    os.link(tmp_path / "cunwu.sqlite3", tmp_path / "link.sqlite3")
    second = open_database(tmp_path / "link.sqlite3")
    try:
        assert second.path == first.path
    finally:
        second.close()
        first.close()
    open_database(tmp_path / "link.sqlite3").close()  # both closed: the lock is free again


# --- a full disk -----------------------------------------------------------------------------------


def leave_free(disk: Path, filler: Path, free: int) -> None:
    """Grow or shrink the filler so that `free` bytes are left on the small file system."""
    if not filler.exists():
        filler.write_bytes(b"")
    size = filler.stat().st_size + shutil.disk_usage(disk).free - free
    with open(filler, "r+b") as handle:
        handle.truncate(0)
        handle.seek(0)
        with contextlib.suppress(OSError):  # tmpfs rounds to pages: stop where it is full
            handle.writelines(b"\1" * 65536 for _ in range(max(0, size) // 65536))
            handle.write(b"\1" * (max(0, size) % 65536))
            handle.flush()


def test_a_full_disk_during_import_posting_backup_evidence_and_export(tmp_path, capsys):
    people = make_people(400, seed=5)
    with mounted(tmp_path / "小磁盘", "-t", "tmpfs", "-o", "size=6m", "tmpfs") as disk:
        db_path = disk / "cunwu.sqlite3"
        counts = seeded_database(db_path, people, tmp_path)
        big = write_xlsx(tmp_path / "十一月.xlsx", grid(lines_for(people[12:], pay_date="2026-11-15")))
        photo = tmp_path / "公开栏.png"
        photo.write_bytes(evidence_samples.noisy_png(600, 400))  # larger than what is left
        filler = disk / "填满.bin"
        # Room to open the database (SQLite's 32 KB -shm file), none for what each step writes.
        steps = {
            "import": (96 * 1024, ["payouts", "import", str(big), "--village", VILLAGE]),
            "posting": (96 * 1024, ["publish", "--village", VILLAGE, "--month", "2026-10", "--by", "王文书",
                                    "--date", "2026-11-01", "--photo", str(photo)]),
            "backup": (96 * 1024, ["backup", "create"]),
        }
        for what, (free, command) in steps.items():
            leave_free(disk, filler, free)
            result = cunwu("--db", str(db_path), *command)
            assert result.returncode == 1, (what, result.stdout)
            assert "磁盘空间" in result.stderr and "Traceback" not in result.stderr, (what, result.stderr)
            assert "打开数据库没有完成" not in result.stderr, what  # it failed at its own step, not before
        assert not (disk / "backups").exists() or not any(
            p.suffix == ".sqlite3" for p in (disk / "backups").iterdir())
        assert not (disk / "evidence").exists() or not any(
            not p.name.startswith(".") for p in (disk / "evidence").iterdir())
        filler.unlink()  # room again
        database = open_database(db_path, daily_backup=False)
        try:
            assert row_counts(database) == counts
            with database.engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        finally:
            database.close()
        # the same import goes through: nothing half-done stands in its way
        assert cunwu("--db", str(db_path), *steps["import"][1]).returncode == 0
        # an export onto a full USB stick (the database closes before the file is written, so the
        # stick is another file system)
        with mounted(tmp_path / "满的U盘", "-t", "tmpfs", "-o", "size=64k", "tmpfs") as stick:
            leave_free(stick, stick / "填满.bin", 0)
            result = cunwu("--db", str(db_path), "payouts", "export", "--village", VILLAGE, "--month", "2026-11",
                           "--out", str(stick / "导出.xlsx"))
            assert result.returncode == 1 and "错误：磁盘空间已满，操作没有完成" in result.stderr
            assert not (stick / "导出.xlsx").exists()


def test_an_export_onto_a_full_disk_leaves_no_traceback_and_no_part_file(db, people, tmp_path):
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:12]))),
                                     village=VILLAGE), ACTOR)
    db.close()
    with mounted(tmp_path / "满的U盘", "-t", "tmpfs", "-o", "size=64k", "tmpfs") as stick:
        leave_free(stick, stick / "填满.bin", 0)
        result = cunwu("--db", str(db.path), "payouts", "export", "--village", VILLAGE, "--month", "2026-10",
                       "--out", str(stick / "导出.xlsx"))
        assert result.returncode == 1 and "磁盘空间已满" in result.stderr
        assert "Traceback" not in result.stderr
        assert [p.name for p in stick.iterdir()] == ["填满.bin"]


def test_sqlite_reporting_a_full_disk_during_an_import(db, people, tmp_path):
    """Injected where no small file system can be mounted: SQLite's own SQLITE_FULL."""
    many = make_people(400, seed=3)  # more than the free pages the migrations left behind
    source = write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(many)))
    before = row_counts(db)
    db.engine.dispose()

    @event.listens_for(db.engine, "connect")
    def no_room_to_grow(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    with pytest.raises(NotEnoughSpace, match="磁盘空间不足，保存没有完成：磁盘上只剩"):
        import_payouts(db, ImportRequest(path=source, village=VILLAGE), ACTOR)
    assert row_counts(db) == before
    event.remove(db.engine, "connect", no_room_to_grow)
    db.engine.dispose()
    import_payouts(db, ImportRequest(path=source, village=VILLAGE), ACTOR)


def test_a_full_disk_while_posting_keeps_the_month_open(db, people, tmp_path, monkeypatch):
    """The posting's photo is copied first: the disk filling up there stops the posting."""
    import_payouts(db, ImportRequest(path=write_xlsx(tmp_path / "十月.xlsx", grid(lines_for(people[:5]))),
                                     village=VILLAGE), ACTOR)
    before = row_counts(db)
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(evidence_samples.jpeg())

    def disk_full(descriptor, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence_files.os, "write", disk_full)
    with pytest.raises(NotEnoughSpace, match="磁盘空间不足"):
        publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR, photo=photo)
    assert row_counts(db) == before  # not posted, not locked, not filed


def test_a_full_disk_while_keeping_evidence_leaves_no_partial_copy(db, db_path, tmp_path, monkeypatch):
    piece = archive.add_piece(db, VILLAGE, ACTOR, title="公开栏照片", doc_date=dt.date(2026, 11, 2), retention="D10")
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(evidence_samples.jpeg(size=(1200, 900)))
    real_write = os.write
    written = []

    def disk_fills(descriptor, data):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(data))
        return real_write(descriptor, bytes(data[: len(data) // 2]))

    monkeypatch.setattr(evidence_files.os, "write", disk_fills)
    with pytest.raises(NotEnoughSpace, match=r"保存照片或扫描件没有完成：需要约 [\d.]+ KB"):
        archive.attach_evidence(db, piece.id, photo, ACTOR)
    assert list((db_path.parent / "evidence").iterdir()) == []
    assert archive.check_evidence(db, piece.id) == []


# --- private files -------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes; Windows relies on the per-user folder's ACL")
def test_database_journal_backups_and_evidence_are_private(tmp_path, people):
    old = os.umask(0o022)  # an ordinary login's umask: files would be 0644
    try:
        db_path = tmp_path / "新文件夹" / "cunwu.sqlite3"
        seeded_database(db_path, people, tmp_path)
        database = open_database(db_path)
        try:
            piece = archive.add_piece(database, VILLAGE, ACTOR, title="照片", doc_date=dt.date(2026, 11, 2), retention="D10")
            photo = tmp_path / "照片.png"
            photo.write_bytes(evidence_samples.png())
            archive.attach_evidence(database, piece.id, photo, ACTOR)
            from app.storage.backup import backup_sqlite

            backup_sqlite(db_path, "manual")
            files = [db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm"),
                     *(db_path.parent / "backups").iterdir(), *(db_path.parent / "evidence").iterdir()]
            assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: "0o600" for p in files}
            for folder in (db_path.parent, db_path.parent / "backups", db_path.parent / "evidence"):
                assert folder.stat().st_mode & 0o777 == 0o700, folder
        finally:
            database.close()
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_a_database_left_readable_by_an_older_version_is_made_private(tmp_path):
    db_path = tmp_path / "cunwu.sqlite3"
    open_database(db_path).close()
    db_path.chmod(0o644)
    open_database(db_path).close()
    assert db_path.stat().st_mode & 0o777 == 0o600
