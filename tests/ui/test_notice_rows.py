"""Rows of a draft notice typed, pasted from Excel/WPS or taken from a payout month (issue 14), and a
notice sheet refused for missing settings explained with 去填写.

domain.md, "Public-notice items": a notice has a body or an attached table. "Masking personal
identifiers": an ID is 18 characters with a real birth date and the right check character (GB
11643-1999); a number Excel turned into a number has lost digits and is refused, never repaired; the
screen masks IDs. A paste is read like an import: all or nothing, the pasted row and column named.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from app.core.disclosure import mask_id
from app.core.idnumber import check_character
from app.services.notices import NoticeDraft, create_notice, notice_detail
from app.services.village_settings import update_village
from app.ui import notice_dialogs, notices_page
from app.ui.notice_dialogs import NoticeRowsDialog
from app.ui.notices_page import NoticesPage
from tests.conftest import ACTOR, VILLAGE
from tests.db_state import row_counts
from tests.ui.conftest import WAIT_MS, settle
from tests.ui.test_chinese_only import assert_chinese
from tests.ui.test_screen_fit import fits, needed

START = dt.date(2026, 11, 2)
SUBJECT = "2026年11月临时救助对象公示"


def a_draft(db) -> int:
    return create_notice(db, NoticeDraft(village=VILLAGE, subject=SUBJECT, item_code="S04", kind="临时救助",
                                         start=START, end=dt.date(2026, 11, 8), place="村委会公开栏",
                                         body="经村民委员会审核，拟给予以下农户临时救助，现予公示。"), ACTOR)


def open_rows(qtbot, db) -> tuple[NoticesPage, NoticeRowsDialog]:
    page = NoticesPage(db, VILLAGE, ACTOR, today=START)
    qtbot.addWidget(page)
    page.show()
    settle(qtbot, page)
    page.table.selectRow(0)
    settle(qtbot, page)
    assert page.type_rows_button.isEnabled()  # a draft takes rows
    page.type_rows_button.click()
    dialog = page.rows_dialog
    assert dialog is not None and dialog.isVisible()
    return page, dialog


def type_cell(qtbot, table, row: int, column: int, text: str, key=Qt.Key.Key_Tab) -> None:
    """The clerk goes to a cell, types (as in Excel the keystroke opens the editor) and leaves with `key`."""
    table.setCurrentCell(row, column)
    if table.indexWidget(table.currentIndex()) is None:  # Tab from the cell before opened it already
        table.edit(table.currentIndex())
    editor = table.indexWidget(table.currentIndex())
    assert editor is not None
    editor.selectAll()
    if text.isascii():
        qtbot.keyClicks(editor, text)
    else:
        editor.insert(text)  # QTest sends key events for ASCII only: Chinese comes as an input method would
    qtbot.keyClick(editor, key)


def wrong_check(number: str) -> str:
    """The same number with a wrong check character (a typing slip the check digit exists to catch)."""
    right = check_character(number[:17])
    return number[:17] + ("0" if right != "0" else "1")


def test_rows_typed_into_the_table_are_added(db, people, qtbot):
    notice_id = a_draft(db)
    page, dialog = open_rows(qtbot, db)
    table = dialog.table
    for column, text in enumerate((people[0].name, people[0].id_number, "2", "临时救助", "800")):
        type_cell(qtbot, table, 0, column, text)
        assert table.currentColumn() == column + 1  # Tab commits and moves on, as in Excel
    type_cell(qtbot, table, 1, 0, people[1].name, Qt.Key.Key_Return)
    assert (table.currentRow(), table.currentColumn()) == (2, 0)  # Enter moves down, as in Excel
    dialog.save_button.click()
    settle(qtbot, page)
    assert not dialog.isVisible()
    assert page.status.text() == f"第 {notice_id} 号公示附表加入 2 行"
    assert page.row_table.rowCount() == 2 and page.row_table.item(0, 1).text() == people[0].name
    assert "*" in page.row_table.item(0, 2).text()  # the screen masks identity numbers
    assert page.row_table.item(0, 3).text() == "2组" and page.row_table.item(0, 5).text() == "800.00"
    rows = notice_detail(db, notice_id).rows
    assert [(r.name, r.id_number, r.group_name, r.amount_fen) for r in rows] == [
        (people[0].name, mask_id(people[0].id_number), "2组", 80_000), (people[1].name, "", "", None)]


def test_a_block_pasted_from_excel_is_checked_then_added(db, people, qtbot):
    notice_id = a_draft(db)
    page, dialog = open_rows(qtbot, db)
    # As Excel/WPS copies a selection: tab-separated, a header row, CRLF line ends, a blank row.
    block = "姓名\t身份证号\t所在村组\t救助金额\t备注\r\n" + "".join(
        f"{p.name}\t{p.id_number}\t{i + 1}组\t{500 + i}.00\t\r\n" for i, p in enumerate(people[:3])) + "\t\t\t\t\r\n"
    QGuiApplication.clipboard().setText(block)
    dialog.paste_button.click()
    settle(qtbot, page)
    assert dialog.status.text() == "已粘贴 3 行（表中第 1 至 3 行），核对后点“加入附表”。"
    assert dialog.table.item(2, 0).text() == people[2].name
    assert "*" in dialog.table.item(2, 1).text()  # masked on screen, kept in full for saving
    assert notice_detail(db, notice_id).rows == ()  # nothing written before 加入附表
    dialog.save_button.click()
    settle(qtbot, page)
    assert page.status.text() == f"第 {notice_id} 号公示附表加入 3 行"
    rows = notice_detail(db, notice_id).rows
    assert [(r.position, r.name, r.id_number, r.group_name, r.amount_fen) for r in rows] == [
        (i + 1, p.name, mask_id(p.id_number), f"{i + 1}组", 50_000 + 100 * i) for i, p in enumerate(people[:3])]


def test_a_hostile_paste_is_refused_with_row_and_column_and_nothing_is_written(db, people, qtbot, boxes):
    notice_id = a_draft(db)
    page, dialog = open_rows(qtbot, db)
    before = row_counts(db)
    block = "\n".join([
        f"{people[0].name}\t{people[0].id_number}\t1组\t\t300",             # fine on its own
        '=HYPERLINK("http://example.com/x","点击领取")\t\t\t\t300',         # a formula
        f"张\x07三\t{people[1].id_number}\t2组\t\t300",                     # a control character
        f"{people[2].name}\t12345678901234567890\t3组\t\t300",             # a 20-digit number
        f"{people[3].name}\t{wrong_check(people[3].id_number)}\t1组\t\t300",  # a wrong check digit
        f"{people[4].name}\t\t1组\t\t1.2345E+17",                           # not an amount
    ])
    QGuiApplication.clipboard().setText(block)
    dialog.paste_button.click()
    settle(qtbot, page)
    said = boxes.shown[-1]
    assert said.startswith("没有粘贴｜有 5 处要改，一行也没有加入")
    for expected in ("粘贴的第 2 行“姓名”列：", "像是 Excel 公式", "粘贴的第 3 行“姓名”列：含有看不见的控制字符（U+0007）",
                     "粘贴的第 4 行“身份证号”列：身份证号应为 18 位，这里是 20 位",
                     "粘贴的第 5 行“身份证号”列：身份证号校验位不对", "粘贴的第 6 行“金额（元）”列："):
        assert expected in said
    assert people[3].id_number[:14] not in said  # the message does not repeat a person's number
    assert all(dialog.table.item(r, c) is None or not dialog.table.item(r, c).text()
               for r in range(dialog.table.rowCount()) for c in range(dialog.table.columnCount()))
    assert dialog.status.text() == "粘贴的内容有问题，一行也没有粘贴。"
    dialog.save_button.click()  # an empty table adds nothing either
    settle(qtbot, page)
    assert "没有可加入的行" in boxes.shown[-1] and dialog.isVisible()
    assert row_counts(db) == before and notice_detail(db, notice_id).rows == ()


def test_a_row_typed_wrong_is_named_and_nothing_is_added(db, people, qtbot, boxes):
    notice_id = a_draft(db)
    page, dialog = open_rows(qtbot, db)
    dialog.paste(f"{people[0].name}\t{people[0].id_number}\n{people[1].name}\t{people[1].id_number}")
    settle(qtbot, page)
    table = dialog.table
    type_cell(qtbot, table, 1, 1, wrong_check(people[1].id_number), Qt.Key.Key_Return)  # typed over the paste
    before = row_counts(db)
    dialog.save_button.click()
    settle(qtbot, page)
    assert "表中第 2 行“身份证号”列：身份证号校验位不对" in boxes.shown[-1]
    assert dialog.isVisible() and row_counts(db) == before and notice_detail(db, notice_id).rows == ()


def test_rows_from_a_payout_month_and_a_row_removed_with_a_reason(seeded, db, qtbot, monkeypatch):
    notice_id = a_draft(db)
    page = NoticesPage(db, VILLAGE, ACTOR, today=START)
    qtbot.addWidget(page)
    settle(qtbot, page)
    page.table.selectRow(0)
    settle(qtbot, page)

    def october(dialog):
        dialog.payouts.month.set_month(dt.date(2026, 10, 1))
        return 1

    monkeypatch.setattr(notice_dialogs.PayoutsDialog, "exec", october)
    page.payouts_button.click()
    settle(qtbot, page)
    assert page.row_table.rowCount() == 30
    second = page.row_table.item(1, 1).text()
    page.row_table.selectRow(0)
    assert page.remove_row_button.isEnabled()
    monkeypatch.setattr(notices_page, "ask_text", lambda *a, **k: "已于上月享受，重复")
    page.remove_row_button.click()
    settle(qtbot, page)
    assert page.status.text() == "已删除附表第 1 行" and page.row_table.rowCount() == 29
    assert page.row_table.item(0, 0).text() == "1" and page.row_table.item(0, 1).text() == second
    assert len(notice_detail(db, notice_id).rows) == 29


def test_a_sheet_without_the_supervision_phone_is_explained_with_fill_in(db, village_id, qtbot, monkeypatch,
                                                                         boxes, tmp_path):
    a_draft(db)
    update_village(db, village_id, ACTOR, supervision_phone="")
    monkeypatch.setattr(notices_page, "ask_choice", lambda *a, **k: next(iter(notices_page.PRINT_CHANNELS)))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "公示.pdf"), ""))
    page = NoticesPage(db, VILLAGE, ACTOR, today=START)
    qtbot.addWidget(page)
    settle(qtbot, page)
    page.table.selectRow(0)
    settle(qtbot, page)
    page.print_button.click()
    qtbot.waitUntil(lambda: bool(boxes.shown), timeout=WAIT_MS)
    assert boxes.shown[-1].startswith("还不能打印｜") and "监督电话" in boxes.shown[-1]
    assert not (tmp_path / "公示.pdf").exists()
    # 去填写 (the box's accept button) opens 设置 at the missing field.
    qtbot.waitUntil(lambda: page.settings_dialog is not None, timeout=WAIT_MS)
    settle(qtbot, page)
    page.settings_dialog.close()


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_rows_form_fits_the_screen_and_speaks_chinese(db, qtbot):
    a_draft(db)
    page, dialog = open_rows(qtbot, db)
    assert fits(needed(qtbot, dialog)) and fits(needed(qtbot, page))
    assert_chinese(dialog)
    assert_chinese(page)
