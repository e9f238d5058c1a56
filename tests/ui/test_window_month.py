"""The clerk's month in the window (issue 14): the window opens on 本月工作, its button opens the next
step, 更正 works on a selection of a posted month, the record number is on screen, the acting person
is the name chosen on this PC."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QItemSelectionModel

from app.services.bulletin import publish
from app.services.corrections import pending
from app.services.month_status import NextStep
from app.ui import actor
from app.ui.correction_dialog import CorrectionDialog
from app.ui.ledger_model import COLUMNS
from tests.conftest import ACTOR, VILLAGE
from tests.ui.conftest import OCT, settle


def test_the_window_opens_on_the_months_work(seeded, window, qtbot):
    settle(qtbot, window)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "本月工作"
    assert window.home.heading.text() == f"{VILLAGE} · 2026年10月：待预览"
    window.home.next_button.click()
    dialog = window.bulletin_preview  # 预览、打印公开表并登记张贴 opened the sheet
    qtbot.waitUntil(lambda: dialog.pages >= 1, timeout=20_000)
    dialog.reject()


def test_the_record_number_is_on_screen(seeded, window):
    column = COLUMNS.index("record")
    assert window.model.headerData(column, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) == "记录号"
    assert window.model.index(0, column).data() == str(window.model.payout_id(0))


def test_correcting_two_selected_rows_of_a_posted_month(seeded, window, qtbot, db, village_id, monkeypatch):
    publish(db, VILLAGE, OCT, dt.date(2026, 11, 1), "王文书", ACTOR)
    window.tabs.setCurrentIndex(1)
    selection = window.table.selectionModel()
    for row in (0, 2):
        selection.select(window.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert window.correct_action.isEnabled() and not window.edit_action.isEnabled()  # edit takes one row
    chosen = [window.model.payout_id(0), window.model.payout_id(2)]

    def fill_and_save(dialog: CorrectionDialog) -> int:
        assert [dialog.table.item(i, 0).text() for i in range(2)] == [str(p) for p in chosen]
        dialog.set_new_amount(0, "999")
        dialog.set_new_amount(1, "888")
        dialog.reason.setPlainText("核减重复发放部分")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.made != [], timeout=10_000)
        return 1

    monkeypatch.setattr(CorrectionDialog, "exec", fill_and_save)
    window.correct_action.trigger()
    assert [(p.payout_id, p.new_fen, p.created_by) for p in pending(db, village_id)] == [
        (chosen[0], 99900, ACTOR), (chosen[1], 88800, ACTOR)]
    assert "已保存 2 条更正" in window.statusBar().currentMessage()


def test_check_step_shows_the_largest_amounts_first(seeded, window, qtbot):
    window._next_step(NextStep.CHECK)
    settle(qtbot, window)
    assert window.tabs.currentIndex() == 1
    amounts = [window.model.display_row(r).amount_fen for r in range(window.model.rowCount())]
    assert amounts == sorted(amounts, reverse=True)


def test_start_up_asks_for_the_acting_person_once(qapp, qtbot, monkeypatch, db, db_path):
    from PySide6.QtWidgets import QApplication

    from app.ui import launch
    from app.ui.main_window import MainWindow
    from app.ui.pc_settings import settings

    settings().clear()  # a PC where nobody has chosen a name yet
    asked: list[str] = []
    seen: dict[str, str] = {}

    def answer(dialog: actor.ActorDialog) -> int:
        asked.append("asked")
        dialog.names.setEditText("王文书")
        dialog._accept()
        return 1

    def run_briefly(*_args: object) -> int:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.waitUntil(lambda: window.choices_loaded, timeout=10_000)
        seen["actor"] = window.actor
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(actor.ActorDialog, "exec", answer)
    monkeypatch.setattr(QApplication, "exec", run_briefly)
    assert launch.run_gui(str(db_path)) == 0
    assert asked == ["asked"] and seen["actor"] == "王文书" and actor.remembered() == "王文书"
