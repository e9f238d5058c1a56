"""The commands that only read (`cunwu village list`, `cunwu payouts list`) start without the database
layer (issue 18: ≤ 0.15 s above bare Python; bench/bench_commands.py measures it) by reading through
app.storage.quick_read, and go the full way whenever opening has something to do."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.services.demo import seed_demo
from app.services.ledger import ledger_page, ledger_rows, village_months
from app.services.ledger_filter import LedgerFilter
from app.services.listings import first_page, list_villages, village_ledger
from app.services.setup import initialize
from app.services.villages import village_choices
from app.storage.backup import list_backups
from app.storage.engine import open_database
from app.storage.quick_read import open_quickly
from tests.conftest import ACTOR
from tests.pg_server import NO_SERVER, SERVER, fresh_database

# What a light command must not import: the database layer and everything only other commands need.
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "PySide6", "reportlab", "openpyxl", "python_calamine",
         "cryptography")
ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import json, sys
from app.cli.main import main
code = main(sys.argv[2:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _run(*argv: str) -> tuple[str, dict]:
    """A fresh process running `cunwu ARGV`: its output, and the heavy packages it imported."""
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(HEAVY), *argv], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "数据" / "cunwu.sqlite3"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    with open_database(path):  # the day's first opening of an existing database: takes today's backup
        pass
    reader = open_quickly(path)
    assert reader is not None  # nothing is due now
    reader.close()
    return path


def test_village_list_reads_without_the_database_layer(demo_db):
    out, report = _run("--db", str(demo_db), "village", "list")
    assert report == {"code": 0, "heavy": []}
    lines = out.splitlines()
    assert [line.split("（")[0] for line in lines] == ["桃源村", "杏花村", "石门村"]
    assert "120 人\t588 条发放记录" in lines[0]


@pytest.mark.parametrize("format", ["table", "csv", "json"])
def test_payouts_list_reads_without_the_database_layer(demo_db, format):
    out, report = _run("--db", str(demo_db), "payouts", "list", "--village", "杏花村", "--month", "2026-10",
                       "--format", format)
    assert report == {"code": 0, "heavy": []}
    assert "杏花村" not in out or format == "json"  # rows, not a refusal
    assert out.count("最低生活保障金") >= 1


def test_a_database_with_something_due_is_opened_the_full_way(demo_db):
    """No backup yet today (a new day): the listing takes it, as every opening's first of the day does."""
    for found in list_backups(demo_db):
        found.path.unlink()
    out, report = _run("--db", str(demo_db), "village", "list")
    assert report["code"] == 0 and "sqlalchemy" in report["heavy"]
    assert "桃源村" in out
    assert [b for b in list_backups(demo_db) if b.taken_at.date() == dt.date.today()]
    # and the next listing, with nothing due, reads quickly again
    assert _run("--db", str(demo_db), "village", "list")[1] == {"code": 0, "heavy": []}


def test_a_crash_left_behind_is_checked_the_full_way(demo_db):
    """A -wal file beside the database: the last session did not close; the full opening checks the file."""
    Path(f"{demo_db}-wal").write_bytes(b"")
    assert open_quickly(demo_db) is None
    Path(f"{demo_db}-wal").unlink()
    reader = open_quickly(demo_db)
    assert reader is not None
    reader.close()
    assert not Path(f"{demo_db}-wal").exists()  # the reader closed cleanly: no crash to check next time


def test_the_quick_reader_does_not_open_what_it_does_not_know(tmp_path, demo_db):
    assert open_quickly(tmp_path / "missing.sqlite3") is None
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    assert open_quickly(empty) is None
    assert open_quickly("postgresql+psycopg://nobody@localhost/none") is None


def test_an_unknown_village_is_refused_in_chinese_on_the_quick_path(demo_db, capsys):
    assert main(["--db", str(demo_db), "payouts", "list", "--village", "桃源"]) == 1
    err = capsys.readouterr().err
    assert "找不到村“桃源”" in err and "桃源村" in err and "Traceback" not in err


def test_the_table_keeps_amount_and_pay_date_apart_from_the_gate(demo_db, capsys):
    """With two spaces between them, "560.00  2026-10-18" read as a 13-digit account to the terminal's
    gate and both were masked away."""
    assert main(["--db", str(demo_db), "payouts", "list", "--village", "桃源村", "--month", "2026-10"]) == 0
    row = capsys.readouterr().out.splitlines()[2]
    cells = [cell.strip() for cell in row.split("|")]
    assert cells[5].endswith(".00") and dt.date.fromisoformat(cells[6]).month == 10
    assert "********" in cells[1] and "*****" not in cells[5] + cells[6]


def _same_rows_both_ways(database) -> dict:
    reader_rows = {}
    for village_id, name in village_choices(database):
        for month in [*village_months(database, village_id)[:2], None]:
            stored, records = village_ledger(database, name, month)
            assert stored == name and records
            assert records == ledger_rows(database, LedgerFilter(village_id=village_id, period=month))
            reader_rows[(name, month)] = records
            # the window's first page (app.ui.main_window.show_first_rows): the ledger's own first page
            first = first_page(database, village_id, month, month is None, 500)
            assert first is not None and (first.village_id, first.village) == (village_id, name)
            assert first.records == ledger_page(database, LedgerFilter(village_id=village_id, period=first.period),
                                                0, 500)
            assert first.period == (month or None)
    return reader_rows


def test_the_listing_sql_gives_the_ledgers_rows_in_print_order(demo_db):
    """listings.village_ledger (plain SQL) against app.services.ledger (SQLAlchemy): same records, same order,
    through the full Database and through the quick reader."""
    with open_database(demo_db) as database:
        full = _same_rows_both_ways(database)
        villages = list_villages(database)
    with open_quickly(demo_db) as reader:
        assert list_villages(reader) == villages
        for (name, month), records in full.items():
            assert village_ledger(reader, name, month) == (name, records)


@pytest.mark.skipif(not SERVER, reason=NO_SERVER)
def test_the_listing_sql_runs_on_postgresql():
    with fresh_database("cunwu_light_") as (_, url):
        database = open_database(url)
        try:
            initialize(database, ACTOR, "青山镇")
            seed_demo(database, ACTOR)
            full = _same_rows_both_ways(database)
            assert any(record.pay_date for records in full.values() for record in records)
            first = list_villages(database)[0]
            assert (first.name, first.people, first.payouts) == ("桃源村", 120, 588)
        finally:
            database.close()


def test_an_account_without_the_key_goes_the_full_way(demo_db, tmp_path, monkeypatch):
    """issue 17: another account is refused until it recovers the key; the quick reader leaves it to the
    full opening, which says so (tests/test_encryption.py: every command's refusal)."""
    from app.storage import keys

    monkeypatch.setenv(keys.KEY_DIR_ENV, str(tmp_path / "another-account"))
    assert open_quickly(demo_db) is None
