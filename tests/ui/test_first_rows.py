"""The window's first rows come before the database layer (issue 18: time to first rows ≤ 2× a bare
window reading them with sqlite3; bench/bench_startup.py measures it): read through the quick reader
(app.storage.quick_read) when the local database has nothing due on opening, and the same rows the
ledger's first query then shows."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.cli.main import main
from app.services.ledger import village_months
from app.services.villages import village_choices
from app.storage import engine
from app.storage.backup import list_backups
from app.storage.engine import open_database
from app.storage.quick_read import open_quickly
from app.ui import launch
from app.ui.main_window import ALL_MONTHS, MONTH_KEY, VILLAGE_KEY, MainWindow
from app.ui.pc_settings import settings

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "reportlab", "openpyxl", "python_calamine")


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "演示" / "cunwu.sqlite3"
    assert main(["--db", str(path), "init", "--demo"]) == 0
    open_database(path).close()  # the day's first opening of an existing database: its backup and check
    return path


def _rows(window: MainWindow) -> list[tuple[int | None, object]]:
    model = window.model
    return [(model.payout_id(row), model.display_row(row)) for row in range(model.rowCount())]


def _run_window(qtbot, monkeypatch, path: Path) -> dict[str, object]:
    """run_gui on `path`: what the ledger held when its first rows were read, and once the database was in."""
    seen: dict[str, object] = {"events": []}
    read_first, open_database_as_before = MainWindow.show_first_rows, engine.open_database

    def show_first_rows(window: MainWindow, source: str | None) -> bool:
        shown = read_first(window, source)
        seen["events"].append("first rows" if shown else "no first rows")
        seen["first"], seen["title"] = _rows(window), window.windowTitle()
        seen["selector"], seen["home"] = window.filter_bar.village_name(), window.home.heading.text()
        return shown

    def opening(*args, **kwargs):
        seen["events"].append("database opened")
        return open_database_as_before(*args, **kwargs)

    def run_briefly(*_args: object) -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.choices_loaded and window.model is not None and not window.model.is_loading(),
                        timeout=10_000)
        seen["loaded"] = _rows(window)
        seen["filter"] = window.filter_bar.current_filter()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(MainWindow, "show_first_rows", show_first_rows)
    monkeypatch.setattr(engine, "open_database", opening)
    monkeypatch.setattr(QApplication, "exec", run_briefly)
    assert launch.run_gui(str(path)) == 0
    return seen


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_first_rows_come_before_the_database_and_are_the_ledgers_own(qapp, qtbot, monkeypatch, demo_db):
    seen = _run_window(qtbot, monkeypatch, demo_db)
    assert seen["events"] == ["first rows", "database opened"]  # read before the full opening
    assert seen["first"] and seen["first"] == seen["loaded"]  # the ledger's first query shows the same rows
    # not "（还没有村）" while the database opens: the village and month of the rows shown
    assert "桃源村" in str(seen["title"]) and seen["selector"] == "桃源村" and seen["home"].startswith("桃源村 · ")
    newest = seen["filter"].period
    assert newest is not None and {row.period for _, row in seen["first"]} == {f"{newest:%Y-%m}"}


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_remembered_village_and_month_are_read_first(qapp, qtbot, monkeypatch, demo_db):
    with open_database(demo_db) as database:
        village_id, name = village_choices(database)[1]
        older = village_months(database, village_id)[2]
    for month, expected in ((older, f"{older:%Y-%m}"), (ALL_MONTHS, None)):
        settings().setValue(VILLAGE_KEY, village_id)
        settings().setValue(MONTH_KEY, "all" if month == ALL_MONTHS else month.isoformat())
        seen = _run_window(qtbot, monkeypatch, demo_db)
        assert seen["events"] == ["first rows", "database opened"]
        assert seen["first"] == seen["loaded"] and name in str(seen["title"])
        assert seen["filter"].village_id == village_id
        periods = {row.period for _, row in seen["first"]}
        assert periods == {expected} if expected else len(periods) > 1


def test_nothing_is_read_early_when_opening_has_work_to_do(qtbot, demo_db):
    """A new day: the opening takes the day's backup first; the rows then come with the database."""
    for found in list_backups(demo_db):
        found.path.unlink()
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.build_body()
    assert window.show_first_rows(str(demo_db)) is False
    assert window.model.rowCount() == 0
    assert window.show_first_rows(str(demo_db.parent / "none.sqlite3")) is False


_PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.ui.main_window import MainWindow
window = MainWindow(None)
window.build_body()
shown = window.show_first_rows(sys.argv[1])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps({"shown": shown, "rows": window.model.rowCount(), "heavy": heavy}))
"""


def test_the_window_reads_its_first_rows_without_the_database_layer(demo_db):
    done = subprocess.run([sys.executable, "-c", _PROBE, str(demo_db), json.dumps(HEAVY)], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["shown"] is True and report["rows"] > 0 and report["heavy"] == []


@pytest.mark.parametrize("trouble", [sqlite3.DatabaseError("database disk image is malformed"),
                                     ValueError("Invalid isoformat string: '2026-13-01'")])
def test_a_first_read_that_fails_leaves_the_rows_to_the_opening(qtbot, demo_db, monkeypatch, trouble):
    from app.services import listings

    def failing(*_args: object) -> None:
        raise trouble

    monkeypatch.setattr(listings, "first_page", failing)
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.build_body()
    assert window.show_first_rows(str(demo_db)) is False
    assert window.model.rowCount() == 0
    reader = open_quickly(demo_db)  # the file was let go: the opening can lock it
    assert reader is not None
    reader.close()
