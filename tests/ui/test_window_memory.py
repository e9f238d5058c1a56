"""What the window remembers and shows (issue 14): its geometry and the last village and month on this
PC (QSettings; each test has its own folder, tests/ui/conftest.py), the village and month an import
went to, and a title that names the program once."""

from __future__ import annotations

import datetime as dt

import pytest

from app import APP_TITLE
from app.services.villages import add_village
from app.ui.main_window import MainWindow
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx
from tests.ui.conftest import WAIT_MS, settle

NOV = dt.date(2026, 11, 1)


def opened(qtbot, db) -> MainWindow:
    win = MainWindow(db, ACTOR)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.choices_loaded and not win.model.is_loading(), timeout=WAIT_MS)
    settle(qtbot, win)
    return win


def test_the_title_names_the_program_once(seeded, window, qtbot):
    # Qt adds the application's display name to a title that does not already end with it.
    assert window.windowTitle() == f"{VILLAGE} — {APP_TITLE}"
    assert window.windowTitle().count(APP_TITLE) == 1


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_last_village_month_and_geometry_come_back(seeded, db, people, qtbot, tmp_path):
    add_village(db, "杏花村", ACTOR)
    first = opened(qtbot, db)
    assert first.filter_bar.village_name() == VILLAGE  # the first village, its newest month
    first.filter_bar.village.setCurrentIndex(first.filter_bar.village.findText("杏花村"))
    settle(qtbot, first)
    first.filter_bar.village.setCurrentIndex(first.filter_bar.village.findText(VILLAGE))
    settle(qtbot, first)
    first.filter_bar.month.setCurrentIndex(0)  # 全部月份
    settle(qtbot, first)
    first.setGeometry(40, 50, 700, 500)
    first.close()

    second = opened(qtbot, db)
    assert second.filter_bar.village_name() == VILLAGE and second.filter_bar.selected_month() is None
    assert (second.width(), second.height()) == (700, 500)
    second.close()


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_after_an_import_the_ledger_shows_its_village_and_month(seeded, db, window, people, qtbot, tmp_path):
    add_village(db, "杏花村", ACTOR)
    window.refresh()
    settle(qtbot, window)
    assert window.filter_bar.village_name() == VILLAGE and window.filter_bar.selected_month() == dt.date(2026, 10, 1)
    path = write_xlsx(tmp_path / "十一月低保.xlsx", grid(lines_for(people[30:34], pay_date="2026-11-15")))
    wizard = window.open_page("import")
    wizard.file_page.path_edit.setText(str(path))
    wizard.file_page.village_edit.setCurrentText("杏花村")
    wizard.next()
    qtbot.waitUntil(wizard.check_page.isComplete, timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(wizard.import_page.isComplete, timeout=WAIT_MS)
    wizard.accept()
    qtbot.waitUntil(lambda: window.filter_bar.village_name() == "杏花村", timeout=WAIT_MS)
    settle(qtbot, window)
    assert window.filter_bar.selected_month() == NOV
    assert window.model.rowCount() == 4
    assert "导入 4 条" in window.statusBar().currentMessage()
