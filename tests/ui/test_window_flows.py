"""Whole flows from the main window: an empty database, adding a village, importing, exporting."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.core.disclosure import Channel
from app.core.names import mask_given_name
from app.ui import excel_export
from app.ui.main_window import NO_VILLAGE_HINT, MainWindow
from tests.conftest import ACTOR
from tests.payout_files import grid, lines_for, write_xlsx
from tests.ui.conftest import WAIT_MS


@pytest.fixture
def empty_window(qtbot, db_path):
    from app.services.setup import initialize
    from app.storage.engine import open_database

    database = open_database(db_path)
    initialize(database, ACTOR)
    win = MainWindow(database, ACTOR)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.choices_loaded, timeout=WAIT_MS)
    yield win
    win.shutdown()
    database.close()


def test_a_database_without_villages_says_what_to_do(empty_window):
    assert empty_window.filter_bar.village_id() is None
    assert empty_window.statusBar().currentMessage() == NO_VILLAGE_HINT
    assert not empty_window.add_action.isEnabled() and not empty_window.import_action.isEnabled()
    assert empty_window.model.rowCount() == 0


def test_adding_a_village_selects_it(empty_window, qtbot, monkeypatch):
    monkeypatch.setattr(QInputDialog, "exec", lambda dialog: 1)
    monkeypatch.setattr(QInputDialog, "textValue", lambda dialog: "杏花村")
    empty_window.open_page("add_village")
    qtbot.waitUntil(empty_window.add_action.isEnabled, timeout=WAIT_MS)
    assert empty_window.filter_bar.village_name() == "杏花村" and empty_window.import_action.isEnabled()
    assert empty_window.windowTitle() == "杏花村 — 村务公开助手"  # the program's name once, last


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the offscreen platform's note on show()
def test_importing_from_the_window_shows_the_new_rows(seeded, window, people, qtbot, tmp_path):
    path = write_xlsx(tmp_path / "十月高龄.xlsx", grid(lines_for(people[30:36], amount="100", subsidy="高龄津贴")))
    before = window.model.rowCount()
    window.open_page("import")
    wizard = window.import_wizard
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    qtbot.waitUntil(wizard.check_page.isComplete, timeout=WAIT_MS)
    wizard.next()
    qtbot.waitUntil(wizard.import_page.isComplete, timeout=WAIT_MS)
    with qtbot.waitSignal(window.model.page_loaded, timeout=WAIT_MS):
        wizard.accept()
    assert window.model.rowCount() == before + 6
    assert "导入 6 条" in window.statusBar().currentMessage()


def test_export_is_masked_for_the_chosen_channel(seeded, window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "导出" / "桃源村十月.xlsx"
    target.parent.mkdir()
    monkeypatch.setattr(excel_export, "ask_channel", lambda parent: Channel.ONLINE)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: (str(target), ""))
    window.export_excel()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("已导出"), timeout=WAIT_MS)
    cells = [str(value) for row in load_workbook(target).active.iter_rows(values_only=True) for value in row if value]
    text = "\n".join(cells)
    assert not any(person.id_number in text for person in seeded)
    assert not any(person.name in cells for person in seeded)  # names leave the village masked
    assert mask_given_name(seeded[0].name) in cells


def test_bulletin_action_previews_the_selected_village_and_month(seeded, window, qtbot):
    assert window.bulletin_action.isEnabled() and window.filter_bar.selected_month() is not None
    window.bulletin_action.trigger()
    dialog = window.bulletin_preview
    qtbot.waitUntil(lambda: dialog.pages >= 1, timeout=20_000)
    assert dialog.page_label.text() == f"第 1 页 / 共 {dialog.pages} 页"
    assert "共 30 人次" in dialog.status.text()
    dialog.reject()
    qtbot.waitUntil(lambda: window.bulletin_preview is None, timeout=WAIT_MS)


def test_bulletin_needs_one_month(seeded, window, qtbot):
    with qtbot.waitSignal(window.model.page_loaded, timeout=WAIT_MS):
        window.filter_bar.month.setCurrentIndex(0)  # 全部月份
    assert window.filter_bar.selected_month() is None
    assert not window.bulletin_action.isEnabled()
