"""The log file (app/logs.py): beside the database, private, rotated, and never a personal number in it,
whatever writes to it — a message, its arguments or a traceback (issue 13)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Iterator

import pytest

from app import logs
from app.cli.main import main
from app.core.synthetic import make_people

POSIX = os.name == "posix"
PERSON = make_people(1, seed=13)[0]


@pytest.fixture(autouse=True)
def no_log_left_open() -> Iterator[None]:
    yield
    logs.stop()


def _fail_with_personal_data() -> None:
    id_number = PERSON.id_number  # a local: shown in no traceback line, but in the message below
    raise RuntimeError(f"UPDATE failed for {id_number}, phone {PERSON.phone}")


def _raised() -> RuntimeError:
    try:
        _fail_with_personal_data()
    except RuntimeError as error:
        return error
    raise AssertionError("did not raise")


def test_a_traceback_reaches_the_log_masked(tmp_path):
    path = logs.record_exception(_raised(), "worker failed", tmp_path / "logs")
    assert path == tmp_path / "logs" / "cunwu.log"
    text = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "_fail_with_personal_data" in text
    assert "RuntimeError: UPDATE failed for" in text
    assert PERSON.id_number not in text and PERSON.phone not in text
    assert PERSON.id_number[:6] + "********" + PERSON.id_number[-4:] in text  # masked, not dropped
    assert logs.current_path() is None  # the command line's one record: the file is closed again


def test_every_record_is_gated_whatever_formatter_is_set(tmp_path):
    path = logs.start(tmp_path)
    logging.getLogger().handlers[-1].setFormatter(logging.Formatter("%(message)s"))  # a formatter set later
    logging.getLogger("app.somewhere").warning("looked up %s", PERSON.id_number)
    logging.getLogger("sqlalchemy.engine").error("parameters: (%r,)", PERSON.account)
    text = path.read_text(encoding="utf-8")
    assert "looked up" in text and "parameters" in text
    assert PERSON.id_number not in text and PERSON.account not in text


def test_the_app_logs_at_info_and_libraries_only_from_warning(tmp_path):
    path = logs.start(tmp_path)
    logging.getLogger("app.ui.launch").info("started")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT every row")  # would log every statement
    text = path.read_text(encoding="utf-8")
    assert "started" in text and "SELECT" not in text


@pytest.mark.skipif(not POSIX, reason="Windows: the per-user folder's own ACL keeps the log private")
def test_the_log_is_private(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o755)
    (folder / "cunwu.log").write_text("left by an older version\n", encoding="utf-8")
    os.chmod(folder / "cunwu.log", 0o644)
    path = logs.start(folder)
    logging.getLogger("app").warning("a line")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logs.stop()
    new_folder = tmp_path / "new" / "logs"
    created = logs.start(new_folder)
    assert stat.S_IMODE(new_folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(created.stat().st_mode) == 0o600


def test_the_log_is_rotated_and_every_file_stays_private(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    path = logs.start(tmp_path)
    for number in range(200):
        logging.getLogger("app").warning("line %d %s", number, "x" * 60)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["cunwu.log", "cunwu.log.1", "cunwu.log.2", "cunwu.log.3", "cunwu.log.4"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")
    if POSIX:
        assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o600}


@pytest.mark.skipif(not POSIX, reason="symbolic links need privileges on Windows")
def test_a_link_planted_where_the_log_goes_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("", encoding="utf-8")
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "cunwu.log").symlink_to(outside)
    assert logs.start(folder) is None
    assert logs.record_exception(_raised(), "failed") is None
    assert outside.read_text(encoding="utf-8") == ""


def test_no_log_where_none_can_be_written_and_nothing_on_the_console(tmp_path, capsys):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    assert logs.record_exception(_raised(), "failed", blocked / "logs") is None
    assert capsys.readouterr() == ("", "")


def test_qt_messages_before_the_log_opens_are_kept_for_it(tmp_path):
    logs.use(lambda: tmp_path / "logs")  # found only when the log opens
    logs.note("WARNING", "qt", f"QFile: cannot open {PERSON.id_number}.xlsx")
    assert not (tmp_path / "logs").exists()
    path = logs.start()
    text = path.read_text(encoding="utf-8")
    assert "QFile: cannot open" in text and PERSON.id_number not in text


def test_the_log_goes_beside_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("CUNWU_DB", raising=False)
    assert logs.folder_for(tmp_path / "村务" / "cunwu.sqlite3") == tmp_path / "村务" / "logs"
    monkeypatch.setenv("CUNWU_DB", str(tmp_path / "env.sqlite3"))
    assert logs.folder_for(None) == tmp_path / "logs"
    assert logs.folder_for("postgresql://cunwu@server/cunwu").name == "logs"


def test_a_database_on_a_read_only_medium_logs_to_the_user_data_folder(tmp_path, monkeypatch):
    from app.storage import paths

    cd = tmp_path / "光盘"
    cd.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != cd and real_access(path, mode))
    monkeypatch.setattr(paths, "user_data_dir", lambda: tmp_path / "用户数据")
    assert logs.folder_for(cd / "cunwu.sqlite3") == tmp_path / "用户数据" / "logs"
    assert logs.folder_for(tmp_path / "cunwu.sqlite3") == tmp_path / "logs"


def test_an_unexpected_command_line_error_is_logged_with_its_traceback(tmp_path, capsys, monkeypatch):
    import app.services.listings as villages

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        _fail_with_personal_data()

    db = tmp_path / "数据" / "db.sqlite3"
    assert main(["--db", str(db), "init"]) == 0
    monkeypatch.setattr(villages, "list_villages", broken)
    capsys.readouterr()
    assert main(["--db", str(db), "village", "list"]) == 1
    out, err = capsys.readouterr()
    log = db.parent / "logs" / "cunwu.log"
    assert "程序内部出错" in err and f"日志文件中：{log}" in err
    assert "Traceback" not in out + err and PERSON.id_number not in out + err
    text = log.read_text(encoding="utf-8")
    assert "unexpected error in `cunwu village`" in text and "in broken" in text
    assert PERSON.id_number not in text and PERSON.phone not in text
    assert logs.current_path() is None
