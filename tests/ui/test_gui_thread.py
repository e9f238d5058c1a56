"""No database work on the GUI thread (issue 14): a locked database (another program holding a write
lock) makes every statement wait up to the 10 s busy timeout, and on the GUI thread that freezes the
window. Every connection the database hands out during a scenario that opens each page and reads and
writes through it is checked: it must be taken by a worker (app.ui.background), never by the GUI thread.
"""

from __future__ import annotations

import traceback

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QFileDialog
from sqlalchemy import event

from app.ui import archive_page, notice_dialogs, pages, payout_dialog
from app.ui.main_window import MainWindow
from tests.conftest import ACTOR, VILLAGE
from tests.payout_files import grid, lines_for, write_xlsx
from tests.ui.conftest import WAIT_MS, settle


class GuiThreadWatch:
    """Records where a connection was taken on the GUI thread."""

    def __init__(self, db) -> None:
        self.db = db
        self.on_gui_thread: list[str] = []
        self.in_workers = 0

    def __enter__(self) -> GuiThreadWatch:
        event.listen(self.db.engine, "engine_connect", self._connected)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.db.engine, "engine_connect", self._connected)

    def _connected(self, connection, *args) -> None:
        if QThread.currentThread() is QApplication.instance().thread():
            stack = [f"{frame.filename.rsplit('/app/', 1)[-1]}:{frame.lineno} {frame.name}"
                     for frame in traceback.extract_stack() if "/app/" in frame.filename]
            self.on_gui_thread.append(" ← ".join(reversed(stack[-6:])))
        else:
            self.in_workers += 1


def modal(dialog_class, monkeypatch, fill) -> None:
    """The dialog's exec(): `fill` plays the clerk, then it is accepted."""
    monkeypatch.setattr(dialog_class, "exec", lambda dialog: fill(dialog) or 1)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_no_database_call_on_the_gui_thread(seeded, db, people, qtbot, monkeypatch, boxes, tmp_path):
    with GuiThreadWatch(db) as watch:
        window = MainWindow(db, ACTOR)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.choices_loaded and not window.model.is_loading(), timeout=WAIT_MS)
        settle(qtbot, window)

        # The ledger's own actions: reveal, edit (the dialog saves in its worker), add, delete.
        window.table.selectRow(0)
        window.reveal_selected()
        settle(qtbot, window)

        def correct(dialog: payout_dialog.PayoutDialog) -> int:
            dialog.amount_edit.setText("612.00")
            dialog.save()
            settle(qtbot, dialog)
            return dialog.result()

        monkeypatch.setattr(payout_dialog.PayoutDialog, "exec", correct)
        window.table.selectRow(0)
        window.edit_selected()
        settle(qtbot, window)

        def enter(dialog: payout_dialog.PayoutDialog) -> int:
            dialog.name_edit.setText(people[31].name)
            dialog.id_edit.setText(people[31].id_number)
            dialog.amount_edit.setText("300")
            dialog.save()
            settle(qtbot, dialog)
            return dialog.result()

        monkeypatch.setattr(payout_dialog.PayoutDialog, "exec", enter)
        window.add_payout()
        settle(qtbot, window)
        window.table.selectRow(0)
        window.delete_selected()
        settle(qtbot, window)

        # Pages: add a village, import a file through the wizard.
        monkeypatch.setattr("app.ui.table_helpers.ask_text", lambda *a, **k: "杏花村")
        window.open_page("add_village")
        qtbot.waitUntil(lambda: window.filter_bar.village_name() == "杏花村", timeout=WAIT_MS)
        settle(qtbot, window)
        path = write_xlsx(tmp_path / "十月高龄.xlsx", grid(lines_for(people[33:36], amount="100", subsidy="高龄津贴")))
        wizard = window.open_page("import")
        wizard.file_page.path_edit.setText(str(path))
        wizard.next()
        qtbot.waitUntil(wizard.check_page.isComplete, timeout=WAIT_MS)
        wizard.next()
        qtbot.waitUntil(wizard.import_page.isComplete, timeout=WAIT_MS)
        wizard.accept()
        settle(qtbot, window)

        # 归档: list, register a piece, check its evidence.
        index = window.filter_bar.village.findText(VILLAGE)
        window.filter_bar.village.setCurrentIndex(index)
        settle(qtbot, window)
        archive = window.open_page("archive")
        settle(qtbot, archive)

        def piece(dialog: archive_page.PieceDialog) -> None:
            dialog.title.setText("村民代表会议记录")

        modal(archive_page.PieceDialog, monkeypatch, piece)
        archive.add_button.click()
        settle(qtbot, archive)
        archive.table.selectRow(0)
        archive.check_button.click()
        settle(qtbot, archive)
        archive.reject()

        # 公示: draft one, sign it.
        notices = window.open_page("notices")
        settle(qtbot, notices)

        def draft(form: notice_dialogs.NoticeForm) -> None:
            form.subject.setText("最低生活保障新增对象公示")
            form.item.setCurrentIndex(form.item.findData("S03"))
            form.kind.setCurrentIndex(form.kind.findData("最低生活保障"))
            form.body.setPlainText("拟新增以下对象，现予公示。")

        modal(notice_dialogs.NoticeForm, monkeypatch, draft)
        notices.new_button.click()
        settle(qtbot, notices)
        assert notices.table.rowCount() == 1
        modal(notice_dialogs.SignDialog, monkeypatch, lambda dialog: dialog.signer.setText("王文书"))
        notices.advance_button.click()
        settle(qtbot, notices)
        notices.reject()

        # 应公开事项: the report, the township view.
        due = window.open_page("due")
        settle(qtbot, due)
        due.scope.setCurrentIndex(due.scope.findData(None))
        settle(qtbot, due)
        due.reject()

        # 恢复备份 lists the backups (files beside the database) and writes nothing until confirmed.
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
        settle(qtbot, window)
        window.shutdown()

    assert watch.on_gui_thread == []
    assert watch.in_workers > 10  # the scenario did reach the database
    assert {"archive", "notices", "due", "import", "add_village"} <= {entry.name for entry in pages.entries()}


def test_the_watch_sees_a_call_on_the_gui_thread(db, qtbot):
    from app.services.subsidies import list_subsidies

    with GuiThreadWatch(db) as watch:
        list_subsidies(db)
    assert len(watch.on_gui_thread) == 1 and "list_subsidies" in watch.on_gui_thread[0]
