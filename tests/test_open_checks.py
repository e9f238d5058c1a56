"""What opening the database checks, and when (issue 18: every command paid a full quick_check).

The integrity check reads every page: it runs after a session that did not close cleanly and at the
first opening of a day (before that day's automatic backup), not on every command. The planner's
statistics are refreshed when missing or when the payout count drifted by more than 20%.
"""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import text

from app.services.setup import initialize
from app.services.villages import add_village
from app.storage import backup, engine
from app.storage.engine import open_database
from tests.conftest import ACTOR


def _counting_checks(monkeypatch) -> list[object]:
    calls: list[object] = []
    real = engine._quick_check

    def counted(db_engine, path):  # noqa: ANN001, ANN202
        calls.append(path)
        return real(db_engine, path)

    monkeypatch.setattr(engine, "_quick_check", counted)
    return calls


def _made(db_path) -> None:
    database = open_database(db_path)
    initialize(database, ACTOR, "青山镇")
    database.close()


def test_the_first_opening_of_the_day_checks_the_rest_do_not(db_path, monkeypatch):
    _made(db_path)
    calls = _counting_checks(monkeypatch)
    open_database(db_path).close()  # first of the day: checked, then the daily backup is taken
    assert len(calls) == 1
    assert not backup.daily_backup_due(db_path, dt.date.today())
    open_database(db_path).close()
    open_database(db_path).close()
    assert len(calls) == 1


def test_a_session_that_did_not_close_cleanly_is_checked(db_path, monkeypatch, tmp_path):
    _made(db_path)
    open_database(db_path).close()  # today's backup exists
    # A crash leaves the write-ahead log behind: copy one from a session still open.
    live = open_database(db_path)
    with live.engine.begin() as connection:
        connection.execute(text("UPDATE township SET code = '140123000'"))
    left_behind = tmp_path / "wal"
    shutil.copy(f"{db_path}-wal", left_behind)
    live.close()
    shutil.copy(left_behind, f"{db_path}-wal")

    calls = _counting_checks(monkeypatch)
    database = open_database(db_path)
    try:
        assert len(calls) == 1
        with database.engine.connect() as connection:  # and the logged change is there
            assert connection.execute(text("SELECT code FROM township")).scalar() == "140123000"
    finally:
        database.close()


def test_statistics_are_refreshed_when_the_payout_count_drifts(db_path):
    database = open_database(db_path)
    initialize(database, ACTOR, "青山镇")
    add_village(database, "桃源村", ACTOR)
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO person (name, name_initials, id_index, id_masked, id_cipher) "
                                "VALUES ('张三', 'zs', 'x', 'x', x'00')"))
        connection.execute(text(
            "INSERT INTO payout (person_id, subsidy_type_id, village_id, period, amount_fen, standard, note,"
            " created_at, updated_at) VALUES (1, 1, 1, '2026-10-01', 100, '', '', '2026-10-01', '2026-10-01')"
        ))
    database.refresh_statistics()

    def counted() -> int:
        with database.engine.connect() as connection:
            stat = connection.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'payout' LIMIT 1")).scalar()
        return int(stat.split()[0])

    assert counted() == 1
    with database.engine.begin() as connection:  # rows written behind the program's back
        for month in range(2, 10):
            connection.execute(text(
                "INSERT INTO payout (person_id, subsidy_type_id, village_id, period, amount_fen, standard, note,"
                f" created_at, updated_at) VALUES (1, 1, 1, '2026-0{month}-01', 100, '', '', '2026-10-01', '2026-10-01')"
            ))
    database.close()

    database = open_database(db_path)
    assert counted() == 9
    database.close()
