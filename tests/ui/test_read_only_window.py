"""A database opened read-only says so in the window's title and status line (issue 13)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.storage import open_mode
from app.storage.engine import open_database
from app.ui.main_window import MainWindow
from tests.conftest import ACTOR
from tests.test_office_faults import protect, seeded_database  # noqa: F401 - `protect` is a fixture
from tests.ui.conftest import WAIT_MS


def test_the_window_says_read_only_and_why(qtbot, tmp_path, people, protect):  # noqa: F811
    db_path = tmp_path / "光盘" / "cunwu.sqlite3"
    seeded_database(db_path, people, tmp_path)
    protect(db_path)
    database = open_database(db_path)
    try:
        window = MainWindow(database, ACTOR)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.choices_loaded and not window.model.is_loading(), timeout=WAIT_MS)
        assert f"（只读：{open_mode.FILE_READ_ONLY}）" in window.windowTitle()
        assert window.model.rowCount() == 12  # reading works
        shown = [label.text() for label in window.statusBar().findChildren(QLabel)]
        assert f"只读：{open_mode.FILE_READ_ONLY}，不能修改" in shown
        window.shutdown()
    finally:
        database.close()
