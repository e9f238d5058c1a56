"""A clerk's whole month in the window, with no command line (issue 14's scenario).

Driven through the window only — its pages, buttons and dialogs; the services are called only to
read back what the clerk did. Each step asserts what the clerk sees. domain.md: "Who uses it" (a
clerk who never opens a terminal), "Posting and locking" (a posted month changes only by 更正, listed
on the next sheet), "Printed forms" (the supervision phone and township on every sheet).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QItemSelectionModel
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog

from app.core.synthetic import make_people
from app.services.corrections import pending
from app.services.month_status import NextStep, Stage, month_states
from app.services.setup import initialize
from app.services.village_settings import list_village_settings
from app.storage.engine import open_database
from app.ui import bulletin_preview, messages, notice_dialogs
from app.ui.correction_dialog import CorrectionDialog
from app.ui.first_start import FirstStartDialog, first_start_if_needed
from app.ui.main_window import MainWindow
from app.ui.payout_dialog import PayoutDialog
from tests.conftest import ACTOR
from tests.payout_files import Line, grid, write_xlsx
from tests.ui.conftest import WAIT_MS, settle

SLOW_MS = 30_000


def _text(pdf: Path) -> str:
    return "".join("".join(page.extract_text() for page in PdfReader(pdf).pages).split())


def _typed(edit, text: str) -> None:  # noqa: ANN001
    edit.clear()
    edit.insert(text)


@pytest.fixture
def first_day(tmp_path: Path):
    """The database on the first day: the subsidy types only."""
    database = open_database(tmp_path / "村务" / "cunwu.sqlite3")
    initialize(database, ACTOR)
    try:
        yield database
    finally:
        database.close()


def _first_start(qtbot, window: MainWindow, db) -> None:  # noqa: ANN001
    """What the start-up does on an empty database: 首次设置."""
    opened: list[FirstStartDialog] = []
    real_open = FirstStartDialog.open

    def record(dialog: FirstStartDialog) -> None:
        opened.append(dialog)
        real_open(dialog)

    FirstStartDialog.open = record  # type: ignore[method-assign]
    try:
        first_start_if_needed(window, db, window.runner, ACTOR, on_done=window.refresh)
        qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)
    finally:
        FirstStartDialog.open = real_open  # type: ignore[method-assign]
    dialog = opened[0]
    qtbot.waitUntil(lambda: dialog.township_form.edits["township_name"].isEnabled(), timeout=WAIT_MS)
    _typed(dialog.township_form.edits["township_name"], "桃花乡")
    _typed(dialog.township_form.edits["township_code"], "140123101")
    dialog.next_button.click()
    _typed(dialog.rows[0].name, "桃源村")
    _typed(dialog.rows[0].code, "140123101201")
    dialog.next_button.click()
    dialog.select_village("桃源村")
    form = dialog.contact_form.edits
    _typed(form["supervision_phone"], "0351-6012345")
    _typed(form["contact_person"], "王文书")
    _typed(form["board_place"], "村委会大院门口公开栏")
    _typed(form["board_hours"], "工作日 8:30—17:30")
    _typed(dialog.archive_form.edits["fonds"], "J012")
    with qtbot.waitSignal(dialog.finished_setup, timeout=WAIT_MS):
        dialog.finish_button.click()
    qtbot.waitUntil(lambda: window.filter_bar.village_name() == "桃源村", timeout=WAIT_MS)


def _import(qtbot, window: MainWindow, path: Path) -> None:
    wizard = window.open_page("import")
    if wizard.currentPage() is None:
        wizard.restart()
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.check_page.running(), timeout=SLOW_MS)
    assert wizard.check_page.isComplete(), "the check page shows problems"
    wizard.next()
    qtbot.waitUntil(lambda: wizard.import_page.outcome != "", timeout=SLOW_MS)
    assert wizard.import_page.outcome == "imported"
    wizard.accept()


def _home_says(qtbot, window: MainWindow, stage: str) -> None:
    qtbot.waitUntil(lambda: window.home.heading.text().endswith(stage), timeout=SLOW_MS)


def _print_to(monkeypatch, out: Path) -> None:
    def accept(self):  # the system printer dialog, answered: print to a PDF file instead of paper
        printer: QPrinter = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_a_clerks_month(qtbot, first_day, tmp_path, monkeypatch):
    db = first_day
    window = MainWindow(db, ACTOR)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.choices_loaded, timeout=WAIT_MS)
    assert "还没有添加任何村" in window.statusBar().currentMessage()

    # 1. First start: the township, the village, its phone, contact, board and 全宗号.
    _first_start(qtbot, window, db)
    [village] = list_village_settings(db)
    assert (village.name, village.supervision_phone) == ("桃源村", "0351-6012345")

    # 2. The county's October file through the import wizard; one line far above the usual amount.
    people = make_people(12, seed=21)
    lines = [Line(p.name, p.id_number, "560.00", account=p.account, phone=p.phone) for p in people[:9]]
    lines[4].amount = "56000.00"  # a slip of the county's finger: ten times too much
    _import(qtbot, window, write_xlsx(tmp_path / "十月低保.xlsx", grid(lines)))
    _home_says(qtbot, window, "待核对")
    assert window.tabs.tabText(window.tabs.currentIndex()) == "本月工作"
    assert "1 条金额超过乡镇设定的核对标准" in window.home.summary.text()
    assert window.home.next_button.text() == NextStep.CHECK.value

    # 2b. Two rows the county sent late, copied in Excel and pasted into the ledger (Ctrl+V).
    late = people[9:11]
    QGuiApplication.clipboard().setText(
        "".join(f"{p.name}\t{p.id_number}\t3组\t最低生活保障金\t560.00\t2026-10-20\r\n" for p in late))
    window.tabs.setCurrentIndex(1)
    window.paste_action.trigger()
    pasted = window.paste_dialog
    qtbot.waitUntil(lambda: pasted.check_button.isEnabled(), timeout=WAIT_MS)
    assert "复制了 2 行" in pasted.intro.text()
    pasted.check_button.click()
    qtbot.waitUntil(lambda: pasted.import_button.isEnabled(), timeout=SLOW_MS)
    assert "可导入 2 条，合计 1,120.00 元" in pasted.outcome.text()
    with qtbot.waitSignal(pasted.accepted, timeout=SLOW_MS):
        pasted.import_button.click()
    qtbot.waitUntil(lambda: "发放记录 11 条" in window.home.summary.text(), timeout=SLOW_MS)
    window.tabs.setCurrentIndex(0)

    # 3. Fix the flagged row: 核对 shows the largest amounts first; the clerk corrects it to 560.
    window.home.next_button.click()
    settle(qtbot, window)
    assert window.tabs.currentIndex() == 1 and window.model.display_row(0).amount == "56000.00"
    window.table.selectRow(0)

    def fix(dialog: PayoutDialog) -> int:
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, "560")
        dialog.save()
        qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=WAIT_MS)
        return 1

    monkeypatch.setattr(PayoutDialog, "exec", fix)
    window.edit_action.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "已保存修改", timeout=WAIT_MS)
    _home_says(qtbot, window, "待预览")

    # 4. Preview from the home page's button; 5. print it (to a PDF file instead of paper).
    window.tabs.setCurrentIndex(0)
    window.home.next_button.click()
    preview = window.bulletin_preview
    qtbot.waitUntil(lambda: preview.pages >= 1, timeout=SLOW_MS)
    assert "共 11 人次，合计 6,160.00 元" in preview.status.text()
    printed = tmp_path / "打印的公开表.pdf"
    _print_to(monkeypatch, printed)
    preview.print_button.click()
    assert len(PdfReader(printed).pages) == preview.pages and "已送打印机" in preview.status.text()
    saved = tmp_path / "十月公开表.pdf"  # what was printed, as text: the same PDF, saved
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    preview.save_button.click()
    sheet = _text(saved)
    qtbot.waitUntil(lambda: month_states(db, dt.date(2026, 10, 1), dt.date.today())[0].stage is Stage.TO_POST,
                    timeout=WAIT_MS)  # printed and saved (in the operation log): the posting is next
    assert "桃源村2026年10月惠民惠农补贴资金发放公开表" in sheet
    assert "0351-6012345" in sheet and "桃花乡" in sheet  # the supervision phone and the township
    assert "6,160.00" in sheet

    # 6. Register the posting (posted on 11-02, hung from 11-02): the month is locked.
    preview.start.setDate(QDate(2026, 11, 2))

    class Posted(bulletin_preview.PostingDialog):
        def exec(self) -> int:
            self.date.setDate(QDate(2026, 11, 2))
            self.by.setText("王文书")
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(bulletin_preview, "PostingDialog", Posted)
    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda parent, title, *a, **k: asked.append(title) or True)
    with qtbot.waitSignal(preview.posted, timeout=SLOW_MS):
        preview.post_button.click()
    assert asked == ["确认登记张贴"]  # not backdated: no 补登 question
    preview.reject()
    _home_says(qtbot, window, "已张贴")

    # 7. 更正 with a reason, on a row of the posted month.
    window.tabs.setCurrentIndex(1)
    settle(qtbot, window)
    window.table.selectionModel().select(
        window.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    corrected = window.model.display_row(0).name

    def correct(dialog: CorrectionDialog) -> int:
        dialog.set_new_amount(0, "600")
        dialog.reason.setPlainText("低保标准上调，补发差额")
        assert "→ 600.00 元" in dialog.preview.text()
        dialog.save_button.click()
        qtbot.waitUntil(lambda: dialog.made != [], timeout=WAIT_MS)
        return 1

    monkeypatch.setattr(CorrectionDialog, "exec", correct)
    window.correct_action.trigger()
    [waiting] = pending(db, village.id)
    assert (waiting.name, waiting.new_fen, waiting.created_by) == (corrected, 60000, ACTOR)

    # 8. November's file, and November's sheet lists the correction under 更正说明.
    november = [Line(p.name, p.id_number, "600.00", pay_date="2026-11-15", account=p.account, phone=p.phone)
                for p in people[:9]]
    _import(qtbot, window, write_xlsx(tmp_path / "十一月低保.xlsx", grid(november)))
    qtbot.waitUntil(lambda: window.filter_bar.selected_month() == dt.date(2026, 11, 1), timeout=SLOW_MS)
    window.open_page("bulletin")
    preview = window.bulletin_preview
    qtbot.waitUntil(lambda: preview.pages >= 1, timeout=SLOW_MS)
    saved = tmp_path / "十一月公开表.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    preview.save_button.click()
    november_sheet = _text(saved)
    assert "更正说明" in november_sheet and "低保标准上调，补发差额" in november_sheet
    preview.reject()

    # 9. A notice from draft to 公示中, through the notices page's buttons and its sign dialogs.
    notices = window.open_page("notices")
    settle(qtbot, notices)
    subject = "临时救助对象公示"

    def draft(form) -> int:  # noqa: ANN001
        form.subject.setText(subject)
        item = next(i for i in range(form.item.count()) if "临时救助" in form.item.itemText(i))
        form.item.setCurrentIndex(item)  # a 随时公开 item of the catalog
        form.kind.setCurrentIndex(form.kind.findData("临时救助"))
        form.body.setPlainText("经本人申请、村民委员会调查，拟对以下对象给予临时救助，现予公示。")
        return 1

    signers = ["王文书", "张主任", "赵监委"]

    def sign(dialog) -> int:  # noqa: ANN001
        dialog.signer.setText(signers.pop(0))
        return 1

    monkeypatch.setattr(notice_dialogs.NoticeForm, "exec", draft)
    monkeypatch.setattr(notice_dialogs.SignDialog, "exec", sign)
    notices.new_button.click()
    settle(qtbot, notices)
    assert notices.table.item(0, 1).text() == subject and notices.table.item(0, 5).text() == "草稿"
    for _ in range(2):  # 提交审核, 村委会审核同意
        notices.advance_button.click()
        settle(qtbot, notices)
    notices.post_button.click()  # 村务监督委员会审核同意, 张贴
    settle(qtbot, notices)
    assert notices.table.item(0, 5).text() == "公示中"
    notices.reject()

    # 10. 应公开事项 shows the notice as what was posted for its (随时公开) catalog item this month.
    due = window.open_page("due")
    due.month.set_month(dt.date.today().replace(day=1))
    settle(qtbot, due)
    cells = [due.table.item(r, c).text() for r in range(due.table.rowCount()) for c in range(due.table.columnCount())]
    assert any(subject in cell for cell in cells), cells
    due.reject()

    # 11. The archive index lists the posted October sheet.
    window.filter_bar.select_month(dt.date(2026, 10, 1))
    archive_page = window.open_page("archive")
    settle(qtbot, archive_page)
    index = tmp_path / "归档文件目录.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(index), ""))
    archive_page.index_button.click()
    qtbot.waitUntil(lambda: archive_page.status.text().startswith("已保存归档文件目录"), timeout=SLOW_MS)
    assert "桃源村2026年10月惠民惠农补贴资金发放公开表" in _text(index)
    archive_page.reject()
    window.shutdown()
